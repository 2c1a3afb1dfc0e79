"""Mail (`mail`, nextcloud/mail 5.x) over its REST routes `/index.php/apps/mail/api/...` and OCS `apps/mail/...`.

As nextcloud/mail's appinfo/routes.php, lib/Controller/{Accounts,Mailboxes,Messages,MessageApi,
Tags,Outbox}Controller.php, lib/Http/{JsonResponse,Middleware/ErrorMiddleware}.php,
lib/Service/{MailManager,DelegationService,MailTransmission,Attachment/AttachmentService}.php,
lib/Service/Search/FilterStringParser.php and lib/Db/{MailAccount,Mailbox,Message,Tag,
LocalMessage}.php define them (commit e5734fe, 5.12.0-alpha.2):

- Every user has one account (`{user}@mail.standin.test`, or the user's e-mail) with INBOX,
  Drafts, Sent, Trash and Junk, the account naming its special mailboxes (`sentMailboxId`, ...).
  Ids (accounts, mailboxes, messages, tags, outbox messages) are global database ids.
- `GET api/accounts`: the caller's accounts (MailAccount::toJson, `aliases`, `isDelegated`).
  `GET api/mailboxes?accountId=`: `{id, email, mailboxes, delimiter}`.
- `GET api/messages?mailboxId=&cursor=&filter=&limit=&view=`: envelopes (Db\\Message JSON), newest
  first; `limit` is clamped to 1..100 (PHP's `max(1, null)`: no limit gives one message); `cursor`
  is a `dateInt`, the next page being the messages sent strictly before it (messages of the same
  second as the cursor are skipped, as in Mail). `filter` is Mail's search string: space-separated
  `type:value` tokens (values urldecoded) `is:`/`not:` read|unread|starred|important|answered,
  `from: to: cc: bcc: subject: body:` (case-insensitive substrings; `match:anyof` ORs them),
  `tags:` (tag database ids, comma-separated), `flags:` (the `is` words, `attachments`),
  `start:`/`end:` (timestamps); a token without `:` is ignored. `view=threaded` (the default)
  lists the newest message of each thread, `singleton` every message.
- `GET api/messages/{id}/attachment/{attachmentId}`: the part's bytes (a download, its name in
  Content-Disposition). Part ids are Horde's MIME ids ("2", "2.1").
- `PUT api/messages/{id}/flags {flags: {name: bool}}`, `PUT|DELETE api/messages/{id}/tags/{imapLabel}`
  (the tag's JSON; an unknown label 403 `[]`), `POST api/messages/{id}/move {destFolderId}`,
  `DELETE api/messages/{id}` (into Trash, or expunged when already there). A moved or trashed
  message is cached anew in its mailbox under a new id (the old one is gone). `important` is the
  `$label1` keyword, i.e. the default tag "Important".
- `POST api/tags {displayName, color}`: the tag, created or the existing one of that IMAP label
  (`$` + the name lower-cased with spaces as underscores); a name over 128 characters is 400.
  Every user has Mail's five default tags ($label1..$label5).
- `POST api/outbox {accountId, subject, bodyPlain, bodyHtml, isHtml, to, cc, bcc, attachments,
  inReplyToMessageId, ...}` 201 `{"status": "success", "data": <LocalMessage>}`; an attachment
  `{type: "cloud", fileName}` takes the caller's Nextcloud file, one that is missing or a folder is
  dropped silently (AttachmentService::handleCloudAttachment). `POST api/outbox/{id}` sends it:
  202 `{"status": "success", "data": "Message sent"}`, and the outbox message is gone. The sent
  message (MailTransmission) has From (the account), To, Cc, Subject, Date, Message-ID, and,
  with `inReplyToMessageId`, `In-Reply-To` and `References` both set to it; the copy in Sent
  also has Bcc. Sending delivers it into the INBOX of every stand-in account addressed (to, cc
  or bcc), and marks the sender's messages of the Message-ID replied to answered. An address
  without `@` fails the SMTP step: 500 "Could not send message".
  `DELETE api/outbox/{id}` 202 "Message deleted".
- OCS `GET message/{id}` (MessageApiController::get): the full message (`body` is Mail's
  sanitised HTML when the message has an HTML part, else the plain text with its links made
  anchors and the signature after "-- " split off into `signature`); `GET message/{id}/raw`: the
  RFC 822 source as `data`. Both 404 with a string `data` for a message that is not the caller's.

Errors as Mail gives them: an id that does not exist is 403 `[]` on the REST message and mailbox
routes (DoesNotExistException caught in the controller); an account, mailbox or message of
another user is 400 `{"status": "fail", "data": {"message", "type"}}` (DelegationService's
ClientException through the ErrorMiddleware); an outbox id unknown is 404 `{"status": "fail",
"data": []}`. Where the app is not enabled for the user Nextcloud's router answers (core.py):
an HTML 404 on REST routes, OCS 404 "Invalid query" on OCS ones.

Not emulated: IMAP sync, aliases, delegation, drafts, S/MIME, threads beyond `References`,
HTML sanitising beyond dropping `<script>` elements and remote images. Mail registers no
capabilities. Contract: Mail publishes no API description for these routes and
../shared/contracts holds none; the routes name SOURCES.md (which points at the sources above).
"""

from __future__ import annotations

import html
import mimetypes
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, parsedate_to_datetime
from typing import Any
from urllib.parse import unquote

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "SOURCES.md"
API = "/index.php/apps/mail/api"
OCS = "/ocs/v2.php/apps/mail"
MAILBOXES = (("INBOX", None), ("Drafts", "drafts"), ("Sent", "sent"), ("Trash", "trash"), ("Junk", "junk"))
DEFAULT_TAGS = (
    ("$label1", "Important", "#FF7A66"),
    ("$label2", "Work", "#31CC7C"),
    ("$label3", "Personal", "#A85BF6"),
    ("$label4", "To Do", "#3794AC"),
    ("$label5", "Later", "#B46EB9"),
)
FLAGS = ("seen", "flagged", "answered", "deleted", "draft", "forwarded", "$junk", "$notjunk", "$mdnsent")
CLIENT_EXCEPTION = "OCA\\Mail\\Exception\\ClientException"
URL = re.compile(r"(https?://[^\s<>\"]+)")


@dataclass
class Account:
    id: int
    user_id: str
    email: str
    name: str
    mailboxes: dict[str, int] = field(default_factory=dict)
    """Special use ("sent", "trash", ...; "inbox") -> mailbox id."""

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "accountId": self.id,
            "name": self.name,
            "order": 1,
            "emailAddress": self.email,
            "authMethod": "password",
            "imapHost": "imap.standin.test",
            "imapPort": 993,
            "imapUser": self.email,
            "imapSslMode": "ssl",
            "signature": None,
            "editorMode": "plaintext",
            "provisioningId": None,
            "showSubscribedOnly": False,
            "personalNamespace": None,
            "draftsMailboxId": self.mailboxes.get("drafts"),
            "sentMailboxId": self.mailboxes.get("sent"),
            "trashMailboxId": self.mailboxes.get("trash"),
            "archiveMailboxId": None,
            "snoozeMailboxId": None,
            "sieveEnabled": False,
            "signatureAboveQuote": False,
            "signatureMode": None,
            "smimeCertificateId": None,
            "quotaPercentage": None,
            "trashRetentionDays": None,
            "junkMailboxId": self.mailboxes.get("junk"),
            "searchBody": False,
            "outOfOfficeFollowsSystem": True,
            "debug": False,
            "classificationEnabled": True,
            "imipCreate": False,
            "protocol": "imap",
            "path": None,
            "smtpHost": "smtp.standin.test",
            "smtpPort": 465,
            "smtpUser": self.email,
            "smtpSslMode": "ssl",
            "aliases": [],
            "isDelegated": False,
        }


@dataclass
class Mailbox:
    id: int
    account_id: int
    name: str
    special_use: str | None
    next_uid: int = 1

    def json(self, unread: int) -> dict[str, Any]:
        import base64

        special = [self.special_use] if self.special_use else []
        return {
            "databaseId": self.id,
            "id": base64.b64encode(self.name.encode()).decode(),
            "name": self.name,
            "accountId": self.account_id,
            "displayName": self.name,
            "attributes": [f"\\{self.special_use.capitalize()}"] if self.special_use else [],
            "delimiter": ".",
            "specialUse": special,
            "specialRole": special[0] if special else ("inbox" if self.name == "INBOX" else 0),
            "mailboxes": [],
            "syncInBackground": self.name == "INBOX",
            "unread": unread,
            "myAcls": None,
            "shared": False,
            "cacheBuster": None,
        }


@dataclass
class Tag:
    id: int
    user_id: str
    display_name: str
    label: str
    color: str
    default: bool = False

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "userId": self.user_id,
            "displayName": self.display_name,
            "imapLabel": self.label,
            "color": self.color,
            "isDefaultTag": self.default,
        }


@dataclass
class Stored:
    """A message as the IMAP server holds it (its source) and Mail caches it (flags, keywords)."""

    id: int
    mailbox_id: int
    uid: int
    raw: bytes
    sent_at: int
    flags: dict[str, bool] = field(default_factory=dict)
    labels: set[str] = field(default_factory=set)

    def parsed(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)


@dataclass
class Outgoing:
    """A LocalMessage of the outbox, with the attachments Mail made of the Nextcloud files."""

    id: int
    account_id: int
    body: dict[str, Any]
    attachments: list[tuple[dict[str, Any], bytes]]
    recipients: dict[str, list[dict[str, Any]]]

    def json(self) -> dict[str, Any]:
        recipients = {
            kind: [{"id": n, "messageId": self.id, "type": t, "label": r.get("label") or r["email"],
                    "email": r["email"]} for n, r in enumerate(self.recipients[kind], start=1)]
            for t, kind in ((1, "to"), (2, "cc"), (3, "bcc"))
        }  # fmt: skip
        return {
            "id": self.id,
            "type": 0,
            "accountId": self.account_id,
            "aliasId": None,
            "sendAt": self.body.get("sendAt"),
            "updatedAt": int(time.time()),
            "subject": self.body.get("subject", ""),
            "bodyPlain": self.body.get("bodyPlain"),
            "bodyHtml": self.body.get("bodyHtml"),
            "editorBody": self.body.get("editorBody"),
            "isHtml": bool(self.body.get("isHtml")),
            "isPgpMime": False,
            "inReplyToMessageId": self.body.get("inReplyToMessageId") or None,
            "attachments": [meta for meta, _ in self.attachments],
            "from": [],
            **recipients,
            "failed": False,
            "smimeCertificateId": None,
            "smimeSign": False,
            "smimeEncrypt": False,
            "status": 0,
            "raw": None,
            "requestMdn": False,
            "isAiGenerated": False,
        }


def _fail(message: str, status: int = 400) -> Failure:
    """A ClientException through Mail's ErrorMiddleware (JsonResponse::failWith)."""
    return Failure(status, message, {"status": "fail", "data": {"message": message, "type": CLIENT_EXCEPTION}})


def _forbidden() -> Failure:
    """`new JSONResponse([], Http::STATUS_FORBIDDEN)`: the controllers' answer to a DoesNotExistException."""
    return Failure(403, "", [])


def _int(value: Any) -> int | None:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.lstrip("-").isdigit() else None


def _addresses(value: str | None) -> list[dict[str, str]]:
    return [{"label": name or email, "email": email} for name, email in getaddresses([value or ""]) if email]


def _mime_parts(message: EmailMessage) -> list[tuple[str, EmailMessage]]:
    """Every leaf part with its Horde MIME id ("1" for a single part; "1", "2", "2.1" below multiparts)."""
    found: list[tuple[str, EmailMessage]] = []

    def walk(part: EmailMessage, mime_id: str) -> None:
        if part.is_multipart():
            for number, child in enumerate(part.iter_parts(), start=1):
                walk(child, f"{mime_id}.{number}" if mime_id != "0" else str(number))  # type: ignore[arg-type]
        else:
            found.append((mime_id, part))

    walk(message, "0" if message.is_multipart() else "1")
    return found


def _payload(part: EmailMessage) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _sanitised(body: str) -> str:
    """What Mail's HTMLPurifier leaves of what the stand-in sends: no scripts, no remote images."""
    body = re.sub(r"(?is)<script\b.*?</script\s*>", "", body)
    return re.sub(r'(?i)(<img\b[^>]*?)\ssrc="https?://[^"]*"', r"\1", body)


class MailApp(EmulatedApp):
    """The Mail app (see the module docstring)."""

    app_id = "mail"
    prefixes = ("/index.php/apps/mail/", "/ocs/v2.php/apps/mail/")

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()
        self.accounts: dict[int, Account] = {}
        self.mailboxes: dict[int, Mailbox] = {}
        self.messages: dict[int, Stored] = {}
        self.tags: dict[str, dict[str, Tag]] = {}
        self.outbox: dict[int, Outgoing] = {}
        self._ids = {"accounts": 0, "mailboxes": 0, "messages": 0, "tags": 0, "outbox": 0}

    def _next(self, table: str) -> int:
        self._ids[table] += 1
        return self._ids[table]

    # -- state (tests use these too) ------------------------------------------------------
    def provision(self, user: User) -> None:
        self.account_of(user.id)

    def account_of(self, user_id: str) -> Account:
        """The user's mail account, made as the user (or an admin's provisioning) would configure it."""
        with self._lock:
            found = next((a for a in self.accounts.values() if a.user_id == user_id), None)
            if found is not None:
                return found
            user = self.standin.users.get(user_id)
            email = (user.email if user is not None and user.email else None) or f"{user_id}@mail.standin.test"
            name = user.display_name if user is not None and user.display_name else user_id
            account = Account(self._next("accounts"), user_id, email, name)
            self.accounts[account.id] = account
            for box, special in MAILBOXES:
                mailbox = Mailbox(self._next("mailboxes"), account.id, box, special)
                self.mailboxes[mailbox.id] = mailbox
                account.mailboxes[special or "inbox"] = mailbox.id
            self.tags[user_id] = {}
            for label, display, color in DEFAULT_TAGS:
                self.tags[user_id][label] = Tag(self._next("tags"), user_id, display, label, color, True)
            return account

    def mailbox_of(self, user_id: str, name: str) -> Mailbox:
        account = self.account_of(user_id)
        return next(m for m in self.mailboxes.values() if m.account_id == account.id and m.name == name)

    def in_mailbox(self, user_id: str, name: str) -> list[Stored]:
        """The messages of one of the user's mailboxes, newest first."""
        box = self.mailbox_of(user_id, name)
        with self._lock:
            found = [m for m in self.messages.values() if m.mailbox_id == box.id]
        return sorted(found, key=lambda m: (-m.sent_at, -m.id))

    def deliver(self, mailbox: Mailbox, raw: bytes, *, seen: bool = False, sent_at: int | None = None) -> Stored:
        """Append a message to a mailbox (IMAP APPEND, then Mail's sync caches it)."""
        with self._lock:
            parsed = message_from_bytes(raw, policy=policy.default)
            if sent_at is None:
                try:
                    sent_at = int(parsedate_to_datetime(str(parsed["Date"])).timestamp())
                except (TypeError, ValueError):
                    sent_at = int(time.time())
            stored = Stored(self._next("messages"), mailbox.id, mailbox.next_uid, raw, sent_at, {"seen": seen})
            mailbox.next_uid += 1
            self.messages[stored.id] = stored
            return stored

    def compose(
        self,
        sender: str,
        to: list[str],
        subject: str,
        text: str,
        *,
        html_body: str | None = None,
        date: int | None = None,
        attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
        headers: dict[str, str] | None = None,
    ) -> bytes:
        """An RFC 822 message as a mail client would send it (for seeding tests)."""
        message = EmailMessage()
        message["From"] = sender
        message["To"] = ", ".join(to)
        message["Subject"] = subject
        message["Date"] = formatdate(date if date is not None else time.time())
        message["Message-ID"] = f"<{uuid.uuid4().hex}@standin.test>"
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(text)
        if html_body is not None:
            message.add_alternative(html_body, subtype="html")
        for name, mime, data in attachments:
            main, _, sub = mime.partition("/")
            message.add_attachment(data, maintype=main, subtype=sub, filename=name)
        return message.as_bytes()

    # -- lookups as Mail does them --------------------------------------------------------
    def _own_account(self, user: User, account_id: int | None) -> Account:
        """DelegationService::resolveAccountUserId: the caller's account, else a ClientException (400)."""
        self.account_of(user.id)
        found = self.accounts.get(account_id or 0)
        if found is None or found.user_id != user.id:
            raise _fail(f"no Delegated account with id: <{account_id}> exists for user <{user.id}>")
        return found

    def _own_mailbox(self, user: User, mailbox_id: int | None) -> Mailbox:
        found = self.mailboxes.get(mailbox_id or 0)
        if found is None:
            raise _forbidden()
        self._own_account(user, found.account_id)
        return found

    def _own_message(self, user: User, message_id: int | None) -> tuple[Stored, Mailbox, Account]:
        found = self.messages.get(message_id or 0)
        if found is None:
            raise _forbidden()
        mailbox = self.mailboxes[found.mailbox_id]
        return found, mailbox, self._own_account(user, mailbox.account_id)

    def _ocs_message(self, user: User, message_id: str, missing: str) -> tuple[Stored, Mailbox, Account]:
        """MessageApiController's lookup: anything not the caller's is 404 with a string `data`."""
        found = self.messages.get(_int(message_id) or 0)
        mailbox = self.mailboxes.get(found.mailbox_id) if found is not None else None
        account = self.accounts.get(mailbox.account_id) if mailbox is not None else None
        if found is None or mailbox is None or account is None or account.user_id != user.id:
            raise Failure(404, "", missing)
        return found, mailbox, account

    def _tags(self, user_id: str) -> dict[str, Tag]:
        self.account_of(user_id)
        return self.tags[user_id]

    # -- JSON as Mail shapes it -----------------------------------------------------------
    def _flags(self, stored: Stored, parsed: EmailMessage) -> dict[str, bool]:
        flags = {name: bool(stored.flags.get(name)) for name in FLAGS}
        flags["hasAttachments"] = any(p.get_content_disposition() == "attachment" for _, p in _mime_parts(parsed))
        flags["important"] = "$label1" in stored.labels
        return flags

    def envelope(self, stored: Stored, user_id: str) -> dict[str, Any]:
        """Db\\Message::jsonSerialize."""
        parsed = stored.parsed()
        tags = self._tags(user_id)
        references = str(parsed.get("References") or "").split()
        plain = [p for _, p in _mime_parts(parsed)
                 if p.get_content_type() == "text/plain" and p.get_content_disposition() != "attachment"]  # fmt: skip
        text = _payload(plain[0]).decode("utf-8", "replace") if plain else ""
        return {
            "databaseId": stored.id,
            "uid": stored.uid,
            "remoteId": None,
            "subject": str(parsed.get("Subject") or ""),
            "dateInt": stored.sent_at,
            "flags": self._flags(stored, parsed),
            "tags": {label: tags[label].json() for label in sorted(stored.labels) if label in tags},
            "from": _addresses(parsed.get("From")),
            "to": _addresses(parsed.get("To")),
            "cc": _addresses(parsed.get("Cc")),
            "bcc": _addresses(parsed.get("Bcc")),
            "mailboxId": stored.mailbox_id,
            "messageId": str(parsed.get("Message-ID") or ""),
            "inReplyTo": str(parsed.get("In-Reply-To") or "") or None,
            "references": references or None,
            "threadRootId": references[0] if references else str(parsed.get("Message-ID") or ""),
            "imipMessage": False,
            "previewText": " ".join(text.split())[:255] or None,
            "summary": None,
            "encrypted": False,
            "mentionsMe": False,
            "avatar": None,
            "fetchAvatarFromClient": False,
            "attachments": [],
        }

    def full(self, stored: Stored, account: Account) -> dict[str, Any]:
        """MessageApiController::get: IMAPMessage::getFullMessage plus the API's own keys."""
        parsed = stored.parsed()
        plain, markup = "", None
        attachments: list[dict[str, Any]] = []
        inline: list[dict[str, Any]] = []
        for mime_id, part in _mime_parts(parsed):
            disposition = part.get_content_disposition()
            meta = {
                "id": mime_id,
                "messageId": stored.uid,
                "fileName": part.get_filename(),
                "mime": part.get_content_type(),
                "size": len(_payload(part)),
                "cid": str(part.get("Content-ID") or "").strip("<>") or None,
                "disposition": disposition,
                "downloadUrl": f"{self.standin_url}{OCS}/message/{stored.id}/attachment/{mime_id}",
            }
            if disposition == "attachment":
                attachments.append(meta)
            elif part.get_filename() or (meta["cid"] and part.get_content_maintype() != "text"):
                inline.append(meta)
            elif part.get_content_type() == "text/html" and markup is None:
                markup = _payload(part).decode(part.get_content_charset() or "utf-8", "replace")
            elif part.get_content_type() == "text/plain" and not plain:
                plain = _payload(part).decode(part.get_content_charset() or "utf-8", "replace")
        data: dict[str, Any] = {
            "uid": stored.uid,
            "messageId": str(parsed.get("Message-ID") or ""),
            "from": _addresses(parsed.get("From")),
            "to": _addresses(parsed.get("To")),
            "replyTo": _addresses(parsed.get("Reply-To")),
            "cc": _addresses(parsed.get("Cc")),
            "bcc": _addresses(parsed.get("Bcc")),
            "subject": str(parsed.get("Subject") or ""),
            "dateInt": stored.sent_at,
            "flags": {k: v for k, v in self._flags(stored, parsed).items() if not k.startswith("$")}
            | {"mdnsent": bool(stored.flags.get("$mdnsent"))},
            "hasHtmlBody": markup is not None,
            "dispositionNotificationTo": "",
            "hasDkimSignature": False,
            "phishingDetails": {"checks": [], "warning": False},
            "unsubscribeUrl": None,
            "isOneClickUnsubscribe": False,
            "unsubscribeMailto": None,
            "scheduling": [],
            "isPgpMimeEncrypted": False,
            "hasAiGeneratedHeader": False,
        }
        if markup is not None:
            data["body"] = _sanitised(markup)
            data["attachments"], data["inlineAttachments"] = attachments, inline
            data["signature"] = None
        else:
            body, _, signature = plain.partition("\n-- \n")
            data["body"] = URL.sub(r'<a href="\1" rel="noreferrer noopener" target="_blank">\1</a>', body)
            data["signature"] = signature or None
            data["attachments"], data["inlineAttachments"] = attachments + inline, []
        data.update({
            "id": stored.id,
            "isSenderTrusted": False,
            "smime": {"isSigned": False, "signatureIsValid": None, "isEncrypted": False},
            "rawUrl": f"{self.standin_url}{OCS}/message/{stored.id}/raw",
        })  # fmt: skip
        return data

    @property
    def standin_url(self) -> str:
        return "http://localhost"

    # -- accounts and mailboxes -----------------------------------------------------------
    @route("GET", API + "/accounts", contract=CONTRACT)
    async def list_accounts(self, request: Request) -> Reply:
        self.account_of(request.user.id)
        with self._lock:
            mine = [a.json() for a in self.accounts.values() if a.user_id == request.user.id]
        return Reply(200, mine)

    @route("GET", API + "/mailboxes", contract=CONTRACT)
    async def list_mailboxes(self, request: Request) -> Reply:
        with self._lock:
            account = self._own_account(request.user, _int(request.args().get("accountId")))
            boxes = [m for m in self.mailboxes.values() if m.account_id == account.id]
            unread = {
                box.id: sum(1 for m in self.messages.values() if m.mailbox_id == box.id and not m.flags.get("seen"))
                for box in boxes
            }
            found = [box.json(unread[box.id]) for box in boxes]
        return Reply(200, {"id": account.id, "email": account.email, "mailboxes": found, "delimiter": "."})

    # -- messages -------------------------------------------------------------------------
    @route("GET", API + "/messages", contract=CONTRACT)
    async def list_messages(self, request: Request) -> Reply:
        args = request.args()
        with self._lock:
            mailbox = self._own_mailbox(request.user, _int(args.get("mailboxId")))
            limit = min(100, max(1, _int(args.get("limit")) or 0))
            cursor = _int(args.get("cursor"))
            found = [m for m in self.messages.values() if m.mailbox_id == mailbox.id]
            found = [m for m in found if cursor is None or m.sent_at < cursor]
            found = [m for m in found if self._matches(m, str(args.get("filter") or ""), request.user.id)]
            found.sort(key=lambda m: (-m.sent_at, -m.id))
            envelopes = [self.envelope(m, request.user.id) for m in found]
            if args.get("view") != "singleton":
                seen: set[str] = set()
                threads = []
                for item in envelopes:
                    if item["threadRootId"] not in seen:
                        seen.add(item["threadRootId"])
                        threads.append(item)
                envelopes = threads
        return Reply(200, envelopes[:limit])

    def _matches(self, stored: Stored, filter_: str, user_id: str) -> bool:
        """FilterStringParser and MessageMapper::findIdsByQuery, for what the stand-in stores."""
        envelope = self.envelope(stored, user_id)
        flags = envelope["flags"]
        words = {"read": ("seen", True), "unread": ("seen", False), "starred": ("flagged", True),
                 "important": ("important", True), "answered": ("answered", True)}  # fmt: skip
        texts: list[bool] = []
        anyof = False
        for token in filter_.split(" "):
            if ":" not in token:
                continue
            kind, _, value = token.partition(":")
            kind, value = kind.lower(), unquote(value.split(":")[0])
            if kind in ("is", "not") and value in words:
                name, wanted = words[value]
                if flags[name] != (wanted if kind == "is" else not wanted):
                    return False
            elif kind in ("from", "to", "cc", "bcc"):
                people = envelope[kind]
                texts.append(any(value.lower() in (p["email"] + " " + p["label"]).lower() for p in people))
            elif kind == "subject":
                texts.append(value.lower() in envelope["subject"].lower())
            elif kind == "body":
                body = " ".join(_payload(p).decode("utf-8", "replace") for _, p in _mime_parts(stored.parsed())
                                if p.get_content_maintype() == "text")  # fmt: skip
                texts.append(value.lower() in body.lower())
            elif kind == "tags":
                ids = {str(tag["id"]) for tag in envelope["tags"].values()}
                if not ids & set(value.split(",")):
                    return False
            elif kind == "flags":
                for word in value.split(","):
                    if word in words and flags[words[word][0]] != words[word][1]:
                        return False
                    if word == "attachments" and not flags["hasAttachments"]:
                        return False
            elif kind in ("start", "end") and value.isdigit():
                if (stored.sent_at < int(value)) if kind == "start" else (stored.sent_at > int(value)):
                    return False
            elif kind == "match":
                anyof = value == "anyof"
        return (any(texts) if anyof else all(texts)) if texts else True

    @route("GET", API + "/messages/{id}/attachment/{attachmentId}", contract=CONTRACT)
    async def download_attachment(self, request: Request) -> Reply:
        with self._lock:
            stored, _, _ = self._own_message(request.user, _int(request.params["id"]))
            wanted = unquote(request.params["attachmentId"])
            part = next((p for mime_id, p in _mime_parts(stored.parsed()) if mime_id == wanted), None)
        if part is None:
            raise Failure(404, "", {"status": "fail", "data": []})
        name = part.get_filename() or f"Embedded message {wanted}.eml"
        headers = [
            ("Content-Type", part.get_content_type()),
            ("Content-Disposition", f'attachment; filename="{name}"'),
        ]
        return Reply(200, raw=_payload(part), headers=headers)

    @route("PUT", API + "/messages/{id}/flags", contract=CONTRACT)
    async def set_flags(self, request: Request) -> Reply:
        flags = request.args().get("flags")
        with self._lock:
            stored, _, _ = self._own_message(request.user, _int(request.params["id"]))
            for name, value in (flags if isinstance(flags, dict) else {}).items():
                on = value is True or str(value).lower() in ("1", "true", "on", "yes")
                if name == "important":
                    (stored.labels.add if on else stored.labels.discard)("$label1")
                elif name == "junk" or name == "$junk":
                    stored.flags["$junk"] = on
                else:
                    stored.flags[name] = on
        return Reply(200, [])

    @route("PUT", API + "/messages/{id}/tags/{imapLabel}", contract=CONTRACT)
    async def set_tag(self, request: Request) -> Reply:
        return self._tag(request, True)

    @route("DELETE", API + "/messages/{id}/tags/{imapLabel}", contract=CONTRACT)
    async def remove_tag(self, request: Request) -> Reply:
        return self._tag(request, False)

    def _tag(self, request: Request, on: bool) -> Reply:
        with self._lock:
            stored, _, _ = self._own_message(request.user, _int(request.params["id"]))
            tag = self._tags(request.user.id).get(unquote(request.params["imapLabel"]))
            if tag is None:
                raise _forbidden()
            (stored.labels.add if on else stored.labels.discard)(tag.label)
        return Reply(200, tag.json())

    @route("POST", API + "/messages/{id}/move", contract=CONTRACT)
    async def move(self, request: Request) -> Reply:
        with self._lock:
            stored, _, _ = self._own_message(request.user, _int(request.params["id"]))
            destination = _int(request.args().get("destFolderId"))
            target = self.mailboxes.get(destination or 0)
            if target is None or self.accounts[target.account_id].user_id != request.user.id:
                raise _fail(f"Mailbox {destination} does not exist")
            self._relocate(stored, target)
        return Reply(200, [])

    def _relocate(self, stored: Stored, target: Mailbox) -> None:
        """IMAP MOVE: gone from its mailbox; the sync caches it in the target under a new id."""
        del self.messages[stored.id]
        moved = Stored(self._next("messages"), target.id, target.next_uid, stored.raw, stored.sent_at,
                       dict(stored.flags), set(stored.labels))  # fmt: skip
        target.next_uid += 1
        self.messages[moved.id] = moved

    @route("DELETE", API + "/messages/{id}", contract=CONTRACT)
    async def delete(self, request: Request) -> Reply:
        with self._lock:
            stored, mailbox, account = self._own_message(request.user, _int(request.params["id"]))
            trash = self.mailboxes[account.mailboxes["trash"]]
            if mailbox.id == trash.id:
                del self.messages[stored.id]
            else:
                self._relocate(stored, trash)
        return Reply(200, [])

    # -- tags -----------------------------------------------------------------------------
    @route("POST", API + "/tags", contract=CONTRACT)
    async def create_tag(self, request: Request) -> Reply:
        args = request.args()
        name, color = str(args.get("displayName") or ""), str(args.get("color") or "")
        if len(name) > 128:
            raise _fail("The maximum length for displayName is 128")
        if len(color) > 9:
            raise _fail("The maximum length for color is 9")
        label = "$" + name.replace(" ", "_").lower()
        with self._lock:
            tags = self._tags(request.user.id)
            if label not in tags:
                tags[label] = Tag(self._next("tags"), request.user.id, name, label, color)
            return Reply(200, tags[label].json())

    # -- sending --------------------------------------------------------------------------
    @route("POST", API + "/outbox", contract=CONTRACT)
    async def create_outbox(self, request: Request) -> Reply:
        args = request.args()
        with self._lock:
            account = self._own_account(request.user, _int(args.get("accountId")))
            recipients = {kind: [r for r in args.get(kind) or [] if isinstance(r, dict) and r.get("email")]
                          for kind in ("to", "cc", "bcc")}  # fmt: skip
            attachments = [
                found for item in args.get("attachments") or []
                if (found := self._cloud_attachment(request.user, item)) is not None
            ]  # fmt: skip
            outgoing = Outgoing(self._next("outbox"), account.id, args, attachments, recipients)
            for number, (meta, _) in enumerate(outgoing.attachments, start=1):
                meta.update({"id": outgoing.id * 1000 + number, "localMessageId": outgoing.id})
            self.outbox[outgoing.id] = outgoing
        return Reply(201, {"status": "success", "data": outgoing.json()})

    def _cloud_attachment(self, user: User, item: Any) -> tuple[dict[str, Any], bytes] | None:
        """AttachmentService::handleCloudAttachment: a file of the caller's, else nothing (silently)."""
        if not isinstance(item, dict) or item.get("type") != "cloud" or not item.get("fileName"):
            return None
        root = self.standin.files_root(user).resolve()
        path = (root / str(item["fileName"]).lstrip("/")).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        meta = {"id": 0, "type": "local", "fileName": path.name, "mimeType": mime, "contentId": None,
                "disposition": "attachment", "createdAt": int(time.time()), "localMessageId": 0}  # fmt: skip
        return meta, path.read_bytes()

    @route("POST", API + "/outbox/{id}", contract=CONTRACT)
    async def send_outbox(self, request: Request) -> Reply:
        with self._lock:
            outgoing = self.outbox.get(_int(request.params["id"]) or 0)
            if outgoing is None or self.accounts[outgoing.account_id].user_id != request.user.id:
                raise Failure(404, "", {"status": "fail", "data": []})
            everyone = [r["email"] for kind in ("to", "cc", "bcc") for r in outgoing.recipients[kind]]
            if not everyone or any("@" not in str(email) for email in everyone):
                data = {"status": "error", "message": "Could not send message", "data": [outgoing.json()], "code": 0}
                raise Failure(500, "Could not send message", data)
            account = self.accounts[outgoing.account_id]
            sent = self._transmit(account, outgoing)
            del self.outbox[outgoing.id]
            self.deliver(self.mailboxes[account.mailboxes["sent"]], sent.as_bytes(), seen=True)
            del sent["Bcc"]
            addressed = {str(email).lower() for email in everyone}
            for other in list(self.accounts.values()):
                if other.email.lower() in addressed:
                    self.deliver(self.mailboxes[other.mailboxes["inbox"]], sent.as_bytes())
            self._flag_replied(account, str(outgoing.body.get("inReplyToMessageId") or ""))
        return Reply(202, {"status": "success", "data": "Message sent"})

    def _flag_replied(self, account: Account, message_id: str) -> None:
        """FlagRepliedMessageHandler: the account's messages of that Message-ID are marked answered."""
        for stored in self.messages.values():
            if message_id and self.mailboxes[stored.mailbox_id].account_id == account.id \
                    and str(stored.parsed().get("Message-ID") or "") == message_id:  # fmt: skip
                stored.flags["answered"] = True

    def _transmit(self, account: Account, outgoing: Outgoing) -> EmailMessage:
        """MailTransmission::sendMessage's message (the Sent copy: with Bcc)."""
        body = outgoing.body

        def listed(kind: str) -> str:
            found = [
                Address(display_name=r.get("label") or "", addr_spec=r["email"]) for r in outgoing.recipients[kind]
            ]
            return ", ".join(str(a) for a in found)

        message = EmailMessage()
        message["Date"] = formatdate(time.time())
        message["Message-ID"] = f"<{uuid.uuid4().hex}@mail.standin.test>"
        message["From"] = str(Address(display_name=account.name, addr_spec=account.email))
        message["To"] = listed("to")
        if outgoing.recipients["cc"]:
            message["Cc"] = listed("cc")
        if outgoing.recipients["bcc"]:
            message["Bcc"] = listed("bcc")
        message["Subject"] = str(body.get("subject") or "")
        if body.get("inReplyToMessageId"):
            message["References"] = str(body["inReplyToMessageId"])
            message["In-Reply-To"] = str(body["inReplyToMessageId"])
        if body.get("isHtml"):
            markup = str(body.get("bodyHtml") or "")
            message.set_content(html.unescape(re.sub(r"<[^>]+>", "", markup)))
            message.add_alternative(markup, subtype="html")
        else:
            message.set_content(str(body.get("bodyPlain") or ""))
        for meta, data in outgoing.attachments:
            main, _, sub = str(meta["mimeType"]).partition("/")
            message.add_attachment(data, maintype=main, subtype=sub, filename=meta["fileName"])
        return message

    @route("DELETE", API + "/outbox/{id}", contract=CONTRACT)
    async def delete_outbox(self, request: Request) -> Reply:
        with self._lock:
            outgoing = self.outbox.get(_int(request.params["id"]) or 0)
            if outgoing is None or self.accounts[outgoing.account_id].user_id != request.user.id:
                raise Failure(404, "", {"status": "fail", "data": []})
            del self.outbox[outgoing.id]
        return Reply(202, {"status": "success", "data": "Message deleted"})

    # -- OCS ------------------------------------------------------------------------------
    @route("GET", OCS + "/message/{id}", contract=CONTRACT)
    async def ocs_message(self, request: Request) -> Reply:
        with self._lock:
            stored, _, account = self._ocs_message(request.user, request.params["id"], "Account not found.")
            return Reply(200, self.full(stored, account))

    @route("GET", OCS + "/message/{id}/raw", contract=CONTRACT)
    async def ocs_raw(self, request: Request) -> Reply:
        with self._lock:
            stored, _, _ = self._ocs_message(
                request.user, request.params["id"], "Message, Account or Mailbox not found"
            )
            return Reply(200, stored.raw.decode("utf-8", "replace"))


# -- contract samples --------------------------------------------------------------------------
def _seeded(context: Any) -> dict[str, str]:
    """A message in alice's INBOX (with an attachment) and one in bob's; alice's and bob's ids."""
    app: MailApp = context.app
    alice, bob = context.users["alice"].id, context.users["bob"].id
    mine, his = app.account_of(alice), app.account_of(bob)
    raw = app.compose(his.email, [mine.email], "Report", "See attached.\n-- \nBob",
                      attachments=[("r.txt", "text/plain", b"numbers")])  # fmt: skip
    message = app.deliver(app.mailbox_of(alice, "INBOX"), raw)
    trashed = app.deliver(app.mailbox_of(alice, "Trash"), app.compose(his.email, [mine.email], "Old", "old"))
    bobs = app.deliver(app.mailbox_of(bob, "INBOX"), app.compose(mine.email, [his.email], "Hi", "hi"))
    (context.standin.files_root(context.users["alice"]) / "mail-sample.txt").write_bytes(b"attached")
    outgoing = Outgoing(app._next("outbox"), mine.id, {"subject": "x", "bodyPlain": "x"}, [],
                        {"to": [{"email": his.email}], "cc": [], "bcc": []})  # fmt: skip
    app.outbox[outgoing.id] = outgoing
    bad = Outgoing(app._next("outbox"), mine.id, {"subject": "x", "bodyPlain": "x"}, [],
                   {"to": [{"email": "not-an-address"}], "cc": [], "bcc": []})  # fmt: skip
    app.outbox[bad.id] = bad
    return {
        "account": str(mine.id),
        "bobs_account": str(his.id),
        "inbox": str(app.mailbox_of(alice, "INBOX").id),
        "archive": str(app.mailbox_of(alice, "Junk").id),
        "bobs_inbox": str(app.mailbox_of(bob, "INBOX").id),
        "message": str(message.id),
        "trashed": str(trashed.id),
        "bobs": str(bobs.id),
        "outbox": str(outgoing.id),
        "bad_outbox": str(bad.id),
        "bob_email": his.email,
    }


M = API + "/messages"
SAMPLES = [
    Sample("GET", API + "/accounts", 200),
    Sample("GET", API + "/mailboxes?accountId={account}", 200, setup=_seeded),
    Sample("GET", API + "/mailboxes?accountId={bobs_account}", 400, setup=_seeded, note="another user's account"),
    Sample("GET", M + "?mailboxId={inbox}&limit=20&view=singleton&filter=is:unread", 200, setup=_seeded),
    Sample("GET", M + "?mailboxId={bobs_inbox}&limit=20", 400, setup=_seeded, note="another user's mailbox"),
    Sample("GET", M + "?mailboxId=999999&limit=20", 403, note="no such mailbox"),
    Sample("GET", M + "/{message}/attachment/2", 200, setup=_seeded),
    Sample("GET", M + "/{message}/attachment/9", 404, setup=_seeded, note="no such part"),
    Sample("GET", M + "/{bobs}/attachment/1", 400, setup=_seeded),
    Sample("PUT", M + "/{message}/flags", 200, json={"flags": {"seen": True}}, setup=_seeded),
    Sample("PUT", M + "/999999/flags", 403, json={"flags": {"seen": True}}),
    Sample("PUT", M + "/{bobs}/flags", 400, json={"flags": {"seen": True}}, setup=_seeded),
    Sample("PUT", M + "/{message}/tags/$label2", 200, setup=_seeded),
    Sample("PUT", M + "/{message}/tags/$nonesuch", 403, setup=_seeded, note="unknown tag"),
    Sample("DELETE", M + "/{message}/tags/$label2", 200, setup=_seeded),
    Sample("DELETE", M + "/999999/tags/$label2", 403),
    Sample("POST", M + "/{message}/move", 200, json={"destFolderId": "{archive}"}, setup=_seeded),
    Sample("POST", M + "/{message}/move", 400, json={"destFolderId": "{bobs_inbox}"}, setup=_seeded),
    Sample("POST", M + "/999999/move", 403, json={"destFolderId": 1}),
    Sample("DELETE", M + "/{message}", 200, setup=_seeded, note="into Trash"),
    Sample("DELETE", M + "/{trashed}", 200, setup=_seeded, note="expunged from Trash"),
    Sample("DELETE", M + "/999999", 403),
    Sample("DELETE", M + "/{bobs}", 400, setup=_seeded),
    Sample("POST", API + "/tags", 200, json={"displayName": "Follow up", "color": "#0082c9"}),
    Sample("POST", API + "/tags", 400, json={"displayName": "x" * 129, "color": "#0082c9"}),
    Sample(
        "POST",
        API + "/outbox",
        201,
        setup=_seeded,
        json={
            "accountId": "{account}",
            "subject": "Hello",
            "bodyPlain": "Hi",
            "isHtml": False,
            "smimeSign": False,
            "smimeEncrypt": False,
            "to": [{"label": "Bob", "email": "{bob_email}"}],
            "attachments": [{"type": "cloud", "fileName": "/mail-sample.txt"}],
        },
    ),
    Sample(
        "POST",
        API + "/outbox",
        400,
        setup=_seeded,
        json={
            "accountId": "{bobs_account}",
            "subject": "x",
            "bodyPlain": "x",
            "isHtml": False,
            "smimeSign": False,
            "smimeEncrypt": False,
            "to": [{"email": "{bob_email}"}],
        },
    ),
    Sample("POST", API + "/outbox/{outbox}", 202, setup=_seeded),
    Sample("POST", API + "/outbox/{bad_outbox}", 500, setup=_seeded, note="an address SMTP refuses"),
    Sample("POST", API + "/outbox/999999", 404),
    Sample("DELETE", API + "/outbox/{outbox}", 202, setup=_seeded),
    Sample("DELETE", API + "/outbox/999999", 404),
    Sample("GET", OCS + "/message/{message}", 200, setup=_seeded),
    Sample("GET", OCS + "/message/{bobs}", 404, setup=_seeded),
    Sample("GET", OCS + "/message/{message}/raw", 200, setup=_seeded),
    Sample("GET", OCS + "/message/999999/raw", 404),
]
