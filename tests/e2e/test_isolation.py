"""Every read is the caller's own, in all three modes: single user with an app password; OAuth with
alice as the configured app-password user and bob signed in with his own token; app mode with
alice and bob as Nextcloud users through the AppAPI simulator.

For every tool and every resource (template) the server's registry knows, bob calls it with
alice's ids, paths and URIs, taken from alice's real objects on the stand-in. Whatever he gets —
a refusal or his own data — never carries anything of alice's: every name and content of hers
holds a random marker that bob's arguments never contain, and the marker must not appear in
any result. The suite walks the registry, so a new tool or resource is covered without editing
this file. A positive control shows alice reaching her marker through the same server, so the
check cannot pass vacuously, and alice's objects are checked on the stand-in afterwards.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import ElicitResult

from nextcloud_mcp_server.registry import Registry
from nextcloud_mcp_server.webhooks.events import CALENDAR_OBJECT_CREATED, NODE_CREATED, NODE_WRITTEN
from tests.conftest import NcUser, StandInHandle
from tests.idp.provisioning import consent, free_port, provisioning_settings, register_server_client, trust_idp
from tests.idp.rig import PUBLIC_CLIENT, IdP, tool_scopes
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

MARK = uuid.uuid4().hex
"""In every name and content of alice's; never in an argument bob sends."""
HOOK_SECRET = "isolation-webhook-secret"
FOLDER = "Private"
FILE = f"{FOLDER}/plan.txt"
SHARES = "/ocs/v2.php/apps/files_sharing/api/v1/shares"
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}
ACTIVITY = "/ocs/v2.php/apps/activity/api/v2/activity"
NOTIFICATIONS = "/ocs/v2.php/apps/notifications/api/v2/notifications"


@dataclass
class Alice:
    """Alice's real objects on the stand-in, created with her own credentials (not through the server)."""

    user: NcUser
    note_id: int
    note_etag: str
    event_uid: str
    todo_uid: str
    contact_uid: str
    share_id: int = 0
    activity_id: int = 0
    file_id: int = 0
    tag: str = ""
    comment_id: int = 0
    notification_id: int = 0
    shopping: dict[str, int] | None = None
    form: dict[str, int] | None = None
    cookbook: dict[str, int] | None = None
    collective: dict[str, int] | None = None
    tables: dict[str, int] | None = None
    deck: dict[str, int] | None = None
    team: dict[str, str] | None = None
    announcement_id: int = 0
    news: dict[str, Any] | None = None
    talk: dict[str, Any] | None = None
    mail: dict[str, Any] | None = None
    cospend: dict[str, Any] | None = None
    flow_id: int = 0
    note_attachment: str = ""
    trash_entry: str = ""
    version_id: str = ""

    def argument(self, name: str) -> Any:
        """Alice's value for an argument of this name (None: no value of hers fits it)."""
        values: dict[str, Any] = {
            "path": FILE,
            "source_path": FILE,
            "destination_path": f"{FOLDER}/copy.txt",
            "scope": FOLDER,
            "path_prefix": FOLDER,
            "note_id": self.note_id,
            "attachment_filename": self.note_attachment,
            "notification_id": self.notification_id,
            **(self.shopping or {}),
            **(self.form or {}),
            **(self.cookbook or {}),
            **(self.collective or {}),
            **(self.tables or {}),
            **(self.deck or {}),
            **(self.team or {}),
            "announcement_id": self.announcement_id,
            **(self.mail or {}),  # before talk's: its `message_id` is a Talk message
            **(self.talk or {}),
            **(self.news or {}),
            **(self.cospend or {}),
            "flow_id": self.flow_id,
            "user_id": self.user.id,
            "tag": self.tag,
            "comment_id": self.comment_id,
            "share_id": self.share_id,
            "since_id": self.activity_id,
            "file_id": self.file_id,
            "provider": "files",
            "entry_id": self.trash_entry,
            "version_id": self.version_id,
            "etag": self.note_etag,
            "calendar_name": "personal",
            "event_uid": self.event_uid,
            "todo_uid": self.todo_uid,
            "addressbook": "contacts",
            "uid": self.contact_uid,
            "name": "contacts",
            "query": "ALICE",  # her objects' names start with it; her marker follows
            "pattern": "ALICE",
            "name_pattern": "ALICE",
            "title_contains": "ALICE",
            "summary_contains": "ALICE",
            "mime_type": "text/plain",
            "content": "written by bob",
            "title": "bob's",
            "summary": "bob's",
            "display_name": "bob's",
            "contact_data": {"fn": "Bob Friend"},
            "start_datetime": "2026-06-10T09:00:00",
            "since": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
            "duration_minutes": 30,
        }
        return values.get(name)

    def arguments(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Arguments for a tool's input schema: alice's values where they fit, a plain value for the rest."""
        arguments: dict[str, Any] = {}
        required = set(schema.get("required", []))
        for name, spec in schema.get("properties", {}).items():
            value = self.argument(name)
            if value is None and name in required:
                value = plain_value(spec, self)
            if value is not None:
                arguments[name] = value
        return arguments

    def uri(self, template: str) -> str:
        """A URI of a resource (template) naming alice's objects."""
        values = {"path": FILE, "note_id": str(self.note_id), "recipe_id": str((self.cookbook or {}).get("recipe_id"))}
        for name, value in values.items():
            template = template.replace("{+" + name + "}", value).replace("{" + name + "}", value)
        assert "{" not in template, f"add a value of alice's for {template}"
        return template


def plain_value(spec: dict[str, Any], alice: Alice) -> Any:
    """A valid value for a required argument no name above matches (a new tool's), pointing at alice."""
    options = [spec, *spec.get("anyOf", [])]
    for option in options:
        if "enum" in option:
            return option["enum"][0]
        kind = option.get("type")
        if kind == "string":
            return datetime.now(UTC).isoformat() if option.get("format") == "date-time" else FILE
        if kind == "integer":
            return alice.note_id
        if kind == "boolean":
            return False
        if kind == "array":
            return []
        if kind == "object":
            return {}
    return FILE


def seed(user: NcUser) -> Alice:
    """Alice's file, hidden-named file, note, event, task and contact, each carrying MARK."""
    dav = f"/remote.php/dav/files/{user.id}"
    cal = f"/remote.php/dav/calendars/{user.id}"
    with user.raw() as raw:
        assert raw.request("MKCOL", f"{dav}/{FOLDER}").status_code == 201
        assert raw.put(f"{dav}/{FILE}", content=f"ALICE plan {MARK}".encode()).status_code == 201
        assert raw.put(f"{dav}/{FOLDER}/ALICE-{MARK}.txt", content=f"ALICE {MARK}".encode()).status_code == 201
        note = raw.post(
            "/index.php/apps/notes/api/v1/notes",
            json={"title": f"ALICE note {MARK}", "content": f"ALICE body {MARK}", "category": ""},
        )
        assert note.status_code == 200, note.text
        # Ids are what bob is handed, so they carry no MARK; the names and contents behind them do.
        event_uid, todo_uid, contact_uid = (f"alice-{kind}-{uuid.uuid4().hex}" for kind in ("event", "todo", "contact"))
        event = ics("VEVENT", event_uid, "DTSTART:20260610T090000Z", "DTEND:20260610T100000Z")
        assert raw.put(f"{cal}/personal/{event_uid}.ics", content=event).status_code == 201
        assert raw.put(f"{cal}/tasks/{todo_uid}.ics", content=ics("VTODO", todo_uid)).status_code == 201
        card = "\r\n".join(
            ["BEGIN:VCARD", "VERSION:3.0", f"UID:{contact_uid}", f"FN:ALICE contact {MARK}", "END:VCARD", ""]
        )
        book = f"/remote.php/dav/addressbooks/users/{user.id}/contacts/{contact_uid}.vcf"
        assert raw.put(book, content=card.encode()).status_code == 201
        link = raw.post(SHARES, headers=OCS, json={"path": FILE, "shareType": 3, "label": f"ALICE link {MARK}"})
        assert link.status_code == 200, link.text
    share_id = int(link.json()["ocs"]["data"]["id"])
    return Alice(user, note.json()["id"], note.json()["etag"], event_uid, todo_uid, contact_uid, share_id)


def ics(component: str, uid: str, *lines: str) -> bytes:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//t//EN", f"BEGIN:{component}", f"UID:{uid}"]
    body += [
        "DTSTAMP:20260101T000000Z",
        f"SUMMARY:ALICE {component} {MARK}",
        *lines,
        f"END:{component}",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(body) + "\r\n").encode()


def alice_events(uid: str) -> list[dict[str, Any]]:
    """Webhook envelopes for changes in alice's namespace, as webhook_listeners delivers them."""
    node = {"id": 4100, "path": f"/{uid}/files/{FOLDER}/ALICE-{MARK}.txt"}
    calendar = {"id": 7, "uri": "personal", "principaluri": f"principals/users/{uid}"}
    user = {"uid": uid, "displayName": uid}
    return [
        {"event": {"class": NODE_CREATED, "node": node}, "user": user, "time": 1767225600},
        {"event": {"class": NODE_WRITTEN, "node": node}, "user": user, "time": 1767225601},
        {
            "event": {
                "class": CALENDAR_OBJECT_CREATED,
                "calendarId": 7,
                "calendarData": calendar,
                "objectData": {"id": 8, "uri": f"ALICE-{MARK}.ics", "component": "VEVENT"},
            },
            "user": user,
            "time": 1767225602,
        },
    ]


Connect = Callable[[], AbstractAsyncContextManager[Client]]


@dataclass
class Mode:
    name: str
    registry: Registry
    bob: Connect
    alice: Connect


def seen(result: Any) -> str:
    """Everything a client got from a tool call or a resource read, as one text (blobs decoded)."""
    parts: list[str] = [json.dumps(getattr(result, "structured_content", None), default=str)]
    for item in [*getattr(result, "content", []), *getattr(result, "contents", [])]:
        resource = getattr(item, "resource", item)
        parts.append(str(getattr(resource, "text", "") or ""))
        blob = getattr(resource, "blob", None)
        if blob:
            parts.append(base64.b64decode(blob).decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def alice(standin: StandInHandle) -> Alice:
    found = seed(standin.add_user("iso-alice", "alice-app-password"))
    with found.user.raw() as raw:  # her newest activity (her writes above recorded some) and her file's id
        found.activity_id = raw.get(ACTIVITY, headers=OCS).json()["ocs"]["data"][0]["activity_id"]
    found.file_id = standin.app.file_id(found.user.files_root / FILE)
    seed_tag_and_comment(found)
    found.note_attachment = seed_note_attachment(found)
    seed_trash_and_version(found)
    notifications = standin.app.services["notifications"]  # private to her, unlike her status or absence
    found.notification_id = notifications.notify(found.user.id, f"ALICE notification {MARK}")
    found.shopping = seed_shopping_list(found)
    found.form = seed_form(found)
    found.cookbook = seed_recipe(found)
    found.collective = seed_collective(found)
    found.tables = seed_table(found)
    found.deck = seed_deck(found)
    found.team = seed_team(found)
    found.announcement_id = seed_announcement(found)
    found.news = seed_news(found)
    found.talk = seed_talk(found)
    found.mail = seed_mail(found)
    found.cospend = seed_cospend(found)
    found.flow_id = seed_flow(found)
    return found


def seed_cospend(alice: Alice) -> dict[str, Any]:
    """Her Cospend project, a member and a bill, all marked, through Cospend's API; the project's and bill's ids."""
    api = "/ocs/v2.php/apps/cospend/api/v1/projects"
    with alice.user.raw() as raw:
        project = raw.post(api, headers=OCS, json={"id": "alice-trip", "name": f"ALICE trip {MARK}"})
        assert project.status_code == 200, project.text
        pid = project.json()["ocs"]["data"]["id"]
        member = raw.post(f"{api}/{pid}/members", headers=OCS, json={"name": f"ALICE {MARK}"}).json()["ocs"]["data"]
        paid = {"what": f"ALICE bill {MARK}", "amount": 5, "payer": member["id"], "payedFor": str(member["id"]),
                "date": "2026-05-01", "repeat": "n"}  # fmt: skip
        bill = raw.post(f"{api}/{pid}/bills", headers=OCS, json=paid)
        assert bill.status_code == 200, bill.text
    return {"project_id": pid, "bill_id": bill.json()["ocs"]["data"]}


def seed_flow(alice: Alice) -> int:
    """Her flow, its name and a check's value marked, through the workflowengine's OCS API; its id."""
    flow = {"class": "OCA\\WorkflowPDFConverter\\Operation", "name": f"ALICE flow {MARK}", "operation": "keep;preserve",
            "entity": "OCA\\WorkflowEngine\\Entity\\File", "events": ["\\OCP\\Files::postCreate"],
            "checks": [{"class": "OCA\\WorkflowEngine\\Check\\FileName", "operator": "is", "value": MARK}]}  # fmt: skip
    with alice.user.raw() as raw:
        made = raw.post("/ocs/v2.php/apps/workflowengine/api/v1/workflows/user", headers=OCS, json=flow)
    assert made.status_code == 200, made.text
    return int(made.json()["ocs"]["data"]["id"])


def seed_team(alice: Alice) -> dict[str, str]:
    """Her secret team (name and description marked) with a marked email member, through Circles' API; their ids."""
    api = "/ocs/v2.php/apps/circles/circles"
    with alice.user.raw() as raw:
        team = raw.post(api, headers=OCS, json={"name": f"ALICE team {MARK}"}).json()["ocs"]["data"]["id"]
        assert raw.put(f"{api}/{team}/description", headers=OCS, json={"value": MARK}).is_success
        member = raw.post(f"{api}/{team}/members", headers=OCS, json={"userId": f"{MARK}@example.com", "type": 4})
        assert member.status_code == 200, member.text
    return {"team_id": team, "member_id": member.json()["ocs"]["data"]["id"]}


def seed_announcement(alice: Alice) -> int:
    """A marked announcement an admin posted to a group only she is in (bob may not read it); its id."""
    standin = alice.user.standin.app
    standin.services["provisioning_api"].add_group("iso-alice-only", alice.user.id)
    return int(standin.services["announcementcenter"].post("admin", f"ALICE {MARK}", groups=["iso-alice-only"]))


def seed_deck(alice: Alice) -> dict[str, int]:
    """Her Deck board with a stack, a labelled card and a comment, all marked, through Deck's API; their ids."""
    api = "/index.php/apps/deck/api/v1.0/boards"
    with alice.user.raw() as raw:
        board = raw.post(api, headers=OCS, json={"title": f"ALICE board {MARK}", "color": "31CC7C"}).json()
        stack = raw.post(f"{api}/{board['id']}/stacks", headers=OCS, json={"title": f"ALICE {MARK}", "order": 0})
        stack_id = stack.json()["id"]
        card = raw.post(f"{api}/{board['id']}/stacks/{stack_id}/cards", headers=OCS,
                        json={"title": f"ALICE card {MARK}", "description": MARK}).json()  # fmt: skip
        label_id = board["labels"][0]["id"]
        path = f"{api}/{board['id']}/stacks/{stack_id}/cards/{card['id']}/assignLabel"
        assert raw.put(path, headers=OCS, json={"labelId": label_id}).is_success
        comment = raw.post(f"/ocs/v2.php/apps/deck/api/v1.0/cards/{card['id']}/comments", headers=OCS,
                           json={"message": f"ALICE {MARK}"})  # fmt: skip
        assert comment.status_code == 200, comment.text
    ids = {"board_id": board["id"], "stack_id": stack_id, "card_id": card["id"], "label_id": label_id}
    return {**ids, "source_board_id": board["id"], "source_stack_id": stack_id, "target_board_id": board["id"],
            "target_stack_id": stack_id}  # fmt: skip


def seed_table(alice: Alice) -> dict[str, int]:
    """Her table with a marked column, row and view, through the Tables API; their ids."""
    with alice.user.raw() as raw:
        made = raw.post("/ocs/v2.php/apps/tables/api/2/tables", headers=OCS, json={"title": f"ALICE table {MARK}"})
        table_id = made.json()["ocs"]["data"]["id"]
        column = raw.post("/ocs/v2.php/apps/tables/api/2/columns/text", headers=OCS,
                          json={"baseNodeId": table_id, "title": f"ALICE {MARK}", "subtype": "line"})  # fmt: skip
        column_id = column.json()["ocs"]["data"]["id"]
        row = raw.post(f"/ocs/v2.php/apps/tables/api/2/tables/{table_id}/rows", headers=OCS,
                       json={"data": {str(column_id): f"ALICE row {MARK}"}})  # fmt: skip
        view = raw.post(f"/index.php/apps/tables/api/1/tables/{table_id}/views", json={"title": f"ALICE {MARK}"})
        context = raw.post("/ocs/v2.php/apps/tables/api/2/contexts", headers=OCS, json={
            "name": f"ALICE app {MARK}", "iconName": "star", "nodes": [{"id": table_id, "type": 0}]})  # fmt: skip
    assert view.status_code == 200, view.text
    assert context.status_code == 200, context.text
    return {"table_id": table_id, "column_id": column_id, "row_id": row.json()["ocs"]["data"]["id"],
            "view_id": view.json()["id"], "node_id": table_id,
            "context_id": context.json()["ocs"]["data"]["id"]}  # fmt: skip


def seed_collective(alice: Alice) -> dict[str, int]:
    """Her collective and a page in it, name, title and content marked, through the Collectives API; their ids."""
    api = "/ocs/v2.php/apps/collectives/api/v1.0/collectives"
    with alice.user.raw() as raw:
        made = raw.post(api, headers=OCS, json={"name": f"ALICE wiki {MARK}"})
        assert made.status_code == 200, made.text
        collective_id = made.json()["ocs"]["data"]["collective"]["id"]
        landing = raw.get(f"{api}/{collective_id}/pages", headers=OCS).json()["ocs"]["data"]["pages"][0]
        page = raw.post(f"{api}/{collective_id}/pages/{landing['id']}", headers=OCS, json={"title": f"ALICE {MARK}"})
        info = page.json()["ocs"]["data"]["page"]
        dav = f"/remote.php/dav/files/{alice.user.id}/{info['collectivePath']}/{info['fileName']}"
        assert raw.put(dav, content=f"ALICE page {MARK}".encode()).status_code == 204
    return {"collective_id": collective_id, "page_id": info["id"], "parent_id": landing["id"]}


def seed_news(alice: Alice) -> dict[str, Any]:
    """Her News folder and a feed in it whose title and items carry MARK (fetched by the emulated News); their ids."""
    from tests.standin.apps._news_feeds import feed_url

    api = "/index.php/apps/news/api/v1-3"
    with alice.user.raw() as raw:
        folder = raw.post(f"{api}/folders", json={"name": f"ALICE news {MARK}"})
        assert folder.status_code == 200, folder.text
        folder_id = folder.json()["folders"][0]["id"]
        feed = raw.post(f"{api}/feeds", json={"url": feed_url("rss", f"ALICE-{MARK}"), "folderId": folder_id})
        assert feed.status_code == 200, feed.text
        items = raw.get(f"{api}/items", params={"type": 0, "id": feed.json()["feeds"][0]["id"], "batchSize": -1})
    item_ids = [item["id"] for item in items.json()["items"]]
    return {"folder_id": folder_id, "feed_id": feed.json()["feeds"][0]["id"], "item_ids": item_ids}


def seed_shopping_list(alice: Alice) -> dict[str, int]:
    """Her shopping list and a checked item on it, both marked, through the Shopping List API; their ids."""
    lists = "/ocs/v2.php/apps/shopping_list/api/v1/lists"
    with alice.user.raw() as raw:
        made = raw.post(lists, headers=OCS, json={"title": f"ALICE list {MARK}"})
        assert made.status_code == 201, made.text
        list_id = made.json()["ocs"]["data"]["id"]
        item = raw.post(f"{lists}/{list_id}/items", headers=OCS, json={"name": f"ALICE item {MARK}"})
        assert item.status_code == 201, item.text
        item_id = item.json()["ocs"]["data"]["id"]
        assert raw.put(f"{lists}/{list_id}/items/{item_id}/check", headers=OCS, json={"checked": True}).is_success
    return {"list_id": list_id, "item_id": item_id}


def seed_trash_and_version(alice: Alice) -> None:
    """A deleted file of hers whose original location carries MARK (its entry id does not), and an
    earlier version of FILE (its content rewritten as it was, an hour after its first write)."""
    dav = f"/remote.php/dav/files/{alice.user.id}"
    with alice.user.raw() as raw:
        assert raw.request("MKCOL", f"{dav}/{FOLDER}/ALICE-{MARK}-old").status_code == 201
        assert raw.put(f"{dav}/{FOLDER}/ALICE-{MARK}-old/discarded.txt", content=b"old").status_code == 201
        assert raw.delete(f"{dav}/{FOLDER}/ALICE-{MARK}-old/discarded.txt").status_code == 204
        disk = alice.user.files_root / FILE
        stamp = int(disk.stat().st_mtime) - 3600
        os.utime(disk, (stamp, stamp))
        assert raw.put(f"{dav}/{FILE}", content=disk.read_bytes()).status_code == 204
    trash = alice.user.standin.app.services["files_trashbin"].entries(alice.user.id)
    alice.trash_entry = next(name for name, entry in trash.items() if MARK in entry.location)
    alice.version_id = str(stamp)


def seed_form(alice: Alice) -> dict[str, int]:
    """Her form (title, question, option and her own answer marked) and its ids, through the Forms API."""
    forms = "/ocs/v2.php/apps/forms/api/v3/forms"
    with alice.user.raw() as raw:
        form = raw.post(forms, headers=OCS).json()["ocs"]["data"]["id"]
        assert raw.patch(
            f"{forms}/{form}", headers=OCS, json={"keyValuePairs": {"title": f"ALICE form {MARK}"}}
        ).is_success
        question = raw.post(
            f"{forms}/{form}/questions", headers=OCS, json={"type": "dropdown", "text": f"ALICE {MARK}"}
        )
        question_id = question.json()["ocs"]["data"]["id"]
        option = raw.post(f"{forms}/{form}/questions/{question_id}/options", headers=OCS, json={"optionTexts": [MARK]})
        option_id = option.json()["ocs"]["data"][0]["id"]
        answers = {"answers": {str(question_id): [str(option_id)]}}
        assert raw.post(f"{forms}/{form}/submissions", headers=OCS, json=answers).status_code == 201
        submission = raw.get(f"{forms}/{form}/submissions", headers=OCS).json()["ocs"]["data"]["submissions"][0]["id"]
    return {"form_id": form, "question_id": question_id, "option_id": option_id, "submission_id": submission}


def seed_recipe(alice: Alice) -> dict[str, int]:
    """Her recipe (name and ingredients marked; its category and keyword are ALICE) through the Cookbook API."""
    recipe = {
        "name": f"ALICE recipe {MARK}",
        "recipeIngredient": [MARK],
        "recipeCategory": "ALICE",
        "keywords": "ALICE",
    }
    with alice.user.raw() as raw:
        made = raw.post("/index.php/apps/cookbook/api/v1/recipes", json=recipe)
    assert made.status_code == 200, made.text
    return {"recipe_id": made.json()}


def seed_note_attachment(alice: Alice) -> str:
    """A marked file embedded in her note, uploaded as the Notes app does; its name (no MARK)."""
    with alice.user.raw() as raw:
        upload = raw.post(
            f"/index.php/apps/notes/api/v1.4/attachment/{alice.note_id}",
            files={"file": ("plan.txt", f"ALICE attachment {MARK}".encode(), "text/plain")},
        )
    assert upload.status_code == 200, upload.text
    return str(upload.json()["filename"])


def seed_tag_and_comment(alice: Alice) -> None:
    """A tag on her marked file and a marked comment on FILE. Tags are instance-wide (bob may see
    the tag itself, as in Nextcloud), so its name carries no MARK; the file it marks does."""
    marked = alice.user.standin.app.file_id(alice.user.files_root / FOLDER / f"ALICE-{MARK}.txt")
    alice.tag = f"iso-tag-{uuid.uuid4().hex[:8]}"
    with alice.user.raw() as raw:
        created = raw.post("/remote.php/dav/systemtags/", json={"name": alice.tag})
        assert created.status_code == 201, created.text
        tag_id = created.headers["Content-Location"].rsplit("/", 1)[-1]
        assigned = raw.put(f"/remote.php/dav/systemtags-relations/files/{marked}/{tag_id}")
        assert assigned.status_code == 201, assigned.text
        comment = {"actorType": "users", "verb": "comment", "message": f"ALICE comment {MARK}"}
        posted = raw.post(f"/remote.php/dav/comments/files/{alice.file_id}", json=comment)
        assert posted.status_code == 201, posted.text
    alice.comment_id = int(posted.headers["Content-Location"].rsplit("/", 1)[-1])


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("iso-bob", "bob-app-password")


def post_events(url: str, uid: str) -> None:
    with httpx.Client() as http:
        for envelope in alice_events(uid):
            response = http.post(
                f"{url}/webhooks/nextcloud", content=json.dumps(envelope), headers={"X-Webhook-Secret": HOOK_SECRET}
            )
            assert response.status_code == 200, response.text


def plain(url: str) -> Connect:
    return lambda: Client(f"{url}/mcp")


def bearer(url: str, token: str, elicitation: Any = None) -> Connect:
    def connect() -> Client:
        http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
        return Client(streamable_http_client(f"{url}/mcp", http_client=http), elicitation_callback=elicitation)

    return connect


def through_proxy(nextcloud_url: str, user: NcUser) -> Connect:
    """A Nextcloud user's MCP client at the app's HaRP URL, signed in to Nextcloud with an app password."""
    from tests.appapi.harness import APP_ID

    @asynccontextmanager
    async def connect() -> AsyncIterator[Client]:
        url = f"{nextcloud_url}/exapps/{APP_ID}/mcp"
        async with (
            create_mcp_http_client(auth=httpx2.BasicAuth(user.id, user.password)) as http,
            Client(streamable_http_client(url, http_client=http)) as client,
        ):
            yield client

    return connect


@dataclass
class OAuthServer:
    url: str
    registry: Registry
    idp: IdP

    def token(self, user: str) -> str:
        return self.idp.token(
            user, scopes=tool_scopes(), resource=f"{self.url}/mcp", client_id=PUBLIC_CLIENT
        ).access_token

    def browser(self, user: str) -> Any:
        """The elicitation callback of `user`'s client: they open the consent link and grant access."""

        async def open_link(context: Any, params: Any) -> ElicitResult:
            query = await anyio.to_thread.run_sync(
                lambda: consent(self.idp, user, params.url, f"{self.url}/oauth/callback")
            )
            async with httpx.AsyncClient() as http:
                assert (await http.get(f"{self.url}/oauth/callback?{urlencode(query)}")).status_code == 200
            return ElicitResult(action="accept")

        return open_link


@pytest.fixture(scope="module")
def oauth_server(alice: Alice, standin: StandInHandle, idp: IdP) -> Iterator[OAuthServer]:
    """Alice is NEXTCLOUD_USERNAME with her app password; everyone else provisions their own access (Flow 2)."""
    from nextcloud_mcp_server.app import build_app

    trust_idp(standin.app, idp, standin.url)
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    client = register_server_client(idp, f"{public}/oauth/callback")
    settings = provisioning_settings(
        alice.user.settings(webhook_secret=HOOK_SECRET, toolsets=["all"]), idp, public, client
    )
    app = build_app(settings)
    with serve_in_thread(app, port=port, lifespan="on"):
        post_events(public, alice.user.id)
        yield OAuthServer(public, app.state.deps.registry, idp)


@pytest.fixture(scope="module", params=["app_password", "oauth", "app"])
async def mode(
    request: pytest.FixtureRequest, alice: Alice, bob: NcUser, standin: StandInHandle
) -> AsyncIterator[Mode]:
    if request.param == "oauth":
        server: OAuthServer = request.getfixturevalue("oauth_server")
        bob_token, alice_token = server.token(bob.id), server.token(alice.user.id)
        yield Mode(
            "oauth",
            server.registry,
            bearer(server.url, bob_token, server.browser(bob.id)),
            bearer(server.url, alice_token),
        )
        return
    with ExitStack() as stack:
        if request.param == "app_password":
            yield await anyio.to_thread.run_sync(lambda: app_password_mode(stack, alice, bob))
        else:
            yield await app_mode(stack, alice, bob, standin, request.getfixturevalue("tmp_path_factory"))


def app_password_mode(stack: ExitStack, alice: Alice, bob: NcUser) -> Mode:
    """Bob's single-user server, and alice's beside it on the same store (two replicas' worth of inbox)."""
    from nextcloud_mcp_server.app import build_app

    bob_app = build_app(bob.settings(webhook_secret=HOOK_SECRET, toolsets=["all"]))
    alice_app = build_app(
        alice.user.settings(database_url=bob.database_url, webhook_secret=HOOK_SECRET, toolsets=["all"])
    )
    bob_url = stack.enter_context(serve_in_thread(bob_app, lifespan="on"))
    alice_url = stack.enter_context(serve_in_thread(alice_app, lifespan="on"))
    post_events(bob_url, alice.user.id)  # an admin's webhook for every user also reaches bob's server
    return Mode("app_password", bob_app.state.deps.registry, plain(bob_url), plain(alice_url))


async def app_mode(stack: ExitStack, alice: Alice, bob: NcUser, standin: StandInHandle, tmp: Any) -> Mode:
    """The ExApp behind the AppAPI simulator; alice's changes arrive through AppAPI's webhook deliveries."""
    from ex_app.app import build_exapp, exapp_settings
    from tests.appapi.harness import APP_ID, APP_SECRET, exapp_env, serve_simulator

    simulator, nextcloud_url = stack.enter_context(serve_simulator(standin.app))
    env = exapp_env(nextcloud_url, tmp.mktemp("isolation-exapp"))
    app = build_exapp(env, exapp_settings(env, toolsets=["all"]), host="127.0.0.1", settings_ttl=0)
    exapp_url = stack.enter_context(serve_in_thread(app, lifespan="on"))
    await simulator.register(APP_ID, url=exapp_url, secret=APP_SECRET, version=env.app_version)
    hooks = {hook.event: hook for hook in simulator.registry.webhooks_of(APP_ID) if not hook.event_filter}
    for envelope in alice_events(alice.user.id):
        response = await simulator.deliver(hooks[envelope["event"]["class"]], envelope)
        assert response.status_code == 200, response.text
    return Mode("app", app.state.registry, through_proxy(nextcloud_url, bob), through_proxy(nextcloud_url, alice.user))


async def listed_tools(client: Client) -> dict[str, Any]:
    tools: dict[str, Any] = {}
    cursor = None
    while True:
        page = await client.list_tools(cursor=cursor) if cursor else await client.list_tools()
        tools.update((tool.name, tool) for tool in page.tools)
        if not (cursor := page.next_cursor):
            return tools


async def read(client: Client, uri: str) -> str:
    """What reading `uri` showed the client: the contents, or the refusal's message."""
    try:
        return seen(await client.read_resource(uri))
    except MCPError as exc:
        return str(exc)


async def test_bob_gets_a_refusal_or_his_own_data_from_every_tool(mode: Mode, alice: Alice) -> None:
    leaks: dict[str, str] = {}
    async with mode.bob() as client:
        listed = await listed_tools(client)
        assert sorted(set(mode.registry.tools) - set(listed)) == []  # nothing hidden from him in this mode
        for name in mode.registry.tools:
            result = await client.call_tool(name, alice.arguments(listed[name].input_schema))
            if MARK in (text := seen(result)):
                leaks[name] = text[:300]
    assert leaks == {}


async def test_bob_gets_a_refusal_or_his_own_data_from_every_resource(mode: Mode, alice: Alice) -> None:
    leaks: dict[str, str] = {}
    async with mode.bob() as client:
        for template in mode.registry.resources:
            uri = alice.uri(template)
            if MARK in (text := await read(client, uri)):
                leaks[uri] = text[:300]
    assert leaks == {}


async def test_alice_reaches_her_own_marked_objects_through_the_same_server(mode: Mode, alice: Alice) -> None:
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    async with mode.alice() as client:
        file = await read(client, f"nc://files/{FOLDER}/ALICE-{MARK}.txt")
        notes = seen(await client.call_tool("nc_notes_search_notes", {"query": "ALICE"}))
        comments = seen(await client.call_tool("nc_webdav_list_comments", {"path": FILE}))
        tagged = seen(await client.call_tool("nc_webdav_find_by_tag_name", {"tag": alice.tag}))
        feed = seen(await client.call_tool("nc_activity_recent_changes", {"since": since}))
        recent = await read(client, "nc://activity/recent")
        trash = seen(await client.call_tool("nc_webdav_list_trash", {"limit": 500}))
        share = seen(await client.call_tool("nc_share_get", {"share_id": alice.share_id}))
        notifications = seen(await client.call_tool("nc_notifications_list", {}))
        shopping = seen(await client.call_tool("nc_shopping_list_get_items", {"list_id": alice.argument("list_id")}))
        stream = seen(await client.call_tool("nc_activity_list", {}))
        found = seen(await client.call_tool("nc_search_unified", {"query": "ALICE"}))
        form = seen(await client.call_tool("nc_forms_get", {"form_id": alice.argument("form_id")}))
        recipe = seen(await client.call_tool("nc_cookbook_get_recipe", {"recipe_id": alice.argument("recipe_id")}))
        recipe_resource = await read(client, alice.uri("nc://cookbook/recipes/{recipe_id}"))
        board = seen(await client.call_tool("deck_get_board_overview", {"board_id": alice.argument("board_id")}))
        news = seen(await client.call_tool("nc_news_list_items", {"feed_id": alice.argument("feed_id")}))
        mail = seen(await client.call_tool("nc_mail_list_messages", {"mailbox_id": alice.argument("mailbox_id")}))
        bills = seen(await client.call_tool("nc_cospend_list_bills", {"project_id": alice.argument("project_id")}))
        flow = seen(await client.call_tool("nc_flows_get", {"flow_id": alice.flow_id}))
    assert MARK in stream
    assert MARK in found
    assert MARK in form
    assert MARK in recipe
    assert MARK in recipe_resource
    assert MARK in board
    assert MARK in news
    assert MARK in mail
    assert MARK in bills
    assert MARK in flow
    assert MARK in share
    assert MARK in notifications
    assert MARK in shopping
    assert MARK in file
    assert MARK in notes
    assert MARK in comments
    assert f"ALICE-{MARK}.txt" in tagged
    assert f"{FOLDER}/ALICE-{MARK}.txt" in feed
    assert f"personal/ALICE-{MARK}.ics" in feed
    assert MARK in recent
    assert MARK in trash


def test_alices_objects_are_unchanged_on_the_stand_in(mode: Mode, alice: Alice) -> None:
    cal = f"/remote.php/dav/calendars/{alice.user.id}"
    with alice.user.raw() as raw:
        assert raw.get(f"/remote.php/dav/files/{alice.user.id}/{FILE}").text == f"ALICE plan {MARK}"
        note = raw.get(f"/index.php/apps/notes/api/v1/notes/{alice.note_id}").json()
        assert (note["title"], note["content"]) == (f"ALICE note {MARK}", f"ALICE body {MARK}")
        assert MARK in raw.get(f"{cal}/personal/{alice.event_uid}.ics").text
        assert MARK in raw.get(f"{cal}/tasks/{alice.todo_uid}.ics").text
        book = f"/remote.php/dav/addressbooks/users/{alice.user.id}/contacts/{alice.contact_uid}.vcf"
        assert MARK in raw.get(book).text
        assert MARK in raw.get(f"{SHARES}/{alice.share_id}", headers=OCS).json()["ocs"]["data"][0]["label"]
        notification = raw.get(f"{NOTIFICATIONS}/{alice.notification_id}", headers=OCS).json()["ocs"]["data"]
        assert MARK in notification["subject"]
        lists = "/ocs/v2.php/apps/shopping_list/api/v1/lists"
        items = raw.get(f"{lists}/{alice.argument('list_id')}/items", headers=OCS).json()["ocs"]["data"]
        assert [(i["name"], i["checked"]) for i in items] == [(f"ALICE item {MARK}", True)]
        form = raw.get(f"/ocs/v2.php/apps/forms/api/v3/forms/{alice.argument('form_id')}", headers=OCS).json()
        assert MARK in form["ocs"]["data"]["title"]
        cospend = raw.get(f"/ocs/v2.php/apps/cospend/api/v1/projects/{alice.argument('project_id')}", headers=OCS)
        assert MARK in cospend.json()["ocs"]["data"]["name"]
        assert alice.user.standin.app.services["workflowengine"].rules[alice.flow_id].name == f"ALICE flow {MARK}"
        news_items = "/index.php/apps/news/api/v1-3/items"
        news = raw.get(news_items, params={"type": 0, "id": alice.argument("feed_id")}).json()
        assert [(MARK in i["title"], i["unread"], i["starred"]) for i in news["items"]] == [(True, True, False)] * 3


async def test_an_oauth_user_who_never_granted_access_is_refused_every_read_with_the_consent_link(
    oauth_server: OAuthServer, alice: Alice, standin: StandInHandle
) -> None:
    """The reported leak: a signed-in user without Flow 2 access read alice's file as a resource."""
    standin.add_user("iso-carol", "carol-app-password")
    connect = bearer(oauth_server.url, oauth_server.token("iso-carol"))  # no elicitation: the link comes as an error
    async with connect() as client:
        answers = {uri: await read(client, alice.uri(uri)) for uri in oauth_server.registry.resources}
        tools = await listed_tools(client)
        for name, info in oauth_server.registry.tools.items():
            if info.toolset is not None:  # the nc_auth_* tools concern the caller's own grant
                answers[name] = seen(await client.call_tool(name, alice.arguments(tools[name].input_schema)))
    assert {key: text for key, text in answers.items() if MARK in text} == {}
    refused = {key for key, text in answers.items() if "has not granted this server access" in text}
    # Everything that reads Nextcloud is refused with the link; her (empty) change feed is her own, from the store.
    assert {"nc://files/{+path}", "nc://notes/{note_id}", "nc://notes", "nc://capabilities"} <= refused
    assert {"nc_webdav_read_file", "nc_notes_get_note", "nc_calendar_get_event", "nc_contacts_list_contacts"} <= refused
    assert all("/oauth/authorize-nextcloud?ticket=" in answers[key] for key in refused)


def seed_talk(alice: Alice) -> dict[str, Any]:
    """Her Talk conversation (she alone in it), a message and a poll, all marked; their ids."""
    api = "/ocs/v2.php/apps/spreed/api"
    with alice.user.raw() as raw:
        room = raw.post(f"{api}/v4/room", headers=OCS, json={"roomType": 2, "roomName": f"ALICE room {MARK}"})
        assert room.status_code == 201, room.text
        token, attendee_id = room.json()["ocs"]["data"]["token"], room.json()["ocs"]["data"]["attendeeId"]
        sent = raw.post(f"{api}/v1/chat/{token}", headers=OCS, json={"message": f"ALICE message {MARK}"})
        question = {"question": f"ALICE {MARK}", "options": [MARK, "no"], "resultMode": 0, "maxVotes": 1}
        poll = raw.post(f"{api}/v1/poll/{token}", headers=OCS, json=question)
        assert poll.status_code == 201, poll.text
        thread = raw.post(f"{api}/v1/chat/{token}", headers=OCS, json={"message": MARK, "threadTitle": f"ALICE {MARK}"})
        message_id = sent.json()["ocs"]["data"]["id"]
        assert raw.post(f"{api}/v1/chat/{token}/{message_id}/pin", headers=OCS, json={}).status_code == 200
        later = {"timestamp": int(datetime.now(UTC).timestamp()) + 86400}
        assert raw.post(f"{api}/v1/chat/{token}/{message_id}/reminder", headers=OCS, json=later).status_code == 201
    return {"token": token, "message_id": message_id, "poll_id": poll.json()["ocs"]["data"]["id"],
            "attendee_id": attendee_id, "thread_id": thread.json()["ocs"]["data"]["id"]}  # fmt: skip


def seed_mail(alice: Alice) -> dict[str, Any]:
    """A marked mail with a marked attachment in her INBOX, as IMAP delivers it (Mail has no route for that)."""
    mail = alice.user.standin.app.services["mail"]
    account = mail.account_of(alice.user.id)
    raw = mail.compose("Carol <carol@example.net>", [account.email], f"ALICE mail {MARK}", f"ALICE {MARK}",
                       attachments=[(f"ALICE-{MARK}.txt", "text/plain", MARK.encode())])  # fmt: skip
    message = mail.deliver(mail.mailbox_of(alice.user.id, "INBOX"), raw)
    return {"account_id": account.id, "mailbox_id": message.mailbox_id, "reply_to_message_id": message.id,
            "destination_mailbox_id": mail.mailbox_of(alice.user.id, "Junk").id, "attachment_id": "2"}  # fmt: skip
