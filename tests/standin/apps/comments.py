"""Comments on files, as Nextcloud 31's dav app serves them (apps/dav/lib/Comments/).

A file's comments live at `/remote.php/dav/comments/files/<fileid>`; a user reaches them only for
a file in their own tree (otherwise 404 "Entity does not exist or is not available"):

- `REPORT` with `<oc:filter-comments>` (`oc:limit`, `oc:offset`; 0 or absent: no limit) lists them
  newest first, each a `<d:response>` with oc:id, oc:message, oc:actorId, oc:actorDisplayName,
  oc:creationDateTime (an HTTP date), oc:isUnread, oc:mentions, ...; another report is 415;
- `POST` with JSON `{"actorType": "users", "verb": "comment", "message"}` adds one: 201, no body,
  `Content-Location: .../comments/files/<fileid>/<id>`, and the poster's read marker moves to now;
  a message over 1000 characters (after trimming) is 400 "Message exceeds allowed character limit
  of 1000"; another actor type is 400 'Invalid actor "<type>"'; a body that is not JSON is 415;
- `PROPPATCH .../<id>` setting `oc:message` edits it (207), `DELETE .../<id>` removes it (204):
  only the author may (403 "Only authors are allowed to edit their comment."); a comment of another
  file is 404.

Contract: the DAV side is documented in Nextcloud's developer manual
(developer_manual/client_apis/WebDAV/comments.rst) and server code (CommentsPlugin.php,
CommentNode.php); the routes name `nextcloud-31/comments.openapi.json`, the app's only file under
../shared/contracts (it describes the `files.comments` capability this app contributes).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

from tests.standin.apps._dav import (
    OC_,
    D,
    Sabre,
    file_by_id,
    multistatus,
    parse,
    response,
    sabre,
    xml_reply,
)
from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Reply, Request, Sample, route

CONTRACT = "nextcloud-31/comments.openapi.json"
FILES = "/remote.php/dav/comments/files"
MAX_MESSAGE_LENGTH = 1000
"""IComment::MAX_MESSAGE_LENGTH."""
MENTION = re.compile(r'(?<![\w@])@(?:"([^"]+)"|([A-Za-z0-9_.@\-]+))')


@dataclass
class Comment:
    id: int
    file_id: int
    actor_id: str
    message: str
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    verb: str = "comment"


class CommentsApp(EmulatedApp):
    app_id = "comments"
    prefixes = ("/remote.php/dav/comments/",)
    dav = True

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self.comments: dict[int, Comment] = {}
        self.read_marks: dict[tuple[str, int], datetime] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def capabilities(self, user: User) -> dict[str, Any]:
        return {"files": {"comments": True}}  # apps/comments/lib/Capabilities.php: a flag in the files block

    # -- state -------------------------------------------------------------------------
    def add(self, actor_id: str, file_id: int, message: str, verb: str = "comment") -> Comment:
        """Save a comment (CommentsManager::save), as the REST route or a test seeding one does."""
        message = message.strip()
        if len(message) > MAX_MESSAGE_LENGTH:
            raise Sabre(400, f"Message exceeds allowed character limit of {MAX_MESSAGE_LENGTH}")
        with self._lock:
            comment = Comment(next(self._ids), file_id, actor_id, message, verb=verb)
            self.comments[comment.id] = comment
        return comment

    def of_file(self, file_id: int) -> list[Comment]:
        """Newest first (ORDER BY creation_timestamp DESC, id DESC)."""
        found = [c for c in self.comments.values() if c.file_id == file_id]
        return sorted(found, key=lambda c: (c.created, c.id), reverse=True)

    def _file(self, request: Request) -> int:
        file_id = request.params["fileid"]
        if file_by_id(self.standin.files_root(request.user), file_id) is None:
            raise Sabre(404, "Entity does not exist or is not available")
        return int(file_id)

    def _comment(self, request: Request) -> Comment:
        file_id = self._file(request)
        comment_id = request.params["commentid"]
        comment = self.comments.get(int(comment_id)) if comment_id.isdigit() else None
        if comment is None or comment.file_id != file_id:
            raise Sabre(404, "")
        return comment

    @staticmethod
    def _author_only(comment: Comment, user: User) -> None:
        if comment.actor_id != user.id:
            raise Sabre(403, "Only authors are allowed to edit their comment.")

    def _props(self, comment: Comment, user: User) -> dict[str, str]:
        mark = self.read_marks.get((user.id, comment.file_id))
        author = self.standin.users.get(comment.actor_id)
        props = {
            "id": str(comment.id),
            "parentId": "0",
            "topmostParentId": "0",
            "childrenCount": "0",
            "verb": comment.verb,
            "actorType": "users",
            "actorId": comment.actor_id,
            "creationDateTime": format_datetime(comment.created, usegmt=True),
            "objectType": "files",
            "objectId": str(comment.file_id),
            "message": comment.message,
            "isUnread": "true" if mark is None or comment.created > mark else "false",
        }
        if author is not None:
            props["actorDisplayName"] = author.display_name
        found = {OC_ + name: escape(value) for name, value in props.items()}
        found[OC_ + "mentions"] = "".join(self._mention(m) for m in self._mentions(comment.message))
        return found

    def _mentions(self, message: str) -> list[str]:
        """The users a message mentions (`@alice`, `@"user id"`), as Nextcloud extracts them."""
        names = [quoted or plain for quoted, plain in MENTION.findall(message)]
        return list(dict.fromkeys(name for name in names if name in self.standin.users))

    def _mention(self, user_id: str) -> str:
        name = escape(self.standin.users[user_id].display_name)
        return (
            f"<oc:mention><oc:mentionType>user</oc:mentionType><oc:mentionId>{escape(user_id)}</oc:mentionId>"
            f"<oc:mentionDisplayName>{name}</oc:mentionDisplayName></oc:mention>"
        )

    # -- routes ------------------------------------------------------------------------
    @route("REPORT", FILES + "/{fileid}", contract=CONTRACT)
    @sabre
    async def report(self, request: Request) -> Reply:
        file_id = self._file(request)
        root = parse(request.body)
        if root is None or root.tag != OC_ + "filter-comments":
            raise Sabre(415, "")  # Sabre\DAV\Exception\ReportNotSupported
        args = {"limit": 0, "offset": 0}
        for name in args:
            element = root.find(OC_ + name)
            text = (element.text or "").strip() if element is not None else ""
            if text:  # CommentsPlugin skips empty values
                args[name] = int(text) if text.isdigit() else 0
        found = self.of_file(file_id)[args["offset"] :]
        if args["limit"]:
            found = found[: args["limit"]]
        href = f"{FILES}/{file_id}"
        return multistatus([response(f"{href}/{c.id}", self._props(c, request.user), None) for c in found])

    @route("POST", FILES + "/{fileid}", contract=CONTRACT)
    @sabre
    async def create(self, request: Request) -> Reply:
        file_id = self._file(request)
        if (request.header("content-type") or "").split(";")[0].strip() != "application/json":
            raise Sabre(415, "")
        try:
            data = json.loads(request.body)
        except ValueError:  # json_decode(..., JSON_THROW_ON_ERROR): an exception Sabre answers with 500
            raise Sabre(500, "Syntax error") from None
        actor = data.get("actorType") if isinstance(data, dict) else None
        if actor != "users":
            raise Sabre(400, f'Invalid actor "{actor}"')
        verb, message = data.get("verb"), data.get("message")
        if not isinstance(verb, str) or not verb.strip() or not isinstance(message, str):
            raise Sabre(400, "Invalid input values")
        comment = self.add(request.user.id, file_id, message, verb)
        self.read_marks[(request.user.id, file_id)] = datetime.now(UTC)
        return xml_reply(201, headers=[("Content-Location", f"{FILES}/{file_id}/{comment.id}")])

    @route("PROPPATCH", FILES + "/{fileid}/{commentid}", contract=CONTRACT)
    @sabre
    async def edit(self, request: Request) -> Reply:
        comment = self._comment(request)
        root = parse(request.body)
        if root is None or root.tag != D + "propertyupdate":
            raise Sabre(400, "The propertyupdate body is missing")
        values: dict[str, str | None] = {}
        for action in root:
            for prop in action.findall(f"{D}prop/*"):
                values[prop.tag] = (prop.text or "") if action.tag == D + "set" else None
        message_name = OC_ + "message"
        others = [name for name in values if name != message_name]
        href = f"{FILES}/{comment.file_id}/{comment.id}"
        if others or values.get(message_name, "") is None:  # read-only or removed: nothing is changed
            status = {name: 403 if name in others or values[name] is None else 424 for name in values}
            return multistatus([response(href, {}, list(values), status)])
        if message_name in values:
            self._author_only(comment, request.user)
            message = (values[message_name] or "").strip()
            if len(message) > MAX_MESSAGE_LENGTH:
                raise Sabre(400, f"Message exceeds allowed character limit of {MAX_MESSAGE_LENGTH}")
            comment.message = message
        return multistatus([response(href, dict.fromkeys(values, ""), list(values))])

    @route("DELETE", FILES + "/{fileid}/{commentid}", contract=CONTRACT)
    @sabre
    async def delete(self, request: Request) -> Reply:
        comment = self._comment(request)
        self._author_only(comment, request.user)
        with self._lock:
            self.comments.pop(comment.id, None)
        return xml_reply(204)


# -- contract samples ------------------------------------------------------------------------
REPORT_BODY = (
    '<?xml version="1.0"?><oc:filter-comments xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
    "<oc:limit>20</oc:limit><oc:offset>0</oc:offset></oc:filter-comments>"
)
EDIT_BODY = (
    '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
    "<d:set><d:prop><oc:message>edited</oc:message></d:prop></d:set></d:propertyupdate>"
)
"""Request bodies for the samples (`Sample.content`)."""
COMMENT = {"actorType": "users", "verb": "comment", "message": "A comment"}


def _file(ctx: Any, owner: str = "alice") -> int:
    path = ctx.standin.files_root(ctx.users[owner]) / f"contract-commented-{owner}.txt"
    path.write_text("comment on me")
    return int(ctx.standin.file_id(path))


def _alices_file(ctx: Any) -> dict[str, str]:
    return {"fileid": str(_file(ctx))}


def _alices_comment(ctx: Any) -> dict[str, str]:
    file_id = _file(ctx)
    comment = ctx.app.add(ctx.users["alice"].id, file_id, "alice's comment")
    return {"fileid": str(file_id), "commentid": str(comment.id)}


def _bob_on_alices_comment(ctx: Any) -> dict[str, str]:
    """Bob's file with a comment of alice's on it (she commented while it was shared with her)."""
    file_id = _file(ctx, "bob")
    comment = ctx.app.add(ctx.users["alice"].id, file_id, "alice's comment")
    return {"fileid": str(file_id), "commentid": str(comment.id)}


SAMPLES = [
    Sample("REPORT", FILES + "/{fileid}", 207, setup=_alices_comment, content=REPORT_BODY),
    Sample("REPORT", FILES + "/{fileid}", 404, user="bob", setup=_alices_file, content=REPORT_BODY),
    Sample("POST", FILES + "/{fileid}", 201, setup=_alices_file, json=COMMENT),
    Sample("POST", FILES + "/{fileid}", 400, setup=_alices_file, json={**COMMENT, "message": "x" * 1001}),
    Sample("POST", FILES + "/{fileid}", 400, setup=_alices_file, json={**COMMENT, "actorType": "guests"}),
    Sample("POST", FILES + "/{fileid}", 415, setup=_alices_file, form={"message": "x"}),
    Sample("POST", FILES + "/{fileid}", 404, user="bob", setup=_alices_file, json=COMMENT),
    Sample("PROPPATCH", FILES + "/{fileid}/{commentid}", 207, setup=_alices_comment, content=EDIT_BODY),
    Sample(
        "PROPPATCH",
        FILES + "/{fileid}/{commentid}",
        403,
        user="bob",
        setup=_bob_on_alices_comment,
        content=EDIT_BODY,
    ),
    Sample("PROPPATCH", FILES + "/{fileid}/999999", 404, setup=_alices_file, content=EDIT_BODY),
    Sample("DELETE", FILES + "/{fileid}/{commentid}", 204, setup=_alices_comment),
    Sample("DELETE", FILES + "/{fileid}/{commentid}", 403, user="bob", setup=_bob_on_alices_comment),
    Sample("DELETE", FILES + "/{fileid}/999999", 404, setup=_alices_file),
]
