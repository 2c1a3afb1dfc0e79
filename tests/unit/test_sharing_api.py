"""SharingAPI against a scripted transport: OCS v2 URLs and headers, the request bodies Nextcloud
reads, typed shares and sharees, and Nextcloud's meta message carried in the typed errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import NotFound, Refused
from nextcloud_mcp_server.nextcloud.sharing import SharingAPI, permission_bits, permission_names
from nextcloud_mcp_server.tools._base import failure_message

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
API = "/ocs/v2.php/apps/files_sharing/api/v1"


def envelope(status: int, data: Any, message: str = "") -> httpx.Response:
    meta = {"status": "ok" if status == 200 else "failure", "statuscode": status, "message": message or "OK"}
    return httpx.Response(status, json={"ocs": {"meta": meta, "data": data}})


def share_json(**extra: Any) -> dict[str, Any]:
    data = {
        "id": "42", "share_type": 3, "uid_owner": "alice", "displayname_owner": "Alice", "uid_file_owner": "alice",
        "permissions": 17, "stime": 1767225600, "expiration": "2026-07-31 00:00:00", "token": "AbC123",
        "url": f"{BASE}/index.php/s/AbC123", "path": "/Docs", "item_type": "folder", "file_target": "/Docs",
        "share_with": "3|$argon2id$hash", "share_with_displayname": "(Shared link)", "password": "3|$argon2id$hash",
        "note": "", "label": "client", "hide_download": 0, "mail_send": 0, "mimetype": "httpd/unix-directory",
    }  # fmt: skip
    data.update(extra)
    return data


def api(handler: Callable[[httpx.Request], httpx.Response]) -> SharingAPI:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("u", "p"), transport=httpx.MockTransport(handler))
    return SharingAPI(NextcloudClient(http, "u", BASE))


def test_permissions_are_names_and_bits_both_ways() -> None:
    assert permission_bits(["read", "update", "share"]) == 1 | 2 | 16
    assert permission_names(31) == ["read", "update", "create", "delete", "share"]
    assert permission_names(4) == ["create"]


async def test_create_sends_nextclouds_parameters_as_json_with_the_ocs_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return envelope(200, share_json())

    share = await api(handler).create(
        "Docs", 3, permissions=1, password="long-enough-pw", expire_date="2026-07-31", label="client", send_mail=False
    )
    request = seen[0]
    assert (request.method, request.url.path) == ("POST", f"{API}/shares")
    assert request.headers["OCS-APIRequest"] == "true"
    assert json.loads(request.content) == {
        "path": "/Docs", "shareType": 3, "permissions": 1, "password": "long-enough-pw",
        "expireDate": "2026-07-31", "label": "client", "sendMail": "false",
    }  # fmt: skip
    assert (share.id, share.share_type, share.expiration_date, share.url) == (42, 3, "2026-07-31", share_json()["url"])


@pytest.mark.parametrize("status", [400, 403, 404])
async def test_a_refused_create_or_update_carries_nextclouds_words_whatever_the_status(status: int) -> None:
    words = "Cannot set expiration date more than 7 days in the future"
    sharing = api(lambda request: envelope(status, [], words))
    with pytest.raises(Refused) as created:
        await sharing.create("Docs", 3, expire_date="2099-01-01")
    with pytest.raises(Refused) as updated:
        await sharing.update(42, expire_date="2099-01-01")
    assert (created.value.status, created.value.detail, created.value.subject) == (status, words, "'Docs'")
    assert (updated.value.status, updated.value.subject) == (status, "share 42")
    message = failure_message(created.value, "Create public link")
    assert f"(HTTP {status}) for 'Docs'" in message
    assert message.endswith(f"Nextcloud said: {words}")
    assert "does not exist" not in message


async def test_a_share_that_is_not_there_is_not_found_about_its_id() -> None:
    sharing = api(lambda request: envelope(404, [], "Wrong share ID, share does not exist"))
    for call in (sharing.get(7), sharing.delete(7), sharing.accept(7)):
        with pytest.raises(NotFound) as raised:
            await call
        assert (raised.value.subject, raised.value.detail) == ("share 7", "Wrong share ID, share does not exist")


async def test_list_and_update_send_the_apis_strings() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return envelope(200, [share_json()] if request.method == "GET" else share_json())

    sharing = api(handler)
    shares = await sharing.shares(path="Docs/", shared_with_me=True)
    await sharing.update(42, password="", hide_download=True, permissions=5)
    assert dict(seen[0].url.params) == {"path": "/Docs", "shared_with_me": "true"}
    assert json.loads(seen[1].content) == {"password": "", "hideDownload": "true", "permissions": 5}
    assert [s.id for s in shares] == [42]


async def test_sharees_put_exact_matches_first_once_each_with_what_tells_them_apart() -> None:
    def user(uid: str, label: str, unique: str) -> dict[str, Any]:
        return {"label": label, "shareWithDisplayNameUnique": unique, "value": {"shareType": 0, "shareWith": uid}}

    data = {
        "exact": {"users": [user("mk", "Marketing Kim", "kim@example.org")], "groups": []},
        "users": [user("mk", "Marketing Kim", "kim@example.org"), user("mo", "Mo", "mo")],
        "groups": [{"label": "Marketing", "value": {"shareType": 1, "shareWith": "marketing"}}],
        "remotes": [{"label": "x@y.org", "value": {"shareType": 6, "shareWith": "x@y.org", "server": "y.org"}}],
    }
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return envelope(200, data)

    found = await api(handler).sharees("mar", share_types=[0, 1])
    assert [(s.share_type, s.share_with, s.exact, s.detail) for s in found] == [
        (0, "mk", True, "kim@example.org"),
        (0, "mo", False, ""),
        (1, "marketing", False, ""),
        (6, "x@y.org", False, "y.org"),
    ]
    assert seen[0].url.params.get_list("shareType[]") == ["0", "1"]
    assert seen[0].url.params["search"] == "mar"
