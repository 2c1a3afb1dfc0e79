"""Mail tools end to end through the real MCP client; every effect is checked on the stand-in, with
raw requests to Mail's routes as the user concerned or in the emulated mail store.

The module's user is alice (the `mcp` fixture's, over both transports); bob is a second stand-in
user with his own MCP server. Multi-user: alice sends bob a mail with a Nextcloud file attached,
bob's INBOX has it with the attachment, bob replies and alice's INBOX has the reply threaded
(In-Reply-To and References naming her message); neither sees or changes the other's mail."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique
from tests.standin.apps.mail import MailApp, Stored

pytestmark = pytest.mark.anyio

API = "/index.php/apps/mail/api"
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}


def rest(user: NcUser, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    """A raw call to Mail's REST routes as `user`: (HTTP status, JSON body)."""
    with user.raw() as http:
        response = http.request(method, API + path, headers=OCS, **kwargs)
    return response.status_code, response.json() if response.content else None


@pytest.fixture(scope="module")
def mail(standin: StandInHandle) -> MailApp:
    found = standin.app.services["mail"]
    assert isinstance(found, MailApp)
    return found


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("umail-bob", "pw-umail-bob", email="bob@example.org", display_name="Bob Builder")


@pytest.fixture(scope="module")
def bob_url(bob: NcUser) -> Iterator[str]:
    """Bob's own MCP server (configured with his app password), every toolset on."""
    with own_server(bob) as url:
        yield url


@pytest.fixture
async def bob_mcp(bob_url: str) -> AsyncIterator[Any]:
    from mcp import Client

    async with Client(bob_url) as client:
        yield client


def box(mail: MailApp, user: NcUser, name: str) -> int:
    return mail.mailbox_of(user.id, name).id


def seed(mail: MailApp, user: NcUser, subject: str, text: str = "hello", **kwargs: Any) -> Stored:
    """A message from someone outside delivered to `user`'s INBOX."""
    to = mail.account_of(user.id).email
    date = kwargs.pop("date", None)
    raw = mail.compose("Carol <carol@example.net>", [to], subject, text, date=date, **kwargs)
    return mail.deliver(mail.mailbox_of(user.id, "INBOX"), raw)


def parsed(stored: Stored) -> Any:
    return message_from_bytes(stored.raw, policy=policy.default)


def subjects(mail: MailApp, user: NcUser, mailbox: str) -> list[str]:
    return [str(parsed(m)["Subject"]) for m in mail.in_mailbox(user.id, mailbox)]


def envelope(user: NcUser, mailbox_id: int, subject: str) -> dict[str, Any]:
    status, found = rest(user, "GET", "/messages", params={"mailboxId": mailbox_id, "limit": 100, "view": "singleton",
                                                           "filter": f"subject:{subject}"})  # fmt: skip
    assert status == 200, found
    assert len(found) == 1, found
    return dict(found[0])


# -- accounts and mailboxes -------------------------------------------------------------------
async def test_list_accounts_shows_my_mail_account(mcp: Any, nc_user: NcUser, mail: MailApp) -> None:
    found = await call(mcp, "nc_mail_list_accounts")
    status, accounts = rest(nc_user, "GET", "/accounts")
    assert status == 200
    mine = mail.account_of(nc_user.id)
    assert [a["id"] for a in found["items"]] == [a["id"] for a in accounts] == [mine.id]
    item = found["items"][0]
    assert (item["email"], item["sent_mailbox_id"]) == (f"{nc_user.id}@example.com", mine.mailboxes["sent"])
    assert item["trash_mailbox_id"] == mine.mailboxes["trash"]


async def test_list_mailboxes_names_their_roles_and_unread_counts(mcp: Any, nc_user: NcUser, mail: MailApp) -> None:
    account = mail.account_of(nc_user.id)
    seed(mail, nc_user, unique("unread"))
    found = await call(mcp, "nc_mail_list_mailboxes", account_id=account.id)
    roles = {b["name"]: b["role"] for b in found["items"]}
    assert roles == {"INBOX": "inbox", "Drafts": "drafts", "Sent": "sent", "Trash": "trash", "Junk": "junk"}
    inbox = next(b for b in found["items"] if b["name"] == "INBOX")
    unseen = [m for m in mail.in_mailbox(nc_user.id, "INBOX") if not m.flags.get("seen")]
    assert inbox["unread"] == len(unseen) >= 1


async def test_another_users_account_and_mailboxes_are_not_found(
    mcp: Any, nc_user: NcUser, bob: NcUser, mail: MailApp
) -> None:
    his = mail.account_of(bob.id)
    message = await error_of(mcp, "nc_mail_list_mailboxes", account_id=his.id)
    assert f"for mail account {his.id}" in message
    assert "does not exist" in message
    message = await error_of(mcp, "nc_mail_list_messages", mailbox_id=box(mail, bob, "INBOX"))
    assert "does not exist" in message
    message = await error_of(mcp, "nc_mail_list_messages", mailbox_id=999999)
    assert "for mailbox 999999" in message
    assert "does not exist" in message


# -- listing and searching --------------------------------------------------------------------
async def test_list_messages_pages_newest_first_with_the_cursor(mcp: Any, nc_user: NcUser, mail: MailApp) -> None:
    tag = unique("paged")
    now = int(time.time())
    made = [seed(mail, nc_user, f"{tag} {n}", date=now - 3600 * (3 - n)) for n in range(3)]  # 0 oldest
    inbox = box(mail, nc_user, "INBOX")
    first = await call(mcp, "nc_mail_list_messages", mailbox_id=inbox, search_filter=f"subject:{tag}", limit=2)
    assert [m["id"] for m in first["items"]] == [made[2].id, made[1].id]
    assert first["next_cursor"] == made[1].sent_at
    item = first["items"][0]
    assert (item["subject"], item["sender"], item["flags"]) == (f"{tag} 2", ["Carol <carol@example.net>"], [])
    rest_ = await call(mcp, "nc_mail_list_messages", mailbox_id=inbox, search_filter=f"subject:{tag}", limit=2,
                       cursor=first["next_cursor"])  # fmt: skip
    assert [m["id"] for m in rest_["items"]] == [made[0].id]
    assert rest_["next_cursor"] is None


async def test_search_filters_by_flags_and_sender(mcp: Any, nc_user: NcUser, mail: MailApp) -> None:
    tag = unique("search")
    read, unread = seed(mail, nc_user, f"{tag} read"), seed(mail, nc_user, f"{tag} unread")
    read.flags["seen"] = True
    inbox = box(mail, nc_user, "INBOX")
    found = await call(mcp, "nc_mail_list_messages", mailbox_id=inbox, search_filter=f"is:unread  subject:{tag}")
    assert [m["id"] for m in found["items"]] == [unread.id]
    found = await call(mcp, "nc_mail_list_messages", mailbox_id=inbox, search_filter=f"from:carol subject:{tag}")
    assert {m["id"] for m in found["items"]} == {read.id, unread.id}
    found = await call(mcp, "nc_mail_list_messages", mailbox_id=inbox, search_filter=f"from:nobody subject:{tag}")
    assert found["items"] == []


async def test_a_bare_word_in_the_search_is_refused(mcp: Any, nc_user: NcUser, mail: MailApp) -> None:
    message = await error_of(mcp, "nc_mail_list_messages", mailbox_id=box(mail, nc_user, "INBOX"),
                             search_filter="is:unread invoice")  # fmt: skip
    assert "Invalid argument 'search_filter'" in message
    assert "subject:invoice" in message


# -- reading ----------------------------------------------------------------------------------
async def test_get_message_turns_html_into_safe_text(mcp: Any, nc_user: NcUser, mail: MailApp) -> None:
    markup = (
        "<html><head><style>p{color:red}</style><title>T</title></head><body>"
        "<script>steal()</script><p>Dear <b>Ann</b>,</p><p>See <a href='https://example.org/r'>the report</a>."
        "<img src='https://tracker.example/pixel.gif' alt='logo'></p><ul><li>one</li><li>two</li></ul></body></html>"
    )
    stored = seed(mail, nc_user, unique("html"), "plain alternative", html_body=markup)
    found = await call(mcp, "nc_mail_get_message", message_id=stored.id)
    text = found["text"]
    assert found["from_html"] is True
    assert "Dear Ann," in text
    assert "the report (https://example.org/r)" in text
    assert "- one" in text
    assert "- two" in text
    for gone in ("steal", "color", "tracker.example", "<", "plain alternative"):
        assert gone not in text
    assert "[image: logo]" in text
    assert found["message_id"] == str(parsed(stored)["Message-ID"])
    assert found["to"] == [f"{nc_user.id}@example.com"]


async def test_get_message_gives_plain_text_with_its_links_and_signature(
    mcp: Any, nc_user: NcUser, mail: MailApp
) -> None:
    stored = seed(mail, nc_user, unique("plain"), "Read https://example.org/x please.\n-- \nCarol")
    found = await call(mcp, "nc_mail_get_message", message_id=stored.id)
    assert found["from_html"] is False
    assert found["text"] == "Read https://example.org/x please.\n-- \nCarol"
    assert found["attachments"] == []


async def test_get_message_source_is_the_raw_message(mcp: Any, nc_user: NcUser, mail: MailApp) -> None:
    stored = seed(mail, nc_user, unique("source"), headers={"X-Custom": "kept"})
    found = await call(mcp, "nc_mail_get_message_source", message_id=stored.id)
    assert found["source"] == stored.raw.decode()
    assert "X-Custom: kept" in found["source"]


async def test_attachments_come_as_embedded_resources(mcp: Any, nc_user: NcUser, mail: MailApp) -> None:
    blob = bytes(range(256))
    files = [("notes.txt", "text/plain", b"line one\n"), ("data.bin", "application/octet-stream", blob)]
    stored = seed(mail, nc_user, unique("attached"), "see files", attachments=files)
    message = await call(mcp, "nc_mail_get_message", message_id=stored.id)
    parts = {a["name"]: a for a in message["attachments"]}
    assert set(parts) == {"notes.txt", "data.bin"}
    assert "attachments" in message["flags"]
    text = await mcp.call_tool(
        "nc_mail_get_attachment", {"message_id": stored.id, "attachment_id": parts["notes.txt"]["id"]}
    )
    assert not text.is_error
    assert text.structured_content["name"] == "notes.txt"
    assert text.content[1].resource.text == "line one\n"
    binary = await mcp.call_tool(
        "nc_mail_get_attachment", {"message_id": stored.id, "attachment_id": parts["data.bin"]["id"]}
    )
    assert not binary.is_error
    assert base64.b64decode(binary.content[1].resource.blob) == blob
    assert binary.content[1].resource.mime_type == "application/octet-stream"
    missing = await error_of(mcp, "nc_mail_get_attachment", message_id=stored.id, attachment_id="9")
    assert "attachment '9' of message" in missing
    assert "does not exist" in missing


async def test_another_users_message_is_not_found_for_reading_or_changing(
    mcp: Any, nc_user: NcUser, bob: NcUser, mail: MailApp
) -> None:
    his = seed(mail, bob, unique("private"))
    junk = box(mail, nc_user, "Junk")
    before = (parsed(his)["Subject"], dict(his.flags), set(his.labels))
    for tool, extra in (
        ("nc_mail_get_message", {}), ("nc_mail_get_message_source", {}),
        ("nc_mail_get_attachment", {"attachment_id": "1"}), ("nc_mail_set_flags", {"seen": True}),
        ("nc_mail_set_tag", {"tag": "Work"}), ("nc_mail_move_message", {"destination_mailbox_id": junk}),
        ("nc_mail_delete_message", {}),
    ):  # fmt: skip
        message = await error_of(mcp, tool, message_id=his.id, **extra)
        assert f"message {his.id}" in message, (tool, message)
        assert "does not exist" in message, (tool, message)
    assert his.id in mail.messages
    assert (parsed(his)["Subject"], dict(his.flags), set(his.labels)) == before


# -- sending ----------------------------------------------------------------------------------
async def test_alice_sends_bob_a_file_and_bob_replies_in_the_thread(
    mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser, standin: StandInHandle, mail: MailApp
) -> None:
    subject = unique("Quarterly-report")
    folder = standin.app.files_root(nc_user.id) / "Reports"
    folder.mkdir(exist_ok=True)
    (folder / "q3.csv").write_bytes(b"quarter,total\nq3,42\n")
    mine, his = mail.account_of(nc_user.id), mail.account_of(bob.id)
    sent = await call(mcp, "nc_mail_send_message", account_id=mine.id, to=["Bob Builder <bob@example.org>"],
                      cc=["dave@example.net"], bcc=["eve@example.net"], subject=subject, body="Numbers attached.",
                      attachments=["/Reports/q3.csv"])  # fmt: skip
    assert sent["attachments"] == ["q3.csv"]
    assert sent["in_reply_to"] is None
    assert (sent["to"], sent["cc"], sent["bcc"]) == (
        ["Bob Builder <bob@example.org>"],
        ["dave@example.net"],
        ["eve@example.net"],
    )
    delivered = next(m for m in mail.in_mailbox(bob.id, "INBOX") if parsed(m)["Subject"] == subject)
    got = parsed(delivered)
    assert str(got["From"]) == f"{mine.name} <{mine.email}>"
    assert got["Bcc"] is None
    assert str(got["Cc"]) == "dave@example.net"
    attachment = next(got.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content()) == ("q3.csv", "quarter,total\nq3,42\n")
    copy = next(m for m in mail.in_mailbox(nc_user.id, "Sent") if parsed(m)["Subject"] == subject)
    assert str(parsed(copy)["Bcc"]) == "eve@example.net"
    assert mail.outbox == {} or all(o.account_id != mine.id for o in mail.outbox.values())

    # bob finds it through his own tools, with the attachment, and replies without naming anyone
    listed = await call(
        bob_mcp, "nc_mail_list_messages", mailbox_id=box(mail, bob, "INBOX"), search_filter=f"subject:{subject}"
    )
    assert [m["id"] for m in listed["items"]] == [delivered.id]
    read = await call(bob_mcp, "nc_mail_get_message", message_id=delivered.id)
    assert [a["name"] for a in read["attachments"]] == ["q3.csv"]
    reply = await call(bob_mcp, "nc_mail_send_message", account_id=his.id, subject="", body="Thanks!",
                       reply_to_message_id=delivered.id)  # fmt: skip
    original_id = str(got["Message-ID"])
    assert reply["in_reply_to"] == original_id
    assert reply["to"] == [f"{mine.name} <{mine.email}>"]
    answer = next(m for m in mail.in_mailbox(nc_user.id, "INBOX") if parsed(m)["Subject"] == f"Re: {subject}")
    threaded = parsed(answer)
    assert (str(threaded["In-Reply-To"]), str(threaded["References"])) == (original_id, original_id)
    assert threaded.get_content().strip() == "Thanks!"
    assert delivered.flags.get("answered") is True  # Mail marks what was replied to
    status, found = rest(nc_user, "GET", "/messages", params={"mailboxId": box(mail, nc_user, "INBOX"), "limit": 100,
                                                              "filter": f"subject:{subject}"})  # fmt: skip
    assert status == 200
    assert found[0]["inReplyTo"] == original_id


async def test_an_html_mail_is_sent_as_html(mcp: Any, nc_user: NcUser, bob: NcUser, mail: MailApp) -> None:
    subject = unique("html mail")
    account = mail.account_of(nc_user.id)
    await call(mcp, "nc_mail_send_message", account_id=account.id, to=["bob@example.org"], subject=subject,
               body="<p>Hello <b>Bob</b></p>", is_html=True)  # fmt: skip
    delivered = next(m for m in mail.in_mailbox(bob.id, "INBOX") if parsed(m)["Subject"] == subject)
    html_part = parsed(delivered).get_body(preferencelist=("html",))
    assert html_part is not None
    assert "<b>Bob</b>" in html_part.get_content()


async def test_bad_recipients_and_attachments_send_nothing(
    mcp: Any, nc_user: NcUser, bob: NcUser, standin: StandInHandle, mail: MailApp
) -> None:
    account = mail.account_of(nc_user.id)
    before = len(mail.in_mailbox(bob.id, "INBOX")), len(mail.in_mailbox(nc_user.id, "Sent"))
    base = {"account_id": account.id, "subject": unique("never"), "body": "x"}
    message = await error_of(mcp, "nc_mail_send_message", **base, to=["bob at example"])
    assert "Invalid argument 'to'" in message
    assert "'bob at example' is not an e-mail address" in message
    message = await error_of(mcp, "nc_mail_send_message", **base, to=["bob@example.org"], cc=["nope"])
    assert "Invalid argument 'cc'" in message
    message = await error_of(mcp, "nc_mail_send_message", **base)
    assert "Invalid argument 'to'" in message
    assert "at least one recipient" in message
    message = await error_of(mcp, "nc_mail_send_message", **base, to=["bob@example.org"], attachments=["/no/such.pdf"])
    assert "the file '/no/such.pdf' to attach" in message
    assert "does not exist" in message
    (standin.app.files_root(nc_user.id) / "Folder-attach").mkdir(exist_ok=True)
    message = await error_of(
        mcp, "nc_mail_send_message", **base, to=["bob@example.org"], attachments=["/Folder-attach"]
    )
    assert "is a folder" in message
    message = await error_of(mcp, "nc_mail_send_message", **base, to=["bob@example.org"], attachments=[" "])
    assert "Invalid argument 'attachments'" in message
    his = mail.account_of(bob.id)
    message = await error_of(mcp, "nc_mail_send_message", **{**base, "account_id": his.id}, to=["bob@example.org"])
    assert f"mail account {his.id}" in message
    assert "does not exist" in message
    assert (len(mail.in_mailbox(bob.id, "INBOX")), len(mail.in_mailbox(nc_user.id, "Sent"))) == before
    assert all(o.account_id != account.id for o in mail.outbox.values())


async def test_send_is_its_own_scope_and_marked_destructive_and_open_world(mcp: Any) -> None:
    tools = {t.name: t for t in (await mcp.list_tools()).tools}
    hints = tools["nc_mail_send_message"].annotations
    assert (hints.read_only_hint, hints.destructive_hint, hints.open_world_hint) == (False, True, True)
    from nextcloud_mcp_server.tools import mail as module
    from nextcloud_mcp_server.tools.declare import SPEC

    assert getattr(module.nc_mail_send_message, SPEC).scope == "send"


# -- flags, tags, moving, deleting ------------------------------------------------------------
async def test_set_flags_changes_only_those_given(mcp: Any, nc_user: NcUser, mail: MailApp) -> None:
    subject = unique("flags")
    stored = seed(mail, nc_user, subject)
    done = await call(mcp, "nc_mail_set_flags", message_id=stored.id, seen=True, flagged=True, important=True)
    assert "seen=true" in done["message"]
    flags = envelope(nc_user, box(mail, nc_user, "INBOX"), subject)["flags"]
    assert (flags["seen"], flags["flagged"], flags["important"], flags["answered"]) == (True, True, True, False)
    await call(mcp, "nc_mail_set_flags", message_id=stored.id, seen=False, junk=True)
    flags = envelope(nc_user, box(mail, nc_user, "INBOX"), subject)["flags"]
    assert (flags["seen"], flags["flagged"], flags["$junk"]) == (False, True, True)
    message = await error_of(mcp, "nc_mail_set_flags", message_id=stored.id)
    assert "Invalid argument 'seen/flagged/answered/important/junk'" in message


async def test_tags_are_created_once_set_and_removed(mcp: Any, nc_user: NcUser, mail: MailApp) -> None:
    subject = unique("tagged")
    stored = seed(mail, nc_user, subject)
    made = await call(mcp, "nc_mail_create_tag", display_name="Follow up", color="#ff0000")
    again = await call(mcp, "nc_mail_create_tag", display_name="follow up")
    assert made["imap_label"] == "$follow_up"
    assert again["id"] == made["id"]
    assert again["color"] == "#ff0000"
    tagged = await call(mcp, "nc_mail_set_tag", message_id=stored.id, tag="Follow up")
    assert (tagged["id"], tagged["message_id"]) == (made["id"], stored.id)
    inbox = box(mail, nc_user, "INBOX")
    assert set(envelope(nc_user, inbox, subject)["tags"]) == {"$follow_up"}
    listed = await call(mcp, "nc_mail_list_messages", mailbox_id=inbox, search_filter=f"subject:{subject}")
    assert listed["items"][0]["tags"] == ["Follow up"]
    await call(mcp, "nc_mail_set_tag", message_id=stored.id, tag="Work")  # a default tag
    await call(mcp, "nc_mail_remove_tag", message_id=stored.id, tag="Follow up")
    assert set(envelope(nc_user, inbox, subject)["tags"]) == {"$label2"}
    for tool in ("nc_mail_set_tag", "nc_mail_remove_tag"):
        assert "Invalid argument 'tag'" in await error_of(mcp, tool, message_id=stored.id, tag="  ")
    assert "Invalid argument 'display_name'" in await error_of(mcp, "nc_mail_create_tag", display_name=" ")


async def test_move_puts_the_message_in_the_other_mailbox_under_a_new_id(
    mcp: Any, nc_user: NcUser, bob: NcUser, mail: MailApp
) -> None:
    subject = unique("moved")
    stored = seed(mail, nc_user, subject)
    junk = box(mail, nc_user, "Junk")
    done = await call(mcp, "nc_mail_move_message", message_id=stored.id, destination_mailbox_id=junk)
    assert "new id" in done["message"]
    assert subject not in subjects(mail, nc_user, "INBOX")
    assert subject in subjects(mail, nc_user, "Junk")
    moved = envelope(nc_user, junk, subject)
    assert moved["databaseId"] != stored.id
    gone = await error_of(mcp, "nc_mail_move_message", message_id=stored.id, destination_mailbox_id=junk)
    assert "does not exist" in gone
    foreign = await error_of(mcp, "nc_mail_move_message", message_id=moved["databaseId"],
                             destination_mailbox_id=box(mail, bob, "INBOX"))  # fmt: skip
    assert "does not exist" in foreign
    assert subject in subjects(mail, nc_user, "Junk")
    assert subject not in subjects(mail, bob, "INBOX")


async def test_delete_moves_to_the_trash_then_removes_for_good(mcp: Any, nc_user: NcUser, mail: MailApp) -> None:
    subject = unique("deleted")
    stored = seed(mail, nc_user, subject)
    await call(mcp, "nc_mail_delete_message", message_id=stored.id)
    assert subject not in subjects(mail, nc_user, "INBOX")
    assert subject in subjects(mail, nc_user, "Trash")
    trashed = envelope(nc_user, box(mail, nc_user, "Trash"), subject)
    await call(mcp, "nc_mail_delete_message", message_id=trashed["databaseId"])
    assert subject not in subjects(mail, nc_user, "Trash")
    assert "does not exist" in await error_of(mcp, "nc_mail_delete_message", message_id=trashed["databaseId"])


# -- the app switched off -------------------------------------------------------------------
async def test_mail_switched_off_for_the_user_is_named(mcp: Any, nc_user: NcUser, standin: StandInHandle) -> None:
    standin.app.set_app_enabled(nc_user.id, "mail", False)
    try:
        for tool, args in (("nc_mail_list_accounts", {}), ("nc_mail_get_message", {"message_id": 1})):
            message = await error_of(mcp, tool, **args)
            assert "needs the Nextcloud app 'Mail' (mail), which is not installed or not enabled for you" in message
    finally:
        standin.app.set_app_enabled(nc_user.id, "mail", True)
    assert (await call(mcp, "nc_mail_list_accounts"))["items"]
