"""The people clients against a scripted transport: accounts (UsersAPI, how a refusal becomes
NotAdmin), user status, out-of-office and notifications; and how `nc_status_set` reads a clear-at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import BadRequest, NotAdmin, NotFound
from nextcloud_mcp_server.nextcloud.notifications import NotificationsAPI
from nextcloud_mcp_server.nextcloud.out_of_office import OutOfOfficeAPI
from nextcloud_mcp_server.nextcloud.user_status import UserStatusAPI
from nextcloud_mcp_server.nextcloud.users import UsersAPI
from nextcloud_mcp_server.tools._base import ToolError
from nextcloud_mcp_server.tools.status import clear_time

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, user: str = "me") -> NextcloudClient:
    settings = Settings(nextcloud_url=BASE, nextcloud_username=user, nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth(user, "p"), transport=httpx.MockTransport(handler))
    return NextcloudClient(http, user, BASE)


def ocs(status: int, data: Any = None, message: str = "") -> httpx.Response:
    ok = 200 <= status < 300
    meta = {"status": "ok" if ok else "failure", "statuscode": status, "message": message or ("OK" if ok else "")}
    return httpx.Response(status, json={"ocs": {"meta": meta, "data": data if data is not None else []}})


def me(groups: list[str], subadmin: list[str] | None = None) -> dict[str, Any]:
    return {"id": "me", "displayname": "Me", "groups": groups, "subadmin": subadmin or [], "quota": []}


def script(answers: dict[tuple[str, str], httpx.Response], seen: list[str]) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        assert request.headers["OCS-APIRequest"] == "true"
        return answers[(request.method, request.url.path)]

    return handle


async def test_a_refusal_of_a_plain_user_becomes_not_admin_with_nextclouds_words() -> None:
    seen: list[str] = []
    answers = {
        ("POST", "/ocs/v2.php/cloud/users"): ocs(400, message="no group specified (required for subadmins)"),
        ("GET", "/ocs/v2.php/cloud/user"): ocs(200, me(["staff"])),
    }
    with pytest.raises(NotAdmin) as refused:
        await UsersAPI(client(script(answers, seen))).create("new", password="pw")
    assert (refused.value.status, refused.value.subject) == (400, "user 'new'")
    assert refused.value.detail == "no group specified (required for subadmins)"
    assert seen == ["POST /ocs/v2.php/cloud/users", "GET /ocs/v2.php/cloud/user"]


@pytest.mark.parametrize("rights", [me(["admin"]), me(["staff"], subadmin=["staff"])])
async def test_a_refusal_of_an_admin_or_group_admin_stays_what_nextcloud_said(rights: dict[str, Any]) -> None:
    answers = {
        ("DELETE", "/ocs/v2.php/cloud/users/gone"): ocs(404),
        ("GET", "/ocs/v2.php/cloud/user"): ocs(200, rights),
    }
    with pytest.raises(NotFound) as missing:
        await UsersAPI(client(script(answers, []))).delete("gone")
    assert not isinstance(missing.value, NotAdmin)
    assert missing.value.subject == "user 'gone'"


async def test_reading_oneself_never_asks_about_rights_and_an_empty_storage_answer_is_none() -> None:
    seen: list[str] = []
    answers = {("GET", "/ocs/v2.php/cloud/users/me"): ocs(200, me(["staff"]))}
    account = await UsersAPI(client(script(answers, seen))).get("me")
    assert (account.id, account.quota, account.manages_accounts) == ("me", None, False)
    assert seen == ["GET /ocs/v2.php/cloud/users/me"]


async def test_an_empty_account_list_for_a_plain_user_is_not_admin() -> None:
    answers = {
        ("GET", "/ocs/v2.php/cloud/users"): ocs(200, {"users": []}),
        ("GET", "/ocs/v2.php/cloud/user"): ocs(200, me(["staff"])),
    }
    with pytest.raises(NotAdmin):
        await UsersAPI(client(script(answers, []))).search("x")


async def test_an_empty_account_list_for_an_admin_is_empty() -> None:
    answers = {
        ("GET", "/ocs/v2.php/cloud/users"): ocs(200, {"users": []}),
        ("GET", "/ocs/v2.php/cloud/user"): ocs(200, me(["admin"])),
    }
    assert await UsersAPI(client(script(answers, []))).search("nobody") == []


async def test_a_forbidden_group_is_not_admin_and_a_missing_one_not_found() -> None:
    answers = {
        ("GET", "/ocs/v2.php/cloud/groups/ops/users"): ocs(403),
        ("GET", "/ocs/v2.php/cloud/groups/none/users"): ocs(404, message="The requested group could not be found"),
    }
    api = UsersAPI(client(script(answers, [])))
    with pytest.raises(NotAdmin):
        await api.members("ops")
    with pytest.raises(NotFound) as missing:
        await api.members("none")
    assert missing.value.subject == "group 'none'"


async def test_ids_with_special_characters_are_quoted_in_the_path() -> None:
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return ocs(200, [])

    await UsersAPI(client(handle)).set_enabled("a b@c", False)
    assert seen == ["/ocs/v2.php/cloud/users/a%20b%40c/disable"]


async def test_no_status_is_none_for_oneself_and_for_others() -> None:
    answers = {
        ("GET", "/ocs/v2.php/apps/user_status/api/v1/user_status"): ocs(404, message="No status for the current user"),
        ("GET", "/ocs/v2.php/apps/user_status/api/v1/statuses/anna"): ocs(404),
    }
    api = UserStatusAPI(client(script(answers, [])))
    assert await api.mine() is None
    assert await api.of("anna") is None


async def test_an_invalid_status_is_bad_request_with_nextclouds_words() -> None:
    answers = {
        ("PUT", "/ocs/v2.php/apps/user_status/api/v1/user_status/status"): ocs(
            400, message='Status-type "sleeping" is not supported'
        )
    }
    with pytest.raises(BadRequest, match="sleeping"):
        await UserStatusAPI(client(script(answers, []))).set_status("online")


async def test_setting_out_of_office_acts_on_the_caller_and_names_the_failing_rule() -> None:
    seen: list[str] = []
    path = "/ocs/v2.php/apps/dav/api/v1/outOfOffice/me"
    answers = {("POST", path): ocs(400, {"error": "firstDay"})}
    with pytest.raises(BadRequest) as refused:
        await OutOfOfficeAPI(client(script(answers, seen))).set("2026-08-07", "2026-08-03", "Off", "x")
    assert refused.value.detail == "error: firstDay"
    assert seen == [f"POST {path}"]


async def test_a_missing_replacement_is_not_found_about_the_replacement() -> None:
    answers = {("POST", "/ocs/v2.php/apps/dav/api/v1/outOfOffice/me"): ocs(404)}
    with pytest.raises(NotFound) as missing:
        await OutOfOfficeAPI(client(script(answers, []))).set("2026-08-03", "2026-08-07", "Off", "x", "nobody")
    assert missing.value.subject == "replacement user 'nobody'"


async def test_someones_absence_and_whether_it_is_on() -> None:
    absence = {"id": 3, "userId": "anna", "firstDay": "2026-08-03", "lastDay": "2026-08-07", "status": "Off",
               "message": "Away", "replacementUserId": None, "replacementUserDisplayName": None}  # fmt: skip
    answers = {
        ("GET", "/ocs/v2.php/apps/dav/api/v1/outOfOffice/anna"): ocs(200, absence),
        ("GET", "/ocs/v2.php/apps/dav/api/v1/outOfOffice/anna/now"): ocs(404),
        ("GET", "/ocs/v2.php/apps/dav/api/v1/outOfOffice/ben"): ocs(404),
    }
    api = OutOfOfficeAPI(client(script(answers, [])))
    found = await api.get("anna")
    assert found is not None
    assert (found.first_day, found.status) == ("2026-08-03", "Off")
    assert await api.is_on("anna") is False
    assert await api.get("ben") is None


async def test_no_notifier_is_an_empty_list() -> None:
    answers = {("GET", "/ocs/v2.php/apps/notifications/api/v2/notifications"): httpx.Response(204)}
    assert await NotificationsAPI(client(script(answers, []))).all() == []


async def test_dismissing_an_unknown_notification_is_not_found_and_deletes_nothing() -> None:
    seen: list[str] = []
    answers = {("GET", "/ocs/v2.php/apps/notifications/api/v2/notifications/9"): ocs(404)}
    with pytest.raises(NotFound) as missing:
        await NotificationsAPI(client(script(answers, seen))).dismiss(9)
    assert missing.value.subject == "notification 9"
    assert seen == ["GET /ocs/v2.php/apps/notifications/api/v2/notifications/9"]


NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("30m", datetime(2026, 5, 1, 12, 30, tzinfo=UTC)),
        ("4h", datetime(2026, 5, 1, 16, 0, tzinfo=UTC)),
        ("2 d", datetime(2026, 5, 3, 12, 0, tzinfo=UTC)),
        ("2026-05-01T17:00:00+02:00", datetime(2026, 5, 1, 15, 0, tzinfo=UTC)),
        ("2026-05-01T17:00:00", datetime(2026, 5, 1, 17, 0, tzinfo=UTC)),
    ],
)
def test_clear_at_is_an_iso_time_or_a_duration_from_now(given: str, expected: datetime) -> None:
    assert clear_time(given, NOW) == int(expected.timestamp())


@pytest.mark.parametrize("given", ["2026-05-01T11:00:00Z", "0m", "tomorrow"])
def test_clear_at_in_the_past_or_unreadable_is_refused(given: str) -> None:
    with pytest.raises(ToolError, match="clear_at"):
        clear_time(given, NOW)
