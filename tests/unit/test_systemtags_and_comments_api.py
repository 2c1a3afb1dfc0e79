"""The tags and comments clients over `httpx.MockTransport`: the requests they send (URLs, bodies),
how they read Nextcloud's answers, which refusals become `Refused` and which answers are "no
change"; and the comments toolset's requirement, a flag inside the files capabilities."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.comments import CommentsAPI
from nextcloud_mcp_server.nextcloud.errors import BadResponse, NotFound, Refused
from nextcloud_mcp_server.nextcloud.systemtags import SystemTag, SystemTagsAPI

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
XML = {"Content-Type": "application/xml; charset=utf-8"}

TAGS = b"""<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
 <d:response><d:href>/remote.php/dav/systemtags/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop>
   <d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  <d:propstat><d:prop><oc:id/><oc:display-name/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
 </d:response>
 <d:response><d:href>/remote.php/dav/systemtags/7</d:href><d:propstat><d:prop>
  <oc:id>7</oc:id><oc:display-name>Invoice</oc:display-name><oc:user-visible>true</oc:user-visible>
  <oc:user-assignable>false</oc:user-assignable><oc:can-assign>false</oc:can-assign>
 </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <d:response><d:href>/remote.php/dav/systemtags/3</d:href><d:propstat><d:prop>
  <oc:id>3</oc:id><oc:display-name>Invoice</oc:display-name><oc:user-visible>true</oc:user-visible>
  <oc:user-assignable>true</oc:user-assignable><oc:can-assign>true</oc:can-assign>
 </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <d:response><d:href>/remote.php/dav/systemtags/9</d:href><d:propstat><d:prop>
  <oc:id>9</oc:id><oc:display-name>invoice</oc:display-name><oc:user-visible>true</oc:user-visible>
  <oc:user-assignable>true</oc:user-assignable><oc:can-assign>true</oc:can-assign>
 </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
</d:multistatus>"""

COMMENTS = b"""<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
 <d:response><d:href>/remote.php/dav/comments/files/42/12</d:href><d:propstat><d:prop>
  <oc:id>12</oc:id><oc:actorId>anna</oc:actorId><oc:actorDisplayName>Anna A.</oc:actorDisplayName>
  <oc:message>Ready &amp; done</oc:message><oc:creationDateTime>Tue, 03 Jun 2025 10:00:00 GMT</oc:creationDateTime>
  <oc:isUnread>true</oc:isUnread><oc:mentions/>
 </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
</d:multistatus>"""


def client(handler: Callable[[httpx.Request], httpx.Response]) -> NextcloudClient:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="alice", nextcloud_password="pw", nextcloud_retries=0)
    return NextcloudClient(make_client(settings, base_url=BASE, transport=httpx.MockTransport(handler)), "alice", BASE)


def sabre(status: int, message: str) -> httpx.Response:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">'
        f"<s:exception>Sabre\\DAV\\Exception</s:exception><s:message>{message}</s:message></d:error>"
    )
    return httpx.Response(status, content=body.encode(), headers=XML)


TAG = SystemTag(id=3, name="Invoice", user_visible=True, user_assignable=True, can_assign=True)


async def test_listing_tags_skips_the_collection_and_reads_the_flags() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(207, content=TAGS, headers=XML)

    tags = await SystemTagsAPI(client(handler)).list()
    assert [(t.id, t.name, t.user_assignable, t.can_assign) for t in tags] == [
        (3, "Invoice", True, True),
        (7, "Invoice", False, False),
        (9, "invoice", True, True),
    ]
    assert (seen[0].method, seen[0].url.path, seen[0].headers["Depth"]) == (
        "PROPFIND",
        "/remote.php/dav/systemtags/",
        "1",
    )
    assert b"<oc:display-name" in seen[0].content


async def test_a_tag_is_found_by_its_exact_name_first_preferring_one_the_caller_may_assign() -> None:
    api = SystemTagsAPI(client(lambda request: httpx.Response(207, content=TAGS, headers=XML)))
    assert (await api.named("Invoice")).id == 3
    assert (await api.named("INVOICE")).id == 3  # no exact match: any case, assignable first
    with pytest.raises(NotFound) as missing:
        await api.named("Receipt")
    assert missing.value.subject == "tag 'Receipt'"


async def test_creating_a_tag_posts_json_and_reads_the_id_from_content_location() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content) == {"name": "Legal", "userVisible": True, "userAssignable": False}
        return httpx.Response(201, headers={"Content-Location": "/remote.php/dav/systemtags/15"})

    created = await SystemTagsAPI(client(handler)).create("Legal", assignable=False)
    assert (created.id, created.name, created.user_assignable) == (15, "Legal", False)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (409, "Tag already exists"),
        (400, "Not sufficient permissions"),
        (403, "You don’t have permissions to create tags"),
    ],
)
async def test_a_tag_rule_refusing_creation_is_refused_with_nextclouds_words(status: int, message: str) -> None:
    api = SystemTagsAPI(client(lambda request: sabre(status, message)))
    with pytest.raises(Refused) as refused:
        await api.create("Legal")
    assert (refused.value.status, refused.value.detail, refused.value.subject) == (status, message, "tag 'Legal'")


async def test_a_created_tag_without_an_id_in_content_location_is_a_bad_response() -> None:
    api = SystemTagsAPI(client(lambda request: httpx.Response(201)))
    with pytest.raises(BadResponse):
        await api.create("Legal")


async def test_assigning_puts_the_mapping_and_an_existing_one_is_no_change() -> None:
    answers = iter([httpx.Response(201), sabre(409, "PUT is not allowed on non-files.")])
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(f"{request.method} {request.url.path}")
        return next(answers)

    api = SystemTagsAPI(client(handler))
    assert await api.assign(42, TAG) is True
    assert await api.assign(42, TAG) is False
    assert paths == ["PUT /remote.php/dav/systemtags-relations/files/42/3"] * 2


async def test_assigning_a_restricted_tag_is_refused() -> None:
    api = SystemTagsAPI(client(lambda request: sabre(403, "No permission to assign tag 3")))
    with pytest.raises(Refused) as refused:
        await api.assign(42, TAG)
    assert refused.value.detail == "No permission to assign tag 3"


async def test_unassigning_a_tag_that_is_not_there_is_no_change() -> None:
    answers = iter([httpx.Response(204), sabre(404, "Tag with id 3 not present for object 42")])
    api = SystemTagsAPI(client(lambda request: next(answers)))
    assert await api.unassign(42, TAG) is True
    assert await api.unassign(42, TAG) is False


async def test_files_by_tag_report_the_tag_id_and_a_vanished_tag_is_not_found() -> None:
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        assert (request.method, request.url.path) == ("REPORT", "/remote.php/dav/files/alice/")
        return sabre(412, "Cannot filter by non-existing tag")

    with pytest.raises(NotFound) as gone:
        await SystemTagsAPI(client(handler)).files(TAG)
    assert gone.value.subject == "tag 'Invoice'"
    assert b"<oc:systemtag>3</oc:systemtag>" in bodies[0]


async def test_deleting_a_tag_as_a_user_is_refused() -> None:
    api = SystemTagsAPI(client(lambda request: sabre(403, "No permission to delete tag 3")))
    with pytest.raises(Refused):
        await api.delete(TAG)


async def test_listing_comments_reads_author_message_date_and_unread() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("REPORT", "/remote.php/dav/comments/files/42")
        assert b"<oc:filter-comments" in request.content
        assert b"<oc:limit>0</oc:limit>" in request.content
        return httpx.Response(207, content=COMMENTS, headers=XML)

    [comment] = await CommentsAPI(client(handler)).list(42)
    assert (comment.id, comment.author, comment.author_name, comment.message, comment.unread) == (
        12,
        "anna",
        "Anna A.",
        "Ready & done",
        True,
    )
    assert comment.created is not None
    assert comment.created.isoformat() == "2025-06-03T10:00:00+00:00"


async def test_adding_a_comment_posts_json_and_reads_the_id_from_content_location() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content) == {"actorType": "users", "verb": "comment", "message": "Hi"}
        return httpx.Response(201, headers={"Content-Location": f"{BASE}/remote.php/dav/comments/files/42/13"})

    assert await CommentsAPI(client(handler)).add(42, "Hi") == 13


async def test_editing_another_users_comment_is_refused_and_a_missing_one_is_not_found() -> None:
    answers = iter([sabre(403, "Only authors are allowed to edit their comment."), sabre(404, "")])
    api = CommentsAPI(client(lambda request: next(answers)))
    with pytest.raises(Refused) as refused:
        await api.edit(42, 12, "new")
    assert (refused.value.detail, refused.value.subject) == (
        "Only authors are allowed to edit their comment.",
        "comment 12",
    )
    with pytest.raises(NotFound) as missing:
        await api.edit(42, 99, "new")
    assert missing.value.subject == "comment 99"


async def test_an_edit_nextcloud_does_not_confirm_is_a_bad_response() -> None:
    empty = b'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"/>'
    api = CommentsAPI(client(lambda request: httpx.Response(207, content=empty, headers=XML)))
    with pytest.raises(BadResponse):
        await api.edit(42, 12, "new")


def test_the_comments_requirement_is_the_files_comments_flag() -> None:
    from nextcloud_mcp_server.tools.comments import TOOLSET

    requirement = TOOLSET.requires
    assert requirement is not None
    assert requirement.unmet({"files": {"bigfilechunking": True, "comments": True}}) is None
    for capabilities in ({"files": {"bigfilechunking": True}}, {"comments": {"enabled": True}}, {}):
        reason = requirement.unmet(capabilities)
        assert reason == "needs the Nextcloud app 'Comments' (comments), which is not installed or not enabled for you"
