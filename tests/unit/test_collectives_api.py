"""CollectivesAPI against a scripted transport: OCS URLs and bodies, where a page's file is, and
how the app's 400/403/404 answers become typed errors."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.collectives import CollectivesAPI, PageInfo
from nextcloud_mcp_server.nextcloud.errors import BadResponse, NotFound, Refused

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
API = "/ocs/v2.php/apps/collectives/api/v1.0/collectives"


def ocs(status: int, data: object, message: str = "") -> httpx.Response:
    meta = {"status": "ok" if status < 300 else "failure", "statuscode": status, "message": message}
    return httpx.Response(status, json={"ocs": {"meta": meta, "data": data}})


def page_json(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": 12, "title": "Setup", "parentId": 10, "fileName": "Setup.md", "filePath": "Guide",
        "collectivePath": "Collectives/Wiki", "timestamp": 1700000000, "size": 5, "tags": [],
    }  # fmt: skip
    data.update(extra)
    return data


def api(handler: Callable[[httpx.Request], httpx.Response]) -> CollectivesAPI:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("u", "p"), transport=httpx.MockTransport(handler))
    return CollectivesAPI(NextcloudClient(http, "u", BASE))


def test_the_page_file_is_collective_path_then_folder_then_name() -> None:
    assert PageInfo.model_validate(page_json()).dav_path == "Collectives/Wiki/Guide/Setup.md"
    root = PageInfo.model_validate(page_json(filePath="", fileName="Readme.md", collectivePath="/Collectives/Wiki/"))
    assert root.dav_path == "Collectives/Wiki/Readme.md"


async def test_move_sends_only_what_changes_with_index_and_copy() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ocs(200, {"page": page_json(title="Install")})

    page = await api(handler).move_page(3, 12, None, "Install", 0, False)
    assert page.title == "Install"
    (request,) = seen
    assert (request.method, request.url.path) == ("PUT", f"{API}/3/pages/12")
    assert request.headers["OCS-APIRequest"] == "true"
    assert json.loads(request.content) == {"index": 0, "copy": False, "title": "Install"}


async def test_rules_of_the_app_are_refusals_with_its_reason_and_404_names_the_subject() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return ocs(403, [], "Not allowed to trash landing page")
        if request.method == "PATCH":
            return ocs(404, [], "Collective not found: 4")
        return ocs(400, [], "Invalid color format")

    client = api(handler)
    with pytest.raises(Refused) as refused:
        await client.trash_page(3, 10)
    assert (refused.value.status, refused.value.detail, refused.value.subject) == (
        403,
        "Not allowed to trash landing page",
        "page 10",
    )
    with pytest.raises(NotFound) as missing:
        await client.restore(4)
    assert missing.value.subject == "trashed collective 4"
    with pytest.raises(Refused):
        await client.create_tag(3, "x", "zz")


async def test_an_answer_without_its_key_is_a_bad_response() -> None:
    with pytest.raises(BadResponse):
        await api(lambda request: ocs(200, {"nothing": []})).pages(3)


async def test_an_attachment_is_uploaded_as_the_file_field_of_a_multipart_form() -> None:
    from email.parser import BytesParser
    from email.policy import HTTP

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        attachment = {"id": 5, "name": 'a "b".png', "filesize": 3, "mimetype": "image/png"}
        return ocs(200, {"attachment": attachment})

    done = await api(handler).upload_attachment(3, 12, 'a "b".png', b"\x00\x01\x02")
    assert done.id == 5
    (request,) = seen
    assert request.url.path == f"{API}/3/pages/12/attachments"
    head = b"Content-Type: " + request.headers["Content-Type"].encode() + b"\r\n\r\n"
    (part,) = BytesParser(policy=HTTP).parsebytes(head + request.content).iter_parts()
    assert part.get_param("name", header="content-disposition") == "file"
    assert (part.get_filename(), part.get_payload(decode=True)) == ('a "b".png', b"\x00\x01\x02")


async def test_a_page_share_is_addressed_below_its_page_and_a_collective_share_below_the_collective() -> None:
    from nextcloud_mcp_server.nextcloud.collectives import Share

    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return ocs(200, {"id": 1, "collectiveId": 3, "pageId": 0, "token": "t", "editable": True})

    client = api(handler)
    await client.update_share(Share(id=1, collectiveId=3, pageId=12, token="t"), True, None)
    await client.unshare(Share(id=2, collectiveId=3, pageId=0, token="u"))
    assert paths == [f"{API}/3/pages/12/shares/t", f"{API}/3/shares/u"]


async def test_a_page_moved_to_another_collective_is_found_as_the_new_page_under_its_parent() -> None:
    seen: list[tuple[str, str, object]] = []
    landing = page_json(id=50, parentId=0, fileName="Readme.md", filePath="")
    other = page_json(id=51, parentId=50, title="Old")
    trees = [[landing, other], [landing, other, page_json(id=77, parentId=50, title="Setup (2)")]]

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        seen.append((request.method, request.url.path, body))
        if request.method == "GET":
            return ocs(200, {"pages": trees.pop(0)})
        return ocs(200, [])

    page = await api(handler).move_to_collective(3, 12, 9, None, 1, True)
    assert (page.id, page.title) == (77, "Setup (2)")
    assert seen[1] == ("PUT", f"{API}/3/pages/12/to/9", {"index": 1, "copy": True})  # no parentId: the landing page
    assert [s[:2] for s in seen] == [("GET", f"{API}/9/pages"), seen[1][:2], ("GET", f"{API}/9/pages")]


async def test_a_move_whose_page_does_not_show_up_is_a_bad_response() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return ocs(200, {"pages": [page_json(id=50, parentId=0)]})
        return ocs(200, [])

    with pytest.raises(BadResponse):
        await api(handler).move_to_collective(3, 12, 9, 50, 0, False)


async def test_subpage_order_is_sent_as_a_json_string_and_templates_are_created_below_the_body_parent() -> None:
    seen: list[tuple[str, str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path, json.loads(request.content)))
        if "templates" in request.url.path:
            return ocs(200, {"template": page_json(filePath=".templates")})
        return ocs(200, {"page": page_json(subpageOrder=[3, 1])})

    page = await api(handler).set_subpage_order(3, 10, [3, 1])
    assert page.subpageOrder == [3, 1]
    template = await api(handler).create_template(3, 0, "Meeting")
    assert template.dav_path == "Collectives/Wiki/.templates/Setup.md"
    assert seen == [
        ("PUT", f"{API}/3/pages/10/subpageOrder", {"subpageOrder": "[3, 1]"}),
        ("POST", f"{API}/3/pages/templates/0", {"title": "Meeting", "parentId": 0}),
    ]
