"""The Mail client against a scripted transport: how Mail's answers become errors (403 `[]` for an id
that does not exist, a ClientException 400 for another user's, the router's 404 where the app is
missing, OCS 404s), sending through the outbox (a file Mail drops unsaid makes it discard the
message and say so), tagging by name or default tag, and HTML bodies made safe text."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import AppUnavailable, BadRequest, NotFound, Refused, ServerError
from nextcloud_mcp_server.nextcloud.mail import MailAPI, Message, Recipient, html_to_text
from nextcloud_mcp_server.tools._base import failure_message

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
API = "/index.php/apps/mail/api"
OCS = "/ocs/v2.php/apps/mail"
Handler = Callable[[httpx.Request], httpx.Response]
FAIL = "OCA\\Mail\\Exception\\ClientException"


def client(handler: Handler) -> MailAPI:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="me", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("me", "p"), transport=httpx.MockTransport(handler))
    return NextcloudClient(http, "me", BASE).api(MailAPI)


def script(answers: dict[tuple[str, str], Any], seen: list[str]) -> Handler:
    """Answers by (method, path); a list of answers is used in turn."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path} {request.content.decode()}".strip())
        if "/apps/mail/" in request.url.path:
            assert request.headers["OCS-APIRequest"] == "true"
        answer = answers[(request.method, request.url.path)]
        return answer.pop(0) if isinstance(answer, list) else answer

    return handle


def ocs(status: int, data: Any, message: str = "") -> httpx.Response:
    meta = {"status": "ok" if status < 300 else "failure", "statuscode": status, "message": message}
    return httpx.Response(status, json={"ocs": {"meta": meta, "data": data}})


def fail(message: str) -> httpx.Response:
    return httpx.Response(400, json={"status": "fail", "data": {"message": message, "type": FAIL}})


# -- errors -----------------------------------------------------------------------------------
async def test_an_id_that_does_not_exist_and_another_users_are_both_not_found() -> None:
    answers = {
        ("PUT", f"{API}/messages/7/flags"): httpx.Response(403, json=[]),
        ("PUT", f"{API}/messages/8/flags"): fail("no Delegated account with id: <3> exists for user <me>"),
        ("GET", f"{API}/mailboxes"): fail("Account 4 does not exist or you don't have permission to access it"),
    }
    mail = client(script(answers, []))
    for message_id in (7, 8):
        with pytest.raises(NotFound) as missing:
            await mail.set_flags(message_id, {"seen": True})
        assert missing.value.subject == f"message {message_id}"
    with pytest.raises(NotFound) as account:
        await mail.mailboxes(4)
    assert "for mail account 4: it does not exist" in failure_message(account.value, "List mailboxes")


async def test_other_client_exceptions_are_bad_requests_with_mails_words() -> None:
    mail = client(script({("POST", f"{API}/tags"): fail("The maximum length for color is 9")}, []))
    with pytest.raises(BadRequest) as refused:
        await mail.ensure_tag("x", "#0123456789")
    assert refused.value.detail == "The maximum length for color is 9"


async def test_the_routers_404_means_the_app_is_off_and_mails_own_404_not_found() -> None:
    answers = {
        ("GET", f"{API}/accounts"): httpx.Response(404, text="<html>Page not found</html>"),
        ("GET", f"{OCS}/message/5"): ocs(404, "Account not found."),
        ("GET", f"{OCS}/message/6"): ocs(404, [], "Invalid query, please check the syntax."),
        ("GET", f"{OCS}/message/9/raw"): ocs(404, "Message, Account or Mailbox not found"),
    }
    mail = client(script(answers, []))
    with pytest.raises(AppUnavailable) as off:
        await mail.accounts()
    assert "needs the Nextcloud app 'Mail' (mail)" in failure_message(off.value, "List mail accounts")
    with pytest.raises(NotFound):
        await mail.message(5)
    with pytest.raises(AppUnavailable):
        await mail.message(6)
    with pytest.raises(NotFound):
        await mail.source(9)


async def test_a_failed_smtp_step_is_a_server_error_with_mails_message() -> None:
    answers = {
        ("POST", f"{API}/outbox"): httpx.Response(
            201, json={"status": "success", "data": {"id": 3, "attachments": []}}
        ),
        ("POST", f"{API}/outbox/3"): httpx.Response(
            500, json={"status": "error", "message": "Could not send message", "data": [], "code": 0}
        ),
    }
    mail = client(script(answers, []))
    with pytest.raises(ServerError) as failed:
        await mail.send(1, to=[Recipient(email="a@example.com")], cc=[], bcc=[], subject="s", body="b",
                        is_html=False, in_reply_to=None, files=[])  # fmt: skip
    assert failed.value.detail == "Could not send message"


# -- sending ------------------------------------------------------------------------------------
async def test_send_stages_then_sends_with_the_threading_id_and_cloud_files() -> None:
    seen: list[str] = []
    staged = {"status": "success", "data": {"id": 12, "attachments": [{"fileName": "a.pdf"}]}}
    answers = {
        ("PROPFIND", "/remote.php/dav/files/me/Docs/a.pdf"): httpx.Response(207, text=_propfind("/Docs/a.pdf")),
        ("POST", f"{API}/outbox"): httpx.Response(201, json=staged),
        ("POST", f"{API}/outbox/12"): httpx.Response(202, json={"status": "success", "data": "Message sent"}),
    }
    mail = client(script(answers, seen))
    ann = [Recipient(label="Ann", email="ann@example.com")]
    attached = await mail.send(1, to=ann, cc=[], bcc=[], subject="Re: x", body="hi", is_html=False,
                               in_reply_to="<m1@x>", files=["/Docs/a.pdf"])  # fmt: skip
    assert attached == ["a.pdf"]
    body = json.loads(seen[1].split(" ", 2)[2])
    assert body["inReplyToMessageId"] == "<m1@x>"
    assert body["attachments"] == [{"type": "cloud", "fileName": "/Docs/a.pdf"}]
    assert (body["bodyPlain"], body["bodyHtml"], body["to"]) == (
        "hi",
        None,
        [{"label": "Ann", "email": "ann@example.com"}],
    )
    assert seen[2] == f"POST {API}/outbox/12"


async def test_a_file_mail_dropped_discards_the_message_and_says_so() -> None:
    seen: list[str] = []
    answers = {
        ("PROPFIND", "/remote.php/dav/files/me/a.pdf"): httpx.Response(207, text=_propfind("/a.pdf")),
        ("POST", f"{API}/outbox"): httpx.Response(
            201, json={"status": "success", "data": {"id": 4, "attachments": []}}
        ),
        ("DELETE", f"{API}/outbox/4"): httpx.Response(202, json={"status": "success", "data": "Message deleted"}),
    }
    mail = client(script(answers, seen))
    with pytest.raises(Refused) as refused:
        await mail.send(1, to=[Recipient(email="a@example.com")], cc=[], bcc=[], subject="s", body="b",
                        is_html=False, in_reply_to=None, files=["/a.pdf"])  # fmt: skip
    assert "nothing was sent" in refused.value.detail
    assert seen[-1] == f"DELETE {API}/outbox/4"


async def test_a_missing_file_is_named_before_anything_is_staged() -> None:
    seen: list[str] = []
    answers = {("PROPFIND", "/remote.php/dav/files/me/nope.pdf"): httpx.Response(404, text="")}
    mail = client(script(answers, seen))
    with pytest.raises(NotFound) as missing:
        await mail.send(1, to=[Recipient(email="a@example.com")], cc=[], bcc=[], subject="s", body="b",
                        is_html=False, in_reply_to=None, files=["/nope.pdf"])  # fmt: skip
    assert missing.value.subject == "the file '/nope.pdf' to attach"
    assert len(seen) == 1


# -- tags ---------------------------------------------------------------------------------------
async def test_default_tags_are_addressed_by_their_labels_and_others_created_first() -> None:
    seen: list[str] = []
    tag = {"id": 2, "displayName": "Work", "imapLabel": "$label2", "color": "#31CC7C"}
    mine = {"id": 9, "displayName": "Follow up", "imapLabel": "$follow_up", "color": "#0082c9"}
    answers = {
        ("PUT", f"{API}/messages/5/tags/$label2"): httpx.Response(200, json=tag),
        ("POST", f"{API}/tags"): httpx.Response(200, json=mine),
        ("DELETE", f"{API}/messages/5/tags/$follow_up"): httpx.Response(200, json=mine),
    }
    mail = client(script(answers, seen))
    assert (await mail.tag(5, "work", True)).imapLabel == "$label2"
    assert (await mail.tag(5, "Follow up", False)).id == 9
    assert [line.split(" ")[0] for line in seen] == ["PUT", "POST", "DELETE"]


# -- text ---------------------------------------------------------------------------------------
def test_html_becomes_text_without_scripts_styles_or_image_sources() -> None:
    markup = (
        "<html><head><style>.x{color:red}</style></head><body><script>alert(1)</script>"
        "<p>Hi&nbsp;<b>Ann</b></p><p><a href='https://e.org/a'>link</a> <a href='javascript:x()'>bad</a>"
        "<a href='mailto:b@e.org'>b@e.org</a></p><img src='https://t.example/p.gif'><br>"
        "<table><tr><td>a</td><td>b</td></tr></table></body></html>"
    )
    text = html_to_text(markup)
    assert text.splitlines()[0] == "Hi Ann"
    assert "link (https://e.org/a)" in text
    assert "bad" in text
    assert "javascript" not in text
    assert "b@e.org (mailto" not in text
    for gone in ("alert", "color", "t.example", "<"):
        assert gone not in text
    assert "a b" in text


def test_a_plain_body_loses_the_anchors_mail_made_and_keeps_its_signature() -> None:
    message = Message.model_validate({
        "id": 1, "hasHtmlBody": False, "signature": "Ann\n",
        "body": 'See <a href="https://e.org" rel="noreferrer noopener" target="_blank">https://e.org</a>.\n',
    })  # fmt: skip
    assert message.text() == "See https://e.org.\n-- \nAnn"


def _propfind(path: str) -> str:
    return (
        '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
        f"<d:response><d:href>/remote.php/dav/files/me{path}</d:href><d:propstat><d:prop>"
        "<d:getcontentlength>3</d:getcontentlength><d:resourcetype/><d:getcontenttype>application/pdf</d:getcontenttype>"
        "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"
    )
