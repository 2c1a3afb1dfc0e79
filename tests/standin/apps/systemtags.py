"""Collaborative (system) tags, as Nextcloud 31's dav app serves them (apps/dav/lib/SystemTag/).

Tags are instance-wide: every user sees the user-visible ones, admins see all. A tag has an id,
a name and two flags: `user-visible` and `user-assignable` (the UI's public / restricted /
invisible). Routes:

- `PROPFIND /remote.php/dav/systemtags/` lists the tags the caller can see (oc:id,
  oc:display-name, oc:user-visible, oc:user-assignable, oc:can-assign);
- `POST /remote.php/dav/systemtags/` with JSON `{"name", "userVisible", "userAssignable"}` creates
  one: 201 with `Content-Location: .../systemtags/<id>` and no body; the same name with the same
  flags is 409 "Tag already exists"; a restricted or invisible tag from a non-admin is 400 "Not
  sufficient permissions"; a non-JSON body is 415; with tag creation restricted to admins
  (`restrict_creation_to_admin`, Nextcloud 31) a non-admin gets 403;
- `DELETE /remote.php/dav/systemtags/<id>`: admins only (403 "No permission to delete tag <id>"),
  404 for a tag the caller cannot see; the tag's assignments go with it;
- `PROPFIND /remote.php/dav/systemtags-relations/files/<fileid>` lists a file's tags; a file the
  caller cannot reach is 404 "Entity does not exist or is not available";
- `PUT .../systemtags-relations/files/<fileid>/<tagid>` assigns (201); a tag already on the file is
  Sabre's 409 "PUT is not allowed on non-files." (the mapping node exists); an unknown or
  invisible tag is 412; a tag the caller may not assign is 403;
- `DELETE .../systemtags-relations/files/<fileid>/<tagid>` unassigns (204); 404 when not assigned.

Files by tag is the files part's `oc:filter-files` REPORT (tests/standin/files_search.py), which
asks `files_with` here. Contract: the DAV side is documented in Nextcloud's developer manual and
server code (SystemTagPlugin.php, SystemTagsObjectMappingCollection.php); the routes name
`nextcloud-31/systemtags.openapi.json`, the app's only file under ../shared/contracts (it
describes the `systemtags` capability this app contributes; no DAV path, so no JSON to validate).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from tests.standin.apps._dav import (
    OC_,
    Sabre,
    file_by_id,
    multistatus,
    requested,
    response,
    sabre,
    xml_reply,
)
from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Reply, Request, Sample, route

CONTRACT = "nextcloud-31/systemtags.openapi.json"
TAGS = "/remote.php/dav/systemtags"
RELATIONS = "/remote.php/dav/systemtags-relations/files"
RESOURCETYPE = "{DAV:}resourcetype"
NAME_LENGTH = 64
"""The name column's length: Nextcloud cuts longer names (SystemTagManager::createTag)."""


@dataclass
class Tag:
    id: int
    name: str
    visible: bool
    assignable: bool


def _flag(value: bool) -> str:
    return "true" if value else "false"


class SystemTagsApp(EmulatedApp):
    app_id = "systemtags"
    prefixes = ("/remote.php/dav/systemtags/", "/remote.php/dav/systemtags-relations/")
    dav = True

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self.tags: dict[int, Tag] = {}
        self.assigned: dict[int, set[int]] = {}
        """File id -> the ids of the tags on it (Nextcloud maps object ids, so a tag follows renames)."""
        self.admins: set[str] = {"admin"}
        self.restrict_creation_to_admin = False
        self._lock = threading.Lock()
        self._next_id = 1

    def capabilities(self, user: User) -> dict[str, Any]:
        return {"systemtags": {"enabled": True}}

    # -- rules (ISystemTagManager) ------------------------------------------------------
    def is_admin(self, user: User) -> bool:
        return user.id in self.admins

    def can_see(self, tag: Tag, user: User) -> bool:
        return tag.visible or self.is_admin(user)

    def can_assign(self, tag: Tag, user: User) -> bool:
        return self.is_admin(user) or (tag.visible and tag.assignable)

    def create(self, user: User, name: str, visible: bool = True, assignable: bool = True) -> Tag:
        """A new tag, or Sabre's refusal (the order of SystemTagPlugin::createTag)."""
        if (not visible or not assignable) and not self.is_admin(user):
            raise Sabre(400, "Not sufficient permissions")
        if self.restrict_creation_to_admin and not self.is_admin(user):
            raise Sabre(403, "You don’t have permissions to create tags")
        name = name[:NAME_LENGTH]
        with self._lock:
            if any((t.name, t.visible, t.assignable) == (name, visible, assignable) for t in self.tags.values()):
                raise Sabre(409, "Tag already exists")
            tag = self.tags[self._next_id] = Tag(self._next_id, name, visible, assignable)
            self._next_id += 1
        return tag

    def visible_tag(self, tag_id: str, user: User) -> Tag | None:
        """The tag if the caller can see it (non-numeric ids are Sabre's 400 "Invalid tag id")."""
        if not tag_id.isdigit():
            raise Sabre(400, "Invalid tag id")
        tag = self.tags.get(int(tag_id))
        return tag if tag is not None and self.can_see(tag, user) else None

    def files_with(self, user: User, tag_ids: list[str]) -> set[int]:
        """File ids carrying every tag (the REPORT's AND); LookupError for a tag the user cannot see."""
        found: set[int] | None = None
        for tag_id in tag_ids:
            tag = self.tags.get(int(tag_id)) if tag_id.isdigit() else None
            if tag is None or not self.can_see(tag, user):
                raise LookupError(tag_id)
            # Nextcloud searches by the tag's name, so same-named tags (another visibility) count too.
            same = {t.id for t in self.tags.values() if t.name == tag.name}
            carrying = {file_id for file_id, ids in self.assigned.items() if ids & same}
            found = carrying if found is None else found & carrying
        return found or set()

    def _tag_props(self, tag: Tag, user: User) -> dict[str, str]:
        return {
            f"{OC_}id": str(tag.id),
            f"{OC_}display-name": tag.name,
            f"{OC_}user-visible": _flag(tag.visible),
            f"{OC_}user-assignable": _flag(tag.assignable),
            f"{OC_}can-assign": _flag(self.can_assign(tag, user)),
        }

    def _listing(self, request: Request, href: str, tags: list[Tag]) -> Reply:
        from xml.sax.saxutils import escape

        wanted = requested(request.body)
        answers = [response(href + "/", {RESOURCETYPE: "<d:collection/>"}, wanted)]
        if (request.header("depth") or "1").strip() != "0":
            for tag in sorted(tags, key=lambda t: t.id):
                props = {k: escape(v) for k, v in self._tag_props(tag, request.user).items()}
                answers.append(response(f"{href}/{tag.id}", {RESOURCETYPE: "", **props}, wanted))
        return multistatus(answers)

    def _file(self, request: Request) -> int:
        """The addressed file's id, if the caller can reach the file (else Sabre's 404)."""
        file_id = request.params["fileid"]
        if file_by_id(self.standin.files_root(request.user), file_id) is None:
            raise Sabre(404, "Entity does not exist or is not available")
        return int(file_id)

    # -- routes ------------------------------------------------------------------------
    @route("PROPFIND", TAGS, contract=CONTRACT)
    @sabre
    async def list_tags(self, request: Request) -> Reply:
        tags = [t for t in self.tags.values() if self.can_see(t, request.user)]
        return self._listing(request, TAGS, tags)

    @route("POST", TAGS, contract=CONTRACT)
    @sabre
    async def create_tag(self, request: Request) -> Reply:
        if (request.header("content-type") or "").split(";")[0].strip() != "application/json":
            raise Sabre(415, "")
        try:
            data = json.loads(request.body)
        except ValueError:  # json_decode(..., JSON_THROW_ON_ERROR): an exception Sabre answers with 500
            raise Sabre(500, "Syntax error") from None
        if not isinstance(data, dict) or "name" not in data or data["name"] is None:
            raise Sabre(400, 'Missing "name" attribute')
        tag = self.create(
            request.user, str(data["name"]), bool(data.get("userVisible", True)), bool(data.get("userAssignable", True))
        )
        return xml_reply(201, headers=[("Content-Location", f"{TAGS}/{tag.id}")])

    @route("DELETE", TAGS + "/{tagid}", contract=CONTRACT)
    @sabre
    async def delete_tag(self, request: Request) -> Reply:
        tag_id = request.params["tagid"]
        tag = self.visible_tag(tag_id, request.user)
        if tag is None:
            raise Sabre(404, f"Tag with id {tag_id} not found")
        if not self.is_admin(request.user):
            raise Sabre(403, f"No permission to delete tag {tag_id}")
        with self._lock:
            self.tags.pop(tag.id, None)
            for ids in self.assigned.values():
                ids.discard(tag.id)
        return xml_reply(204)

    @route("PROPFIND", RELATIONS + "/{fileid}", contract=CONTRACT)
    @sabre
    async def file_tags(self, request: Request) -> Reply:
        file_id = self._file(request)
        tags = [self.tags[i] for i in self.assigned.get(file_id, set()) if i in self.tags]
        return self._listing(request, f"{RELATIONS}/{file_id}", [t for t in tags if self.can_see(t, request.user)])

    @route("PUT", RELATIONS + "/{fileid}/{tagid}", contract=CONTRACT)
    @sabre
    async def assign(self, request: Request) -> Reply:
        file_id, tag_id = self._file(request), request.params["tagid"]
        tag = self.visible_tag(tag_id, request.user)
        if tag is not None and tag.id in self.assigned.get(file_id, set()):
            raise Sabre(409, "PUT is not allowed on non-files.")  # the mapping node exists and is no file
        if tag is None:
            raise Sabre(412, f"Tag with id {tag_id} does not exist, cannot assign")
        if not self.can_assign(tag, request.user):
            raise Sabre(403, f"No permission to assign tag {tag_id}")
        with self._lock:
            self.assigned.setdefault(file_id, set()).add(tag.id)
        return xml_reply(201)

    @route("DELETE", RELATIONS + "/{fileid}/{tagid}", contract=CONTRACT)
    @sabre
    async def unassign(self, request: Request) -> Reply:
        file_id, tag_id = self._file(request), request.params["tagid"]
        tag = self.visible_tag(tag_id, request.user)
        if tag is None or tag.id not in self.assigned.get(file_id, set()):
            raise Sabre(404, f"Tag with id {tag_id} not present for object {file_id}")
        if not self.can_assign(tag, request.user):
            raise Sabre(403, f"No permission to unassign tag {tag_id}")
        with self._lock:
            self.assigned[file_id].discard(tag.id)
        return xml_reply(204)


# -- contract samples ------------------------------------------------------------------------
PROPFIND_BODY = (
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>'
    "<oc:id/><oc:display-name/><oc:user-visible/><oc:user-assignable/><oc:can-assign/></d:prop></d:propfind>"
)
"""Request bodies for the samples (`Sample.content`)."""


def _sample_file(ctx: Any, name: str = "tagged.txt") -> Any:
    path = ctx.standin.files_root(ctx.users["alice"]) / f"contract-{name}"
    path.write_text("tag me")
    return path


def _file(ctx: Any) -> dict[str, str]:
    return {"fileid": str(ctx.standin.file_id(_sample_file(ctx)))}


def _tag(ctx: Any, *, visible: bool = True, assignable: bool = True) -> Tag:
    import uuid

    return ctx.app.create(ctx.users["admin"], f"contract-{uuid.uuid4().hex[:8]}", visible, assignable)


def _existing(ctx: Any) -> dict[str, str]:
    return {"name": _tag(ctx).name}


def _file_and_tag(ctx: Any) -> dict[str, str]:
    return {**_file(ctx), "tagid": str(_tag(ctx).id)}


def _file_and_restricted_tag(ctx: Any) -> dict[str, str]:
    return {**_file(ctx), "tagid": str(_tag(ctx, assignable=False).id)}


def _assigned(ctx: Any) -> dict[str, str]:
    names = _file_and_tag(ctx)
    ctx.app.assigned.setdefault(int(names["fileid"]), set()).add(int(names["tagid"]))
    return names


def _bobs_file(ctx: Any) -> dict[str, str]:
    path = ctx.standin.files_root(ctx.users["bob"]) / "contract-bobs.txt"
    path.write_text("not alice's")
    return {"fileid": str(ctx.standin.file_id(path)), "tagid": str(_tag(ctx).id)}


def _new_tag(ctx: Any) -> dict[str, str]:
    return {"tagid": str(_tag(ctx).id)}


def _fresh_name(ctx: Any) -> dict[str, str]:
    import uuid

    return {"name": f"contract-{uuid.uuid4().hex[:8]}"}


SAMPLES = [
    Sample("PROPFIND", TAGS + "/", 207, content=PROPFIND_BODY),
    Sample("POST", TAGS, 201, json={"name": "{name}"}, setup=_fresh_name, note="201 with Content-Location"),
    Sample("POST", TAGS, 409, json={"name": "{name}"}, setup=_existing, note="same name and flags"),
    Sample("POST", TAGS, 400, json={"name": "x", "userAssignable": False}, note="restricted tag by a non-admin"),
    Sample("POST", TAGS, 400, json={"userVisible": True}, note='missing "name"'),
    Sample("POST", TAGS, 415, form={"name": "x"}, note="not JSON"),
    Sample("DELETE", TAGS + "/{tagid}", 204, user="admin", setup=_new_tag),
    Sample("DELETE", TAGS + "/{tagid}", 403, setup=_new_tag, note="only admins delete tags"),
    Sample("DELETE", TAGS + "/999999", 404),
    Sample("PROPFIND", RELATIONS + "/{fileid}", 207, setup=_assigned, content=PROPFIND_BODY),
    Sample("PROPFIND", RELATIONS + "/{fileid}", 404, user="bob", setup=_file, note="another user's file"),
    Sample("PUT", RELATIONS + "/{fileid}/{tagid}", 201, setup=_file_and_tag),
    Sample("PUT", RELATIONS + "/{fileid}/{tagid}", 409, setup=_assigned, note="already assigned"),
    Sample("PUT", RELATIONS + "/{fileid}/999999", 412, setup=_file, note="no such tag"),
    Sample("PUT", RELATIONS + "/{fileid}/{tagid}", 403, setup=_file_and_restricted_tag, note="not assignable"),
    Sample("PUT", RELATIONS + "/{fileid}/{tagid}", 404, setup=_bobs_file, note="a file alice cannot reach"),
    Sample("DELETE", RELATIONS + "/{fileid}/{tagid}", 204, setup=_assigned),
    Sample("DELETE", RELATIONS + "/{fileid}/{tagid}", 404, setup=_file_and_tag, note="not assigned"),
]
