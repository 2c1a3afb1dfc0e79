"""The stand-in's webhook_listeners: its OCS API agrees with Nextcloud's contract, it delivers
file, note, calendar-object and rename events as Nextcloud does (JSON without a Content-Type,
the registration's auth headers), an ExApp registers through AppAPI (as itself too) and gets its
relative uri delivered through AppAPI only, and `nextcloud-mcp-server webhooks
register|list|unregister` works against it and records the registrations in the store."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.test_contracts import MISSING, NC31, contract, response_schema, validate
from tests.standin.apps.webhook_listeners import WebhookListenersApp

REPO = Path(__file__).resolve().parents[2]
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}
BASE = "/ocs/v2.php/apps/webhook_listeners/api/v1/webhooks"
NODE = "OCP\\Files\\Events\\Node\\"


class Catcher:
    """A tiny HTTP endpoint that records what it receives (the receiving end of a webhook)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.paths: list[str] = []
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                catcher.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                catcher.paths.append(self.path)
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
def service(standin: Any) -> WebhookListenersApp:
    return standin.app.services["webhook_listeners"]


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


def delivered_after(service: WebhookListenersApp, already: int, count: int, uri: str) -> list[Any]:
    """The `count` deliveries to `uri` after the first `already` (earlier tests' may still be queued)."""
    return service.wait_delivered(already + count, to=uri)[already:]


@pytest.mark.skipif(not NC31.is_dir(), reason=MISSING)
def test_registering_listing_and_deleting_answer_as_the_contract_says(admin: Any) -> None:
    document = contract("webhook_listeners.openapi.json")  # with its errata (test_contracts.ERRATA)
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
    admin: Any, service: WebhookListenersApp, catcher: Catcher, nc_user: Any
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
    admin: Any, service: WebhookListenersApp, catcher: Catcher, nc_user: Any
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


EXAPP, EXAPP_SECRET = "standin_exapp", "standin-exapp-secret-0123456789"


@pytest.fixture
def ex_app(standin: Any, service: WebhookListenersApp) -> Iterator[str]:
    """An enabled ExApp (what the AppAPI simulator tells the stand-in on enable); its registrations go after."""
    standin.app.ex_apps[EXAPP] = EXAPP_SECRET
    yield EXAPP
    standin.app.ex_apps.pop(EXAPP, None)
    service.delete_by_app_id(EXAPP)


def as_ex_app(standin: Any, user: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A request as the ExApp sends it through AppAPI, for `user` ("" = as the app itself)."""
    signature = base64.b64encode(f"{user}:{EXAPP_SECRET}".encode()).decode()
    headers = {"EX-APP-ID": EXAPP, "EX-APP-VERSION": "1.0.0", "AUTHORIZATION-APP-API": signature, **OCS}
    return httpx.request(method, standin.url + path, headers=headers, timeout=30, **kwargs)


def test_an_ex_app_registers_as_itself_or_for_an_admin_and_its_registrations_carry_its_id(
    admin: Any, nc_user: Any, standin: Any, ex_app: str
) -> None:
    body = {"httpMethod": "POST", "uri": "/standin-exapp/hook", "event": NODE + "NodeCreatedEvent"}
    itself = as_ex_app(standin, "", "POST", BASE, json=body)
    for_admin = as_ex_app(standin, admin.id, "POST", BASE, json=body)
    for_a_user = as_ex_app(standin, nc_user.id, "POST", BASE, json=body)
    elsewhere = as_ex_app(standin, "", "GET", "/ocs/v2.php/cloud/user")  # no user: only where Nextcloud allows it
    with admin.raw() as raw:  # the header alone is no AppAPI call: the admin's registration is the admin's
        forged = raw.post(BASE, json=body, headers={**OCS, "EX-APP-ID": ex_app})
    assert itself.status_code == 200, itself.text
    assert for_admin.status_code == 200, for_admin.text
    assert for_a_user.status_code == 403
    assert elsewhere.status_code == 401
    assert forged.status_code == 200
    mine, admins = itself.json()["ocs"]["data"], for_admin.json()["ocs"]["data"]
    assert (mine["appId"], mine["userId"], mine["uri"]) == (ex_app, None, "/standin-exapp/hook")
    assert (admins["appId"], admins["userId"]) == (ex_app, admin.id)
    assert forged.json()["ocs"]["data"]["appId"] is None
    listed = as_ex_app(standin, "", "GET", BASE.replace("/v2.php/", "/v1.php/"), params={"uri": body["uri"]})
    assert listed.json()["ocs"]["meta"]["statuscode"] == 100  # v1, as nc_py_api calls it
    assert sorted((h["id"], h["appId"]) for h in listed.json()["ocs"]["data"]) == sorted(
        [(mine["id"], ex_app), (admins["id"], ex_app), (forged.json()["ocs"]["data"]["id"], None)]
    )
    removed = as_ex_app(standin, "", "DELETE", f"{BASE}/byappid/{ex_app}")
    assert removed.json()["ocs"]["data"] == 2
    with admin.raw() as raw:
        assert raw.delete(f"{BASE}/{forged.json()['ocs']['data']['id']}", headers=OCS).json()["ocs"]["data"] is True


def test_an_ex_apps_relative_uri_is_delivered_through_app_api_and_never_posted_without_it(
    standin: Any, service: WebhookListenersApp, nc_user: Any, ex_app: str
) -> None:
    from tests.appapi.simulator import AppApiSimulator
    from tests.appapi.state import ExApp

    exapp = Catcher()  # the ExApp's server: Nextcloud reaches it at its url + the registration's uri
    base = exapp.url.removesuffix("/hook")
    service.register(None, "/hook", NODE + "NodeCreatedEvent", app_id=ex_app, user_id_filter=nc_user.id)
    start = len(service.wait_delivered(0, to="/hook"))

    def create(name: str) -> Any:
        with nc_user.raw() as raw:
            assert raw.put(f"/remote.php/dav/files/{nc_user.id}/{name}", content=b"x").status_code == 201
        return service.wait_delivered(start + 1, to="/hook")[start]

    assert service.app_api is None  # no AppAPI installed (every simulator before this one was closed)
    simulator: AppApiSimulator | None = None
    try:
        without = create("exapp-1.txt")
        start += 1
        simulator = AppApiSimulator(standin.app)  # AppAPI installed; the ExApp registered but disabled
        simulator.registry.apps[ex_app] = ExApp(ex_app, "1.0.0", EXAPP_SECRET, base, routes=[], enabled=False)
        disabled = create("exapp-2.txt")
        start += 1
        simulator.registry.apps[ex_app].enabled = True
        through = create("exapp-3.txt")
    finally:
        if simulator is not None:
            simulator.close()
        exapp.server.shutdown()
    assert service.app_api is None
    assert service.of_app(ex_app) == []  # that Nextcloud's ExApp registrations went with it
    assert (without.status, without.error) == (None, "AppAPI is disabled or not installed.")
    assert (disabled.status, disabled.error) == (None, f"ExApp {ex_app} is disabled.")
    assert (through.status, through.error) == (200, None)
    assert exapp.paths == ["/hook"]  # one request: neither failed delivery was sent anywhere
    [(headers, body)] = exapp.received
    assert json.loads(body)["event"]["node"]["path"] == f"/{nc_user.id}/files/exapp-3.txt"
    assert "content-type" not in headers
    assert headers["ex-app-id"] == ex_app
    assert base64.b64decode(headers["authorization-app-api"]).decode() == f":{EXAPP_SECRET}"  # the app, no user


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
        for r in standin.app.services["webhook_listeners"].registrations.values()
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
