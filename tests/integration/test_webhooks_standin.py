"""The stand-in's webhook_listeners: its OCS API agrees with Nextcloud's contract, it delivers
file, note, calendar-object and rename events as Nextcloud does (JSON without a Content-Type,
the registration's auth headers), and `nextcloud-mcp-server webhooks register|list|unregister`
works against it and records the registrations in the store."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_contracts import MISSING, NC31, contract, response_schema, validate
from tests.standin.webhooks import WebhookListenersService

REPO = Path(__file__).resolve().parents[2]
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}
BASE = "/ocs/v2.php/apps/webhook_listeners/api/v1/webhooks"
NODE = "OCP\\Files\\Events\\Node\\"


class Catcher:
    """A tiny HTTP endpoint that records what it receives (the receiving end of a webhook)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                catcher.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def admin(standin: Any) -> Any:
    return standin.add_user("admin", "admin-pw")


@pytest.fixture(scope="module")
def service(standin: Any) -> WebhookListenersService:
    return standin.app.services["webhooks"]


@pytest.fixture(scope="module")
def catcher() -> Iterator[Catcher]:
    catcher = Catcher()
    yield catcher
    catcher.server.shutdown()


def register(admin: Any, uri: str, event: str, **extra: Any) -> dict[str, Any]:
    body = {"httpMethod": "POST", "uri": uri, "event": event, **extra}
    with admin.raw() as raw:
        response = raw.post(BASE, json=body, headers=OCS)
    assert response.status_code == 200, response.text
    return response.json()["ocs"]["data"]


def delivered_after(service: WebhookListenersService, already: int, count: int, uri: str) -> list[Any]:
    """The `count` deliveries to `uri` after the first `already` (earlier tests' may still be queued)."""
    return service.wait_delivered(already + count, to=uri)[already:]


@pytest.mark.skipif(not NC31.is_dir(), reason=MISSING)
def test_registering_listing_and_deleting_answer_as_the_contract_says(admin: Any) -> None:
    document = copy.deepcopy(contract("webhook_listeners.openapi.json"))
    # Erratum: neon renders psalm's `array<string, mixed>` of eventFilter as objects only, but the
    # admin manual's own filters are scalars and regexes (`{"user.uid": "bob"}`): any JSON value.
    document["components"]["schemas"]["WebhookInfo"]["properties"]["eventFilter"]["additionalProperties"] = {}
    info = register(admin, "https://mcp.example.com/webhooks/nextcloud", NODE + "NodeWrittenEvent")
    with admin.raw() as raw:
        created = raw.post(
            BASE,
            json={
                "httpMethod": "POST",
                "uri": "https://x.example/h",
                "event": NODE + "NodeCreatedEvent",
                "authMethod": "header",
                "authData": {"X-Webhook-Secret": "s"},
            },
            headers=OCS,
        )
        listed = raw.get(BASE, headers=OCS)
        one = raw.get(f"{BASE}/{info['id']}", headers=OCS)
        gone = raw.delete(f"{BASE}/{created.json()['ocs']['data']['id']}", headers=OCS)
    validate(created.json(), response_schema(document, BASE, "post"))
    validate(listed.json(), response_schema(document, BASE, "get"))
    validate(one.json(), response_schema(document, BASE + "/{id}", "get"))
    validate(gone.json(), response_schema(document, BASE + "/{id}", "delete"))
    assert "authData" not in json.dumps(created.json())  # the secret is never echoed
    with admin.raw() as raw:
        assert raw.delete(f"{BASE}/{info['id']}", headers=OCS).status_code == 200
        assert raw.get(f"{BASE}/{info['id']}", headers=OCS).status_code == 404


def test_an_event_class_that_is_not_webhook_compatible_is_refused_as_nextcloud_does(admin: Any) -> None:
    legacy = "OCA\\DAV\\Events\\CalendarObjectCreatedEvent"  # exists in Nextcloud, but not for webhooks
    with admin.raw() as raw:
        response = raw.post(
            BASE, json={"httpMethod": "POST", "uri": "https://x.example/h", "event": legacy}, headers=OCS
        )
        listed = raw.get(BASE, headers=OCS).json()["ocs"]["data"]
    assert response.status_code == 400
    assert "is not an event class compatible with webhooks" in response.json()["ocs"]["meta"]["message"]
    assert all(hook["event"] != legacy for hook in listed)


def test_only_admins_may_register_webhooks(nc_user: Any) -> None:
    with nc_user.raw() as raw:
        response = raw.post(BASE, json={"httpMethod": "POST", "uri": "https://x.example", "event": "E"}, headers=OCS)
    assert response.status_code == 403


def test_a_written_file_is_delivered_without_content_type_and_with_the_auth_header(
    admin: Any, service: WebhookListenersService, catcher: Catcher, nc_user: Any
) -> None:
    start = len(service.wait_delivered(0, to=catcher.url))
    register(
        admin,
        catcher.url,
        NODE + "NodeWrittenEvent",
        authMethod="header",
        authData={"X-Webhook-Secret": "hook-secret"},
        eventFilter={"user.uid": nc_user.id},
    )
    register(admin, catcher.url, NODE + "NodeCreatedEvent", eventFilter={"user.uid": nc_user.id})
    register(admin, catcher.url, NODE + "NodeRenamedEvent", eventFilter={"user.uid": nc_user.id})
    with nc_user.raw() as raw:
        assert raw.put(f"/remote.php/dav/files/{nc_user.id}/hooked.txt", content=b"one").status_code == 201
        assert raw.put(f"/remote.php/dav/files/{nc_user.id}/hooked.txt", content=b"two").status_code == 204
        moved = raw.request(
            "MOVE",
            f"/remote.php/dav/files/{nc_user.id}/hooked.txt",
            headers={"Destination": f"{nc_user.url}/remote.php/dav/files/{nc_user.id}/renamed.txt"},
        )
        assert moved.status_code == 201
    done = delivered_after(service, start, 3, catcher.url)
    assert [(d.status, d.error) for d in done] == [(200, None)] * 3
    bodies = [json.loads(body) for _, body in catcher.received[-3:]]
    created, written, renamed = bodies
    assert created["event"]["class"] == NODE + "NodeCreatedEvent"
    assert written["event"]["class"] == NODE + "NodeWrittenEvent"
    assert written["event"]["node"]["path"] == f"/{nc_user.id}/files/hooked.txt"
    assert isinstance(written["event"]["node"]["id"], int)
    assert written["user"] == {"uid": nc_user.id, "displayName": nc_user.id}
    assert isinstance(written["time"], int)
    assert renamed["event"]["source"] == {"path": f"/{nc_user.id}/files/hooked.txt"}  # gone: no id
    assert renamed["event"]["target"]["path"] == f"/{nc_user.id}/files/renamed.txt"
    headers = [h for h, _ in catcher.received[-3:]]
    assert all("content-type" not in h for h in headers)
    assert headers[1]["x-webhook-secret"] == "hook-secret"
    assert "x-webhook-secret" not in headers[0]


def test_a_new_calendar_object_and_a_note_are_delivered(
    admin: Any, service: WebhookListenersService, catcher: Catcher, nc_user: Any
) -> None:
    register(
        admin, catcher.url, "OCP\\Calendar\\Events\\CalendarObjectCreatedEvent", eventFilter={"user.uid": nc_user.id}
    )
    start = len(service.wait_delivered(0, to=catcher.url))
    ics = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:hook-1\r\n"
        b"DTSTAMP:20260101T000000Z\r\nDTSTART:20260102T100000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with nc_user.raw() as raw:
        put = raw.put(
            f"/remote.php/dav/calendars/{nc_user.id}/personal/hook-1.ics",
            content=ics,
            headers={"Content-Type": "text/calendar"},
        )
        assert put.status_code == 201, put.text
        note = raw.post("/index.php/apps/notes/api/v1/notes", json={"title": "Hooked", "content": "hi"})
        assert note.status_code == 200
    done = delivered_after(service, start, 2, catcher.url)
    events = {d.body["event"]["class"].rsplit("\\", 1)[1]: d.body["event"] for d in done}
    calendar = events["CalendarObjectCreatedEvent"]
    assert calendar["calendarData"]["uri"] == "personal"
    assert calendar["calendarData"]["principaluri"] == f"principals/users/{nc_user.id}"
    assert calendar["objectData"]["uri"] == "hook-1.ics"
    assert calendar["objectData"]["component"] == "VEVENT"
    assert events["NodeCreatedEvent"]["node"]["path"].startswith(f"/{nc_user.id}/files/Notes/Hooked")
    assert events["NodeCreatedEvent"]["node"]["id"] == note.json()["id"]


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "VIRTUAL_ENV")}
    return subprocess.run(
        [sys.executable, "-m", "nextcloud_mcp_server", "webhooks", *args],
        env={**keep, **env},
        cwd=str(REPO),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_webhooks_command_registers_lists_and_unregisters(admin: Any, standin: Any, tmp_path: Path) -> None:
    env = {
        "NEXTCLOUD_URL": standin.url,
        "NEXTCLOUD_USERNAME": "admin",
        "NEXTCLOUD_PASSWORD": "admin-pw",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "NEXTCLOUD_MCP_SERVER_URL": "https://mcp.example.org",
        "WEBHOOK_SECRET": "cli-secret",
    }
    first = cli(env, "register")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("registered ") == 7
    again = cli(env, "register")
    assert again.stdout.count("already registered") == 7
    listed = cli(env, "list")
    assert listed.stdout.count("https://mcp.example.org/webhooks/nextcloud\trecorded") == 7
    mine = [
        r
        for r in standin.app.services["webhooks"].registrations.values()
        if r.uri.startswith("https://mcp.example.org")
    ]
    assert {r.auth_method for r in mine} == {"header"}
    assert {r.auth_data["X-Webhook-Secret"] for r in mine if r.auth_data} == {"cli-secret"}
    assert "cli-secret" not in first.stdout + first.stderr + listed.stdout
    gone = cli(env, "unregister")
    assert gone.stdout.count("unregistered") == 7
    assert "No webhooks point at" in cli(env, "list").stdout
    refused = cli({**env, "NEXTCLOUD_USERNAME": nc_user_id(standin), "NEXTCLOUD_PASSWORD": "pw"}, "register")
    assert refused.returncode == 1
    assert "admin" in refused.stderr


def nc_user_id(standin: Any) -> str:
    standin.add_user("notadmin", "pw")
    return "notadmin"
