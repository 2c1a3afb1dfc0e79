"""The Teams (circles) and Announcement Center clients against a scripted transport: how each app's
answers become errors (Circles' rules in the meta message or, on newer releases, in `data.message`;
the Announcement Center's `message`/`error` data; the router's 404 where the app is missing),
config flags changed without touching the bits a caller does not manage, and reading before
deleting an announcement."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.announcements import AnnouncementsAPI
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import AppUnavailable, InvalidInput, NotFound, Refused
from nextcloud_mcp_server.nextcloud.teams import TeamsAPI, flag_names
from nextcloud_mcp_server.tools._base import failure_message

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
Handler = Callable[[httpx.Request], httpx.Response]


def nc(handler: Handler) -> NextcloudClient:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="me", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("me", "p"), transport=httpx.MockTransport(handler))
    return NextcloudClient(http, "me", BASE)


def ocs(status: int, data: Any = None, message: str = "", code: int | None = None) -> httpx.Response:
    ok = 200 <= status < 300
    meta = {
        "status": "ok" if ok else "failure",
        "statuscode": code or status,
        "message": message or ("OK" if ok else ""),
    }
    return httpx.Response(status, json={"ocs": {"meta": meta, "data": data if data is not None else []}})


def script(answers: dict[tuple[str, str], Any], seen: list[str], prefix: str) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(prefix)
        query = f"?{request.url.query.decode()}" if request.url.query else ""
        seen.append(f"{request.method} {path}{query} {request.content.decode()}".strip())
        assert request.headers["OCS-APIRequest"] == "true"
        answer = answers[(request.method, path)]
        return answer.pop(0) if isinstance(answer, list) else answer

    return handle


def team(config: int = 0) -> dict[str, Any]:
    return {"id": "abc", "name": "Team", "displayName": "Team", "config": config, "population": 1, "initiator": None}


# -- Teams ------------------------------------------------------------------------------------------
CIRCLES = "/ocs/v2.php/apps/circles"


async def test_a_rule_in_the_meta_message_is_refused_with_it() -> None:
    seen: list[str] = []
    answers = {("DELETE", "/circles/abc/members/m1"): ocs(400, message="Insufficient rights")}
    with pytest.raises(Refused) as caught:
        await nc(script(answers, seen, CIRCLES)).api(TeamsAPI).remove_member("abc", "m1")
    assert caught.value.detail == "Insufficient rights"
    assert caught.value.status == 400
    message = failure_message(caught.value, "Remove team member")
    assert "member m1 of team abc" in message
    assert "Insufficient rights" in message
    assert "malformed" not in message


async def test_a_circles_status_code_of_its_own_and_a_newer_403_are_refusals_too() -> None:
    answers = {
        ("PUT", "/circles/abc/members/m1/level"): ocs(400, message="Available levels: 1, 4, 8, 9", code=121),
        ("PUT", "/circles/abc/name"): ocs(403, data={"message": "Insufficient permissions to perform this action"}),
    }
    api = nc(script(answers, [], CIRCLES)).api(TeamsAPI)
    with pytest.raises(Refused, match="Available levels"):
        await api.set_level("abc", "m1", "member")
    with pytest.raises(Refused, match="Insufficient permissions"):
        await api.rename("abc", "New name")


async def test_a_team_one_cannot_see_is_not_found_about_it() -> None:
    answers = {("GET", "/circles/abc"): ocs(404, message="Circle not found")}
    with pytest.raises(NotFound) as caught:
        await nc(script(answers, [], CIRCLES)).api(TeamsAPI).team("abc")
    assert caught.value.subject == "team abc"
    assert caught.value.detail == "Circle not found"


async def test_set_flags_keeps_unmanaged_bits_opens_with_request_and_skips_no_change() -> None:
    seen: list[str] = []
    personal_visible = 2 | 8
    answers = {
        ("GET", "/circles/abc"): [ocs(200, team(personal_visible)), ocs(200, team(2 | 16 | 64))],
        ("PUT", "/circles/abc/config"): ocs(200, team()),
    }
    api = nc(script(answers, seen, CIRCLES)).api(TeamsAPI)
    await api.set_flags("abc", ["request"])
    assert json.loads(seen[-1].split(" ", 2)[2]) == {"value": 2 | 16 | 64}
    await api.set_flags("abc", ["open", "request"])  # already so: nothing sent
    assert [s.split(" ")[0] for s in seen] == ["GET", "PUT", "GET"]
    assert flag_names(2 | 16 | 64) == ["personal", "open", "request"]


async def test_add_member_sends_circles_member_type() -> None:
    seen: list[str] = []
    member = {"id": "m2", "userId": "ops", "userType": 2, "level": 1, "status": "Member"}
    answers = {("POST", "/circles/abc/members"): ocs(200, member)}
    added = await nc(script(answers, seen, CIRCLES)).api(TeamsAPI).add_member("abc", "ops", "group")
    assert json.loads(seen[0].split(" ", 2)[2]) == {"userId": "ops", "type": 2}
    assert added.userType == 2


# -- Announcements ----------------------------------------------------------------------------------
ANNOUNCEMENTS = "/ocs/v2.php/apps/announcementcenter/api/v1"


def announcement(announcement_id: int) -> dict[str, Any]:
    return {"id": announcement_id, "author_id": "admin", "author": "Admin", "time": 1767225600,
            "subject": f"News {announcement_id}", "message": "", "groups": None, "comments": False}  # fmt: skip


async def test_a_non_admin_is_refused_with_the_apps_words() -> None:
    answers = {("POST", "/announcements"): ocs(403, data={"message": "Logged in user must be an admin"})}
    api = nc(script(answers, [], ANNOUNCEMENTS)).api(AnnouncementsAPI)
    with pytest.raises(Refused) as caught:
        await api.announce("Hi", "", groups=[], notify=True, email=False, comments=True)
    assert "must be an admin" in failure_message(caught.value, "Post announcement")


async def test_the_routers_404_means_the_app_is_missing() -> None:
    answers = {("GET", "/announcements"): ocs(404, message="Invalid query, please check the syntax.")}
    with pytest.raises(AppUnavailable) as caught:
        await nc(script(answers, [], ANNOUNCEMENTS)).api(AnnouncementsAPI).page()
    assert "'Announcement Center' (announcementcenter)" in failure_message(caught.value, "List announcements")


async def test_groups_are_found_before_posting_and_an_unknown_one_posts_nothing() -> None:
    seen: list[str] = []
    answers = {
        ("GET", "/groups"): [
            ocs(200, [{"id": "staff", "label": "Staff"}]),
            ocs(200, [{"id": "staff", "label": "Staff"}]),
        ],
        ("POST", "/announcements"): ocs(200, announcement(5)),
    }
    api = nc(script(answers, seen, ANNOUNCEMENTS)).api(AnnouncementsAPI)
    await api.announce("Hi", "Body", groups=["Staff", "everyone"], notify=False, email=False, comments=False)
    body = json.loads(seen[-1].split(" ", 2)[2])
    assert body["groups"] == ["staff", "everyone"]
    assert body["notifications"] is False
    with pytest.raises(InvalidInput, match="no group 'staf'"):
        await api.announce("Hi", "", groups=["staf"], notify=False, email=False, comments=False)
    assert sum(s.startswith("POST") for s in seen) == 1


async def test_delete_reads_the_page_starting_at_it_first() -> None:
    seen: list[str] = []
    answers = {
        ("GET", "/announcements"): [ocs(200, [announcement(4), announcement(3)]), ocs(200, [announcement(2)])],
        ("DELETE", "/announcements/4"): ocs(200, []),
    }
    api = nc(script(answers, seen, ANNOUNCEMENTS)).api(AnnouncementsAPI)
    assert (await api.delete(4)).subject == "News 4"
    with pytest.raises(NotFound) as caught:
        await api.delete(3)  # the app would answer success for an id it does not have
    assert caught.value.subject == "announcement 3"
    assert seen == ["GET /announcements?offset=5", "DELETE /announcements/4", "GET /announcements?offset=4"]
