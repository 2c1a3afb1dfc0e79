"""Property tests: invalid arguments are refused with a clear tool error before any request
reaches Nextcloud, whatever the exact bad value is."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import anyio
import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.server.mcpserver import MCPServer

from nextcloud_mcp_server.auth.caller import Caller
from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.server import build_mcp_server

BASE = "https://cloud.example.com"
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _is_a_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


class RecordingAccess:
    """A Nextcloud that records every request and fails it: a valid call would show up here."""

    def __init__(self, settings: Settings) -> None:
        self.requests: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            # Gating reads the user's capabilities (cached per user) before a gated tool runs; what must
            # not happen is a request for the tool's own work.
            if not request.url.path.endswith("/cloud/capabilities"):
                self.requests.append(request)
            return httpx.Response(500)

        http = make_client(settings, base_url=BASE, transport=httpx.MockTransport(handler))
        self.client = NextcloudClient(http, "u", BASE)

    def identify(self, request: Any) -> Caller:
        return Caller("u", "app_password")

    async def client_for(self, caller: Caller) -> NextcloudClient:
        return self.client


def _server() -> tuple[MCPServer[Any], RecordingAccess]:
    config = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0)
    access = RecordingAccess(config)
    return build_mcp_server(config, access), access


SERVER, ACCESS = _server()


def refused(tool: str, arguments: dict[str, Any]) -> str:
    """Call `tool` in memory; assert it failed without any request, and return the message."""
    ACCESS.requests.clear()

    async def call() -> Any:
        async with Client(SERVER) as client:
            return await client.call_tool(tool, arguments)

    result = anyio.run(call)
    assert result.is_error, f"{tool} accepted {arguments!r}"
    assert ACCESS.requests == [], f"{tool} sent a request for {arguments!r}"
    return result.content[0].text


moments = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1))


@EXAMPLES
@given(start=moments, back=st.timedeltas(min_value=dt.timedelta(minutes=1), max_value=dt.timedelta(days=400)))
def test_an_event_ending_before_it_starts_is_refused_before_any_request(start: dt.datetime, back: dt.timedelta) -> None:
    message = refused(
        "nc_calendar_create_event",
        {
            "calendar_name": "personal",
            "title": "Meeting",
            "start_datetime": start.isoformat(timespec="minutes"),
            "end_datetime": (start - back).isoformat(timespec="minutes"),
        },
    )
    assert "end" in message.lower()


@EXAMPLES
@example(zone="America")  # a folder of zones, not a zone
@example(zone="zone.tab")  # a file of the zone database that is not a zone
@given(zone=st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), min_size=1, max_size=30))
def test_an_unknown_timezone_is_refused_before_any_request(zone: str) -> None:
    if _is_a_zone(zone) or not zone.strip():
        return  # a real zone (or "no zone") is valid input, not the property under test
    message = refused(
        "nc_calendar_create_event",
        {
            "calendar_name": "personal",
            "title": "Meeting",
            "start_datetime": "2026-05-04T10:00",
            "end_datetime": "2026-05-04T11:00",
            "timezone": zone,
        },
    )
    assert "timezone" in message.lower() or "zone" in message.lower()


@EXAMPLES
@given(
    prefix=st.lists(st.text(alphabet="abcXYZé日", min_size=1, max_size=6), max_size=3),
    suffix=st.lists(st.text(alphabet="abcXYZé日", min_size=1, max_size=6), max_size=3),
    tool=st.sampled_from(["nc_webdav_read_file", "nc_webdav_delete_resource", "nc_webdav_create_directory"]),
)
def test_a_path_with_a_parent_segment_is_refused_before_any_request(
    prefix: list[str], suffix: list[str], tool: str
) -> None:
    path = "/".join([*prefix, "..", *suffix])
    message = refused(tool, {"path": path})
    assert ".." in message


@EXAMPLES
@given(note_id=st.integers(max_value=0))
def test_a_note_id_below_one_is_refused_before_any_request(note_id: int) -> None:
    refused("nc_notes_get_note", {"note_id": note_id})


@EXAMPLES
@given(summary=st.text(alphabet=" \t\n", max_size=5))
def test_a_blank_task_summary_is_refused_before_any_request(summary: str) -> None:
    refused("nc_calendar_create_todo", {"calendar_name": "tasks", "summary": summary})


@EXAMPLES
@given(local=st.text(alphabet="abc.", min_size=1, max_size=8), domain=st.text(alphabet="xyz", max_size=5))
def test_an_email_without_an_at_and_domain_is_refused_before_any_request(local: str, domain: str) -> None:
    refused(
        "nc_contacts_create_contact", {"addressbook": "contacts", "contact_data": {"fn": "A", "email": local + domain}}
    )
