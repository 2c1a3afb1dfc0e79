"""Reading webhook_listeners deliveries: the envelope check, the dedupe key, and the change each
documented payload shape (single node, two nodes, calendar object) describes."""

from __future__ import annotations

import json

import pytest

from nextcloud_mcp_server.webhooks.events import (
    CALENDAR_OBJECT_UPDATED,
    NODE_DELETED,
    NODE_RENAMED,
    NODE_WRITTEN,
    MalformedDelivery,
    MalformedEvent,
    dedupe_key,
    describe,
    parse_delivery,
    user_relative,
)

pytestmark = pytest.mark.anyio


def test_a_documented_delivery_parses_and_a_redelivery_has_the_same_key() -> None:
    body = (
        b'{"event": {"class": "OCP\\\\Files\\\\Events\\\\Node\\\\NodeWrittenEvent", "node": {"id": 437, '
        b'"path": "/admin/files/test-webhook.txt"}}, "user": {"uid": "admin", "displayName": "Admin"}, '
        b'"time": 1700100000}'
    )
    envelope = parse_delivery(body)
    reordered = json.loads(json.dumps(envelope, sort_keys=True))
    assert dedupe_key(envelope) == dedupe_key(reordered)
    assert dedupe_key(envelope) != dedupe_key({**envelope, "time": 1700100001})
    assert len(dedupe_key(envelope)) <= 255


@pytest.mark.parametrize(
    "body",
    [b"", b"null", b'"x"', b'{"event": []}', b'{"event": {"class": ""}}', b'{"event": {"class": "X"}, "time": "now"}'],
)
def test_what_is_not_an_envelope_is_refused(body: bytes) -> None:
    with pytest.raises(MalformedDelivery):
        parse_delivery(body)


def test_a_deleted_node_without_id_names_its_path_only() -> None:
    change = describe(NODE_DELETED, {"event": {"node": {"path": "/u/files/old.md"}}, "user": None})
    assert change is not None
    assert (change.kind, change.path, change.file_id, change.user_id) == ("deleted", "old.md", None, "u")
    assert change.updated_uris == ("nc://files/old.md",)
    assert change.list_changed


def test_a_renamed_note_notifies_both_paths_and_the_note() -> None:
    event = {"source": {"path": "/u/files/Notes/a.md"}, "target": {"id": 5, "path": "/u/files/Notes/b c.md"}}
    change = describe(NODE_RENAMED, {"event": event, "user": {"uid": "u"}})
    assert change is not None
    assert change.old_path == "Notes/a.md"
    assert change.updated_uris == ("nc://files/Notes/b%20c.md", "nc://files/Notes/a.md", "nc://notes/5")


def test_a_written_node_outside_the_files_tree_touches_no_file_resource() -> None:
    assert user_relative("/u/files_trashbin/files/x.txt") == ("u", None)
    change = describe(NODE_WRITTEN, {"event": {"node": {"id": 1, "path": "/u/files_versions/x"}}, "user": None})
    assert change is not None
    assert change.updated_uris == ()


def test_a_calendar_object_update_names_the_object_and_its_calendar() -> None:
    event = {"calendarData": {"uri": "work"}, "objectData": {"uri": "a.ics", "component": "VTODO"}}
    change = describe(CALENDAR_OBJECT_UPDATED, {"event": event, "user": {"uid": "d"}})
    assert change is not None
    assert change.updated_uris == ("nc://calendars/work/a.ics", "nc://calendars/work")
    assert not change.list_changed
    with pytest.raises(MalformedEvent):
        describe(CALENDAR_OBJECT_UPDATED, {"event": {"calendarData": {"uri": "work"}}, "user": None})


def test_an_unknown_class_describes_nothing() -> None:
    assert describe("OCA\\Forms\\Events\\FormSubmittedEvent", {"event": {}}) is None


async def test_without_a_store_the_recent_changes_tool_says_where_the_feed_lives() -> None:
    from mcp import Client

    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import build_mcp_server

    settings = Settings(nextcloud_url="http://127.0.0.1:9", nextcloud_username="u", nextcloud_password="p",
                        toolsets=["activity"])  # fmt: skip
    async with Client(build_mcp_server(settings, AppPasswordAccess(settings))) as client:
        result = await client.call_tool("nc_activity_recent_changes", {"since": "2026-01-01T00:00:00Z"})
    assert result.is_error
    assert "HTTP server" in result.content[0].text
