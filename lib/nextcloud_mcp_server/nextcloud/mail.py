"""Mail (the `mail` app, nextcloud/mail 5.x): accounts, mailboxes, messages, tags and sending.

Mail publishes no API description for its REST routes; these follow its appinfo/routes.php and
lib/Controller/*: `GET /index.php/apps/mail/api/accounts`, `GET api/mailboxes?accountId=`,
`GET api/messages?mailboxId=&cursor=&filter=&limit=&view=singleton` (envelopes, newest first,
`cursor` the `dateInt` of the last one), `GET api/messages/{id}/attachment/{partId}` (the bytes),
`PUT api/messages/{id}/flags`, `PUT|DELETE api/messages/{id}/tags/{imapLabel}`,
`POST api/messages/{id}/move`, `DELETE api/messages/{id}`, `POST api/tags` (create, or the existing
tag of that name: Mail has no route listing tags), `POST api/outbox` and `POST api/outbox/{id}`
(stage, then send), and the OCS routes `GET /ocs/v2.php/apps/mail/message/{id}` (the full message)
and `.../message/{id}/raw` (its source). REST routes take `OCS-APIRequest: true` in place of a
CSRF token.

Why the outbox and not OCS `message/send`: the outbox attaches Nextcloud files by path on the
server (`{type: "cloud", fileName}`), with nothing downloaded and uploaded again, and is not
rate-limited to 5 sends per 100 s. It drops a file it cannot read without a word, so the paths
are checked first and the staged message's attachments counted before it is sent.

Why Mail's statuses are read here: for an id that does not exist its REST controllers answer
403 with `[]`; for an account, mailbox or message of another user 400 with a ClientException
(`{"status": "fail", "data": {"message": ...}}`). Both mean "not yours or not there": NotFound
about the object. A 404 that is not Mail's JSON is Nextcloud's router: the app is not enabled
for the caller (Mail shows no capabilities to gate on), `AppUnavailable`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from nextcloud_mcp_server.nextcloud.errors import (
    AppUnavailable,
    BadResponse,
    FileTooLarge,
    NextcloudError,
    NotFound,
    Refused,
    ServerError,
    detail_of,
    error_for,
    not_found,
    parsed,
)
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

APP, TITLE = "mail", "Mail"
API = "/index.php/apps/mail/api"
OCS = "/ocs/v2.php/apps/mail"
DEFAULT_TAGS = {
    "important": "$label1",
    "work": "$label2",
    "personal": "$label3",
    "to do": "$label4",
    "later": "$label5",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Address(_Model):
    label: str = ""
    email: str = ""


class Account(_Model):
    id: int
    email: str = Field(alias="emailAddress")
    name: str = ""
    draftsMailboxId: int | None = None
    sentMailboxId: int | None = None
    trashMailboxId: int | None = None
    junkMailboxId: int | None = None


class Mailbox(_Model):
    databaseId: int
    name: str
    displayName: str = ""
    specialUse: list[str] = []
    unread: int = 0


class Tag(_Model):
    id: int
    displayName: str
    imapLabel: str
    color: str | None = None


class Envelope(_Model):
    """A message as Mail lists it (Db\\Message JSON)."""

    databaseId: int
    mailboxId: int
    subject: str = ""
    dateInt: int = 0
    flags: dict[str, Any] = {}
    tags: dict[str, Tag] | list[Any] = {}
    sender: list[Address] = Field(default=[], alias="from")
    to: list[Address] = []
    cc: list[Address] = []
    messageId: str | None = None
    inReplyTo: str | None = None
    previewText: str | None = None


class Part(_Model):
    id: str
    fileName: str | None = None
    mime: str = "application/octet-stream"
    size: int = 0
    disposition: str | None = None


class Message(_Model):
    """A message as MessageApiController::get answers it."""

    id: int
    messageId: str = ""
    subject: str = ""
    dateInt: int = 0
    sender: list[Address] = Field(default=[], alias="from")
    to: list[Address] = []
    cc: list[Address] = []
    bcc: list[Address] = []
    replyTo: list[Address] = []
    flags: dict[str, Any] = {}
    hasHtmlBody: bool = False
    body: str | None = None
    signature: str | None = None
    attachments: list[Part] = []
    inlineAttachments: list[Part] = []

    def text(self) -> str:
        """The body as plain text: Mail's sanitised HTML made text, or the plain text with its links unmade."""
        body = self.body or ""
        text = html_to_text(body) if self.hasHtmlBody else _unlink(body)
        return f"{text.rstrip()}\n-- \n{self.signature.strip()}" if self.signature else text.strip()


class Download(BaseModel):
    name: str
    mime: str
    data: bytes


class Recipient(BaseModel):
    label: str = ""
    email: str


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class MailAPI:
    """The caller's mail accounts (as configured in Nextcloud Mail) and their messages."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _rest(self, method: str, path: str, subject: str, *, json: Any = None, params: Any = None) -> Any:
        response = await self._client.request(
            method, API + path, headers=OCS_HEADERS, json=json, params=params, ok=tuple(range(400, 600))
        )
        if response.is_success:
            return _json(response) if response.content else None
        raise _failure(response, subject)

    async def _ocs(self, path: str, subject: str) -> Any:
        response = await self._client.request("GET", OCS + path, headers=OCS_HEADERS, ok=tuple(range(400, 600)))
        body = _json(response)
        ocs = body.get("ocs") if isinstance(body, dict) else None
        if not isinstance(ocs, dict):
            if response.status_code == 404:
                raise AppUnavailable(APP, TITLE, detail_of(response))
            raise error_for(response.status_code, detail_of(response), subject=subject) if not response.is_success \
                else BadResponse("not an OCS envelope")  # fmt: skip
        data = ocs.get("data")
        if response.is_success:
            return data
        if response.status_code == 404:
            if isinstance(data, str):  # Mail's own: "Account not found." for anything not the caller's
                raise not_found(subject)
            raise AppUnavailable(APP, TITLE, detail_of(response))
        raise error_for(response.status_code, data if isinstance(data, str) else detail_of(response), subject=subject)

    # -- reading -----------------------------------------------------------------------
    async def accounts(self) -> list[Account]:
        data = await self._rest("GET", "/accounts", "your mail accounts")
        if not isinstance(data, list):
            raise BadResponse("the mail accounts are not a list")
        return [parsed(Account, item, "account") for item in data]

    async def mailboxes(self, account_id: int) -> list[Mailbox]:
        data = await self._rest("GET", "/mailboxes", f"mail account {account_id}", params={"accountId": account_id})
        found = data.get("mailboxes") if isinstance(data, dict) else None
        if not isinstance(found, list):
            raise BadResponse("the mailboxes are not a list")
        return [parsed(Mailbox, item, "mailbox") for item in found]

    async def messages(
        self, mailbox_id: int, *, limit: int, cursor: int | None = None, search: str | None = None
    ) -> list[Envelope]:
        """Up to `limit` (1..100) messages, newest first, sent before `cursor` (a `dateInt`) when given."""
        params: dict[str, Any] = {"mailboxId": mailbox_id, "limit": limit, "view": "singleton"}
        if cursor is not None:
            params["cursor"] = cursor
        if search:
            params["filter"] = search
        data = await self._rest("GET", "/messages", f"mailbox {mailbox_id}", params=params)
        if not isinstance(data, list):
            raise BadResponse("the messages are not a list")
        return [parsed(Envelope, item, "message") for item in data]

    async def message(self, message_id: int) -> Message:
        return parsed(Message, await self._ocs(f"/message/{message_id}", f"message {message_id}"), "message")

    async def source(self, message_id: int) -> str:
        data = await self._ocs(f"/message/{message_id}/raw", f"message {message_id}")
        if not isinstance(data, str):
            raise BadResponse("the message source is not text")
        return data

    async def attachment(self, message_id: int, attachment_id: str, limit: int) -> Download:
        """An attachment's bytes (at most `limit`; FileTooLarge beyond), its name and type."""
        subject = f"attachment {attachment_id!r} of message {message_id}"
        path = f"{API}/messages/{message_id}/attachment/{quote(attachment_id, safe='')}"
        async with self._client.stream("GET", path, headers={"OCS-APIRequest": "true"}, ok=(400, 403, 404)) as got:
            if not got.is_success:
                await got.aread()
                raise _failure(got, subject)
            data = bytearray()
            async for chunk in got.aiter_bytes():
                data.extend(chunk)
                if len(data) > limit:
                    raise FileTooLarge(subject, int(got.headers.get("Content-Length") or len(data)), limit)
            mime = got.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip()
            name = _filename(got.headers.get("Content-Disposition")) or f"attachment-{attachment_id}"
        return Download(name=name, mime=mime or "application/octet-stream", data=bytes(data))

    # -- changing ----------------------------------------------------------------------
    async def set_flags(self, message_id: int, flags: dict[str, bool]) -> None:
        await self._rest("PUT", f"/messages/{message_id}/flags", f"message {message_id}", json={"flags": flags})

    async def ensure_tag(self, name: str, color: str) -> Tag:
        """The tag of that name, created when new (Mail answers the existing one, its colour unchanged)."""
        data = await self._rest("POST", "/tags", f"tag {name!r}", json={"displayName": name, "color": color})
        return parsed(Tag, data, "tag")

    async def tag(self, message_id: int, name: str, on: bool) -> Tag:
        """Tag a message (or untag it) by tag name or IMAP label; the tag.

        Mail's five default tags (Important, Work, Personal, To Do, Later) have the labels
        `$label1`..`$label5`, not labels made from their names: a name of theirs is taken as theirs
        (creating "Work" would make a second tag `$work`). Another name is created if new."""
        label = name if name.startswith("$") else DEFAULT_TAGS.get(name.casefold())
        if label is None:
            label = (await self.ensure_tag(name, "#0082c9")).imapLabel
        path = f"/messages/{message_id}/tags/{quote(label, safe='')}"
        data = await self._rest("PUT" if on else "DELETE", path, f"message {message_id}")
        return parsed(Tag, data, "tag")

    async def move(self, message_id: int, mailbox_id: int) -> None:
        body = {"destFolderId": mailbox_id}
        await self._rest("POST", f"/messages/{message_id}/move", f"message {message_id} or mailbox {mailbox_id}",
                         json=body)  # fmt: skip

    async def delete(self, message_id: int) -> None:
        await self._rest("DELETE", f"/messages/{message_id}", f"message {message_id}")

    async def send(
        self,
        account_id: int,
        *,
        to: list[Recipient],
        cc: list[Recipient],
        bcc: list[Recipient],
        subject: str,
        body: str,
        is_html: bool,
        in_reply_to: str | None,
        files: list[str],
    ) -> list[str]:
        """Stage the message in the outbox and send it; the names of the files attached."""
        for path in files:
            try:
                info = await self._client.webdav.stat(path)
            except NotFound as exc:
                exc.subject = f"the file '{path}' to attach"
                raise
            if info.is_dir:
                raise Refused(f"'{path}' is a folder; only files can be attached")
        staged = {
            "accountId": account_id,
            "subject": subject,
            "bodyPlain": None if is_html else body,
            "bodyHtml": body if is_html else None,
            "editorBody": body,
            "isHtml": is_html,
            "smimeSign": False,
            "smimeEncrypt": False,
            "to": [r.model_dump() for r in to],
            "cc": [r.model_dump() for r in cc],
            "bcc": [r.model_dump() for r in bcc],
            "attachments": [{"type": "cloud", "fileName": path} for path in files],
            "inReplyToMessageId": in_reply_to,
        }
        answer = await self._rest("POST", "/outbox", f"mail account {account_id}", json=staged)
        local = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(local, dict) or not isinstance(local.get("id"), int):
            raise BadResponse("the outbox answered no message id")
        attached = [str(a.get("fileName")) for a in local.get("attachments") or [] if isinstance(a, dict)]
        if len(attached) != len(files):
            await self._rest("DELETE", f"/outbox/{local['id']}", "the unsent message")
            raise Refused(
                "Mail could not read every file to attach (nothing was sent); check the paths and your access"
            )
        await self._rest("POST", f"/outbox/{local['id']}", "the message to send")
        return attached


def _failure(response: httpx.Response, subject: str) -> NextcloudError:
    """Mail's answer (see the module docstring) as the shared error about `subject`."""
    status = response.status_code
    body = _json(response) if "json" in response.headers.get("Content-Type", "") else None
    if body is None:
        if status == 404:
            return AppUnavailable(APP, TITLE, detail_of(response))
        return error_for(status, detail_of(response), subject=subject)
    data = body.get("data") if isinstance(body, dict) else None
    said = data.get("message") if isinstance(data, dict) else body.get("message") if isinstance(body, dict) else None
    said = said if isinstance(said, str) else ""
    if status == 403 and body == []:  # Mail's answer to an id that does not exist
        return not_found(subject)
    if status == 404 or (status == 400 and ("does not exist" in said or "no Delegated account" in said)):
        return not_found(subject)
    if status >= 500:
        error: NextcloudError = ServerError(said or detail_of(response), status=status)
    else:
        error = error_for(status, said or detail_of(response))
    error.subject = subject
    return error


def _filename(disposition: str | None) -> str | None:
    if not disposition:
        return None
    from email.message import Message as MimeHeaders

    headers = MimeHeaders()
    headers["Content-Disposition"] = disposition
    return headers.get_filename()


_ANCHOR = re.compile(r"(?is)<a\b[^>]*>(.*?)</a\s*>")


def _unlink(body: str) -> str:
    """Mail's plain text body with the anchors it made of links turned back into the links."""
    return _ANCHOR.sub(lambda m: m.group(1), body)


class _Text(HTMLParser):
    """HTML to readable text: no scripts, styles or other non-content; links as 'text (url)'; no images."""

    SKIP = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "iframe", "object"})
    BLOCK = frozenset({"p", "div", "section", "article", "header", "footer", "blockquote", "pre", "table",
                       "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr"})  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0
        self.links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif self.skipping:
            return
        elif tag == "br":
            self.out.append("\n")
        elif tag in self.BLOCK or tag == "tr":
            self.out.append("\n\n" if tag in self.BLOCK else "\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(href if href.startswith(("http://", "https://", "mailto:")) else None)
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(f"[image: {alt}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif self.skipping:
            return
        elif tag in self.BLOCK:
            self.out.append("\n\n")
        elif tag == "a" and self.links:
            href = self.links.pop()
            shown = "".join(self.out[-1:]).strip()
            if href and href.removeprefix("mailto:") not in shown:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """Readable text of an HTML mail body: scripts, styles and images' sources left out, links kept as text."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.out)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
