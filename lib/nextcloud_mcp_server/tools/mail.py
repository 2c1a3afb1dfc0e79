"""MCP tools for Nextcloud Mail (`mail`): accounts, mailboxes, reading, searching, sending and filing mail.

The thirteen tools of the PyPI `nextcloud-mcp-server` (`nc_mail_*`) under its names and argument
names, except that recipients are plain addresses ("Ann <ann@example.com>") instead of a JSON
string, and a reply names the message replied to by its id (`reply_to_message_id`) instead of
an RFC Message-ID: the tool reads the original's Message-ID and Mail sets In-Reply-To and
References from it. Sending needs the `mail.send` scope (not granted by `mail.write`) and is
marked destructive and open-world: a sent mail cannot be taken back and reaches other people.

A message's HTML body is returned as text (scripts, styles and images' sources dropped; links
kept as text), an attachment as an embedded resource. Moving or deleting a message gives it a
new id in its new mailbox (Mail caches it anew), so those tools are not idempotent.

Why no toolset requirement: Mail registers no capabilities, so gating cannot see it. Where it is
not enabled for the caller a call names the missing app (nextcloud/mail.py finds it from
Nextcloud's answer, as the Shopping List tools do).
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

from mcp_types import (
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    TextContent,
    TextResourceContents,
    ToolAnnotations,
)
from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Toolset
from nextcloud_mcp_server.tools._base import CREATE, READ, UPDATE, Limit, Offset, Paged, invalid
from nextcloud_mcp_server.tools.declare import Config, Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud import mail as api
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

TOOLSET = Toolset(
    "mail",
    "Mail",
    "Nextcloud Mail: accounts, mailboxes, reading and searching messages, sending, flags, tags, moving.",
    default=False,
)

SEND = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=True)
"""Sending: cannot be undone and reaches people outside Nextcloud."""
RELOCATE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=True)
"""Moving or deleting: the message's id changes, so a retry with the old id fails."""

AccountId = Annotated[int, Field(ge=1, description="From nc_mail_list_accounts.")]
MailboxId = Annotated[int, Field(ge=1, description="From nc_mail_list_mailboxes.")]
MessageId = Annotated[int, Field(ge=1, description="From nc_mail_list_messages.")]
TagName = Annotated[str, Field(min_length=1, max_length=128)]
Addresses = Annotated[list[str] | None, Field(description="e.g. ['Ann <ann@example.com>'].")]
ADDRESS = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")
FLAG_WORDS = ("seen", "flagged", "answered", "important", "junk")


def _when(stamp: int) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat().replace("+00:00", "Z")


def _who(people: list[api.Address]) -> list[str]:
    return [f"{p.label} <{p.email}>" if p.label and p.label != p.email else p.email for p in people]


def _flags(flags: dict[str, Any]) -> list[str]:
    named = {"seen": "seen", "flagged": "flagged", "answered": "answered", "important": "important",
             "$junk": "junk", "forwarded": "forwarded", "draft": "draft", "hasAttachments": "attachments"}  # fmt: skip
    return [word for key, word in named.items() if flags.get(key) is True]


class AccountItem(BaseModel):
    id: int
    email: str
    name: str
    sent_mailbox_id: int | None
    trash_mailbox_id: int | None

    @classmethod
    def of(cls, account: api.Account) -> Self:
        return cls(id=account.id, email=account.email, name=account.name,
                   sent_mailbox_id=account.sentMailboxId, trash_mailbox_id=account.trashMailboxId)  # fmt: skip


class MailboxItem(BaseModel):
    id: int
    name: str
    role: str | None = Field(description="inbox, sent, drafts, trash, junk, archive or null.")
    unread: int

    @classmethod
    def of(cls, box: api.Mailbox) -> Self:
        role = box.specialUse[0] if box.specialUse else ("inbox" if box.name.upper() == "INBOX" else None)
        return cls(id=box.databaseId, name=box.displayName or box.name, role=role, unread=box.unread)


class Envelope(BaseModel):
    id: int
    mailbox_id: int
    subject: str
    date: str
    sender: list[str]
    to: list[str]
    flags: list[str]
    tags: list[str]
    preview: str | None

    @classmethod
    def of(cls, found: api.Envelope) -> Self:
        tags = [t.displayName for t in found.tags.values()] if isinstance(found.tags, dict) else []
        return cls(id=found.databaseId, mailbox_id=found.mailboxId, subject=found.subject, date=_when(found.dateInt),
                   sender=_who(found.sender), to=_who(found.to), flags=_flags(found.flags), tags=tags,
                   preview=found.previewText)  # fmt: skip


class MessageList(BaseModel):
    items: list[Envelope]
    next_cursor: int | None = Field(description="Pass as `cursor` for older messages; null when there are none.")


class AttachmentItem(BaseModel):
    id: str = Field(description="For nc_mail_get_attachment.")
    name: str | None
    mime: str
    size: int


class MessageResult(BaseModel):
    id: int
    message_id: str = Field(description="The RFC 5322 Message-ID.")
    subject: str
    date: str
    sender: list[str]
    to: list[str]
    cc: list[str]
    bcc: list[str]
    reply_to: list[str]
    flags: list[str]
    from_html: bool = Field(description="The text was converted from the HTML body.")
    text: str
    attachments: list[AttachmentItem]

    @classmethod
    def of(cls, found: api.Message) -> Self:
        parts = [AttachmentItem(id=p.id, name=p.fileName, mime=p.mime, size=p.size)
                 for p in [*found.attachments, *found.inlineAttachments]]  # fmt: skip
        return cls(id=found.id, message_id=found.messageId, subject=found.subject, date=_when(found.dateInt),
                   sender=_who(found.sender), to=_who(found.to), cc=_who(found.cc), bcc=_who(found.bcc),
                   reply_to=_who(found.replyTo), flags=_flags(found.flags), from_html=found.hasHtmlBody,
                   text=found.text(), attachments=parts)  # fmt: skip


class SourceResult(BaseModel):
    id: int
    source: str


class AttachmentResult(BaseModel):
    message_id: int
    attachment_id: str
    name: str
    mime: str
    size: int


class Sent(BaseModel):
    account_id: int
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    in_reply_to: str | None = Field(description="The Message-ID replied to (In-Reply-To and References).")
    attachments: list[str]
    message: str


class Done(BaseModel):
    message_id: int
    message: str


class TagResult(BaseModel):
    id: int
    name: str
    imap_label: str
    color: str | None
    message_id: int | None = None

    @classmethod
    def of(cls, tag: api.Tag, message_id: int | None = None) -> Self:
        return cls(id=tag.id, name=tag.displayName, imap_label=tag.imapLabel, color=tag.color, message_id=message_id)


def _api(nc: NextcloudClient) -> api.MailAPI:
    from nextcloud_mcp_server.nextcloud.mail import MailAPI

    return nc.api(MailAPI)


def _recipients(argument: str, given: list[str] | None) -> list[api.Recipient]:
    from email.utils import parseaddr

    from nextcloud_mcp_server.nextcloud.mail import Recipient

    found = []
    for text in given or []:
        label, email = parseaddr(text)
        if not ADDRESS.fullmatch(email):
            raise invalid(
                argument, f"{text!r} is not an e-mail address; give 'name@example.com' or 'Ann <ann@example.com>'"
            )
        found.append(Recipient(label=label, email=email))
    return found


@tool(TOOLSET, READ, title="List mail accounts")
async def nc_mail_list_accounts(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[AccountItem]:
    """List your mail accounts configured in Nextcloud Mail."""
    accounts = [AccountItem.of(a) for a in await _api(nc).accounts()]
    return Paged[AccountItem].of(accounts, offset, limit)


@tool(TOOLSET, READ, title="List mailboxes")
async def nc_mail_list_mailboxes(
    nc: Nextcloud, account_id: AccountId, limit: Limit = 100, offset: Offset = 0
) -> Paged[MailboxItem]:
    """List a mail account's mailboxes (folders) with their unread counts."""
    boxes = [MailboxItem.of(b) for b in await _api(nc).mailboxes(account_id)]
    return Paged[MailboxItem].of(boxes, offset, limit)


@tool(TOOLSET, READ, title="List messages")
async def nc_mail_list_messages(
    nc: Nextcloud,
    mailbox_id: MailboxId,
    search_filter: Annotated[
        str | None, Field(description="token:value terms, e.g. 'is:unread from:ann subject:report'.")
    ] = None,
    cursor: Annotated[int | None, Field(ge=1, description="From next_cursor.")] = None,
    limit: Annotated[int, Field(ge=1, le=100)] = 20,
) -> MessageList:
    """List a mailbox's messages, newest first, without bodies; filter by is:/not: read|unread|starred|important,
    from:, to:, subject:, body:."""
    search = " ".join((search_filter or "").split())
    loose = [word for word in search.split(" ") if word and ":" not in word]
    if loose:
        raise invalid(
            "search_filter", f"{loose[0]!r} has no 'token:' (Mail ignores bare words); use e.g. 'subject:{loose[0]}'"
        )
    found = await _api(nc).messages(mailbox_id, limit=limit, cursor=cursor, search=search or None)
    items = [Envelope.of(m) for m in found]
    return MessageList(items=items, next_cursor=found[-1].dateInt if len(found) == limit else None)


@tool(TOOLSET, READ, title="Get message")
async def nc_mail_get_message(nc: Nextcloud, message_id: MessageId) -> MessageResult:
    """Read a message: headers, text body (HTML converted to text, no remote content) and attachment list."""
    return MessageResult.of(await _api(nc).message(message_id))


@tool(TOOLSET, READ, title="Get message source")
async def nc_mail_get_message_source(nc: Nextcloud, message_id: MessageId) -> SourceResult:
    """Read a message's raw RFC 822 source with every header."""
    return SourceResult(id=message_id, source=await _api(nc).source(message_id))


@tool(TOOLSET, READ, title="Get attachment")
async def nc_mail_get_attachment(
    nc: Nextcloud,
    limits: Config,
    message_id: MessageId,
    attachment_id: Annotated[str, Field(min_length=1, description="From nc_mail_get_message.")],
) -> Annotated[CallToolResult, AttachmentResult]:
    """Read a message's attachment as an embedded resource (size-limited)."""
    found = await _api(nc).attachment(message_id, attachment_id.strip(), limits.max_read_bytes)
    result = AttachmentResult(message_id=message_id, attachment_id=attachment_id.strip(), name=found.name,
                              mime=found.mime, size=len(found.data))  # fmt: skip
    uri = f"nc://mail/messages/{message_id}/attachments/{attachment_id.strip()}"
    resource: TextResourceContents | BlobResourceContents
    if found.mime.startswith("text/"):
        text = found.data.decode("utf-8", "replace")
        resource = TextResourceContents(uri=uri, mime_type=found.mime, text=text)
    else:
        blob = base64.b64encode(found.data).decode("ascii")
        resource = BlobResourceContents(uri=uri, mime_type=found.mime, blob=blob)
    blocks: list[Any] = [TextContent(type="text", text=result.model_dump_json()),
                         EmbeddedResource(type="resource", resource=resource)]  # fmt: skip
    return CallToolResult(content=blocks, structured_content=result.model_dump(mode="json"))


@tool(TOOLSET, SEND, title="Send mail", scope="send")
async def nc_mail_send_message(
    nc: Nextcloud,
    account_id: AccountId,
    subject: str,
    body: str,
    to: Addresses = None,
    cc: Addresses = None,
    bcc: Addresses = None,
    is_html: bool = False,
    reply_to_message_id: Annotated[int | None, Field(ge=1, description="Threads the mail as a reply to it.")] = None,
    attachments: Annotated[list[str] | None, Field(description="Nextcloud file paths.")] = None,
) -> Sent:
    """Send an e-mail from a mail account (it cannot be recalled); a reply may leave `to` and `subject` empty."""
    recipients = {name: _recipients(name, value) for name, value in (("to", to), ("cc", cc), ("bcc", bcc))}
    files = [path.strip() for path in attachments or []]
    if any(not path or path == "/" for path in files):
        raise invalid("attachments", "give the path of each file, e.g. '/Documents/report.pdf'")
    mail = _api(nc)
    in_reply_to = None
    if reply_to_message_id is not None:
        original = await mail.message(reply_to_message_id)
        in_reply_to = original.messageId or None
        if not recipients["to"]:
            recipients["to"] = _recipients("to", _who(original.replyTo or original.sender))
        if not subject.strip():
            subject = original.subject if original.subject.lower().startswith("re:") else f"Re: {original.subject}"
    if not recipients["to"]:
        raise invalid("to", "give at least one recipient, e.g. ['ann@example.com']")
    attached = await mail.send(
        account_id, **recipients, subject=subject, body=body, is_html=is_html, in_reply_to=in_reply_to, files=files
    )
    people = {name: [f"{r.label} <{r.email}>" if r.label else r.email for r in found]
              for name, found in recipients.items()}  # fmt: skip
    count = sum(len(found) for found in recipients.values())
    return Sent(account_id=account_id, **people, subject=subject, in_reply_to=in_reply_to, attachments=attached,
                message=f"Sent to {count} recipients")  # fmt: skip


@tool(TOOLSET, UPDATE, title="Set message flags")
async def nc_mail_set_flags(
    nc: Nextcloud,
    message_id: MessageId,
    seen: bool | None = None,
    flagged: bool | None = None,
    answered: bool | None = None,
    important: bool | None = None,
    junk: bool | None = None,
) -> Done:
    """Set or clear a message's flags (seen = read, flagged = starred); omitted ones stay."""
    given = {"seen": seen, "flagged": flagged, "answered": answered, "important": important, "$junk": junk}
    flags = {name: value for name, value in given.items() if value is not None}
    if not flags:
        raise invalid("seen/flagged/answered/important/junk", "give at least one flag to set (true) or clear (false)")
    await _api(nc).set_flags(message_id, flags)
    said = ", ".join(f"{name.lstrip('$')}={'true' if on else 'false'}" for name, on in flags.items())
    return Done(message_id=message_id, message=f"Flags of message {message_id} set: {said}")


@tool(TOOLSET, CREATE, title="Create mail tag")
async def nc_mail_create_tag(
    nc: Nextcloud, display_name: TagName, color: Annotated[str, Field(max_length=9)] = "#0082c9"
) -> TagResult:
    """Create a mail tag, or get the existing one of that name (Mail cannot list tags)."""
    if not display_name.strip():
        raise invalid("display_name", "must not be blank; give the tag a name such as 'Follow up'")
    return TagResult.of(await _api(nc).ensure_tag(display_name.strip(), color))


@tool(TOOLSET, UPDATE, title="Tag message")
async def nc_mail_set_tag(nc: Nextcloud, message_id: MessageId, tag: TagName) -> TagResult:
    """Tag a message by tag name (or IMAP label), creating the tag if new."""
    return await _tag(nc, message_id, tag, True)


@tool(TOOLSET, UPDATE, title="Untag message")
async def nc_mail_remove_tag(nc: Nextcloud, message_id: MessageId, tag: TagName) -> TagResult:
    """Remove a tag from a message."""
    return await _tag(nc, message_id, tag, False)


async def _tag(nc: NextcloudClient, message_id: int, name: str, on: bool) -> TagResult:
    if not name.strip():
        raise invalid("tag", "must not be blank; give the tag's name such as 'Work'")
    return TagResult.of(await _api(nc).tag(message_id, name.strip(), on), message_id)


@tool(TOOLSET, RELOCATE, title="Move message")
async def nc_mail_move_message(nc: Nextcloud, message_id: MessageId, destination_mailbox_id: MailboxId) -> Done:
    """Move a message to another mailbox; it gets a new id there."""
    await _api(nc).move(message_id, destination_mailbox_id)
    return Done(message_id=message_id, message=f"Message {message_id} moved to mailbox {destination_mailbox_id}; "
                "list that mailbox for its new id")  # fmt: skip


@tool(TOOLSET, RELOCATE, title="Delete message")
async def nc_mail_delete_message(nc: Nextcloud, message_id: MessageId) -> Done:
    """Delete a message: into the trash mailbox, or for good when already there."""
    await _api(nc).delete(message_id)
    return Done(message_id=message_id, message=f"Message {message_id} deleted (moved to the trash unless it was there)")
