"""Nextcloud Deck: boards, stacks, cards, labels, assignments, sharing (ACL) and card comments.

Emulated as Deck's REST API (`/index.php/apps/deck/api/v1.0|v1.1`, the controllers under
lib/Controller/*ApiController.php) and its OCS comments routes behave, per apps/deck-API.md:
- clients send `OCS-APIRequest: true` on every call (the document asks for it); errors are Deck's JSON bodies
  `{"status": 400, "message": "title must be provided"}` (400), `{"status": 403, "message":
  "Permission denied"}` (403: a board, stack or card the caller has no access to, or an edit on a
  board shared without `permissionEdit`), `{"status": 404, ...}` for ids that do not exist;
- a new board gets Deck's four default labels; boards are sorted by id; stacks by `order`, then id;
  cards in a stack by `order`, then id; `GET .../stacks` lists only unarchived cards, and
  `.../stacks/archived` the stacks with their archived cards;
- request parameters are read as Nextcloud's AppFramework reads them: URL parameters win over the
  body, so `PUT .../stacks/{stackId}/cards/{cardId}` and `.../reorder` move the card to the stack
  named in the URL (the body's `stackId` is ignored);
- `PUT .../cards/{cardId}` replaces the card's fields: `title` is required, a missing
  `description` becomes '', a missing `duedate` clears it, a missing `order` is 0 (Deck's
  defaults); an archived card cannot be updated or reordered (400 "Operation not allowed. This
  card is archived."); moving a card to another board drops the labels of the old board;
- reorder puts the card at position `order` in the target stack and renumbers the others
  0, 1, 2, ... around it (CardService::reorder), answering the stack's cards;
- `ETag` on boards, one board, stacks and one card; `If-None-Match` with the current one answers
  304 with no body; a change anywhere on a board changes the board's ETag;
- ACL: a user participant (type 0) with `permissionEdit`/`permissionShare`/`permissionManage`;
  only the owner or a participant with manage permission may change the ACL.
- boards: `PUT` needs title and color (MANAGE); `DELETE` marks the board deleted (`deletedAt`, listed
  for its owner, 404 elsewhere) and `POST .../undo_delete` restores it (its owner) within Deck's
  trash retention (5 hours, then the board is purged: 404); ACL rules are changed with SHARE (who
  lacks MANAGE keeps the old value of a permission they do not hold themselves) and deleted with
  MANAGE (the participant's card assignments on the board go with it); an ACL id Deck cannot
  find is a 403 "Permission denied" (Deck does not say whether it exists);
- attachments (AttachmentApiController): v1.0 lists and serves only `deck_file` attachments
  (`.../attachments/{attachmentId}`), v1.1 every type (`.../attachments/{type}/{attachmentId}`);
  `file` attachments are files_sharing shares of type 12 (Deck) with the card id as `shareWith`
  (files_sharing.py makes them: EDIT on the board needed, one share per file and card, 403
  "Path is already shared with this card"); their ids are share ids, `extendedData.path` the
  file's path as the viewer sees it (only its owner here: the stand-in mounts no Deck share
  folder); deleting one deletes the share, never the file; `deck_file` attachments (stored
  inside Deck before Deck 1.3, made here with `add_deck_file`) are marked deleted and listed with
  `deletedAt` until the retention passes; an attachment Deck cannot find is a 403;
- uploads (`POST .../attachments`, multipart/form-data with `type` and the file as `file`; EDIT on
  the card): a `file` upload is stored in the user's Deck folder (`/Deck`, made when missing; a
  taken name gets " (2)"; a `/Deck` mounted from someone else's share makes a new folder that
  becomes the user's) and shared with the card read-only (type 12), answering the attachment;
  a name Nextcloud's filename check refuses is a 400 with its message; no `file` part is Deck's
  StatusException 500 "No file uploaded or file size exceeds maximum of ..."; a `deck_file`
  upload whose name the card already has is a 409 "File already exists."; an unknown type
  stores nothing and answers 200 (Deck swallows InvalidAttachmentType);
- dependent cards (Deck >= 1.18, `.../cards/{cardId}/dependentCards/{dependentCardId}`): EDIT on
  the card, READ on the other one, refused on an archived card (400); cards list theirs in
  `dependentCards` (ids). Below 1.18 (`version`) the routes do not exist (404).
Comments (OCS `api/v1.0/cards/{cardId}/comments`): list newest first with `limit`/`offset`,
create (max 1000 characters: 400), update and delete by their author only (403).
Capabilities: `{"deck": {"version", "canCreateBoards", "apiVersions"}}`.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "apps/deck-API.md"
API = "/index.php/apps/deck/api/{apiVersion}"
OCS_API = "/ocs/v2.php/apps/deck/api/v1.0"
API_VERSIONS = ("v1.0", "v1.1")
VERSION = "1.18.3"
DEPENDENCIES_SINCE = (1, 18)
TRASH_RETENTION = 5 * 3600
"""Deck's `trashRetentionHours` default: deleted boards and attachments are purged after it."""
DEFAULT_LABELS = (("Finished", "31CC7C"), ("To review", "317CCC"), ("Action needed", "FF7A66"), ("Later", "F1DB50"))
ARCHIVED = "Operation not allowed. This card is archived."
MAX_COMMENT = 1000
UPLOAD_LIMIT = "512 MB"
"""What `\\OCP\\Util::uploadLimit()` reports (PHP's upload_max_filesize of Nextcloud's images)."""
INTERNAL = "Internal server error: Please contact the server administrator if this error reappears multiple times"
FORBIDDEN_NAMES = (".htaccess",)
FORBIDDEN_EXTENSIONS = (".part", ".filepart")


def _iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def _timestamp(value: Any, argument: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise _bad(f"{argument} is invalid") from None


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 (an ETag, as Deck makes it)


def _digest(data: Any) -> str:
    return _md5(json.dumps(data, sort_keys=True))


def _bool(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


@dataclass
class Acl:
    id: int
    board_id: int
    participant: str
    edit: bool
    share: bool
    manage: bool


@dataclass
class Board:
    id: int
    owner: str
    title: str
    color: str
    archived: bool = False
    deleted_at: int = 0
    modified: int = 0
    version: int = 0


@dataclass
class Stack:
    id: int
    board_id: int
    title: str
    order: int
    deleted_at: int = 0
    modified: int = 0


@dataclass
class Label:
    id: int
    board_id: int
    title: str
    color: str


@dataclass
class Card:
    id: int
    stack_id: int
    title: str
    owner: str
    order: int = 999
    description: str = ""
    type: str = "plain"
    duedate: float | None = None
    archived: bool = False
    done: float | None = None
    created: int = 0
    modified: int = 0
    deleted_at: int = 0
    labels: list[int] = field(default_factory=list)
    assigned: list[tuple[int, str]] = field(default_factory=list)
    """(assignment id, user id)."""


@dataclass
class DeckFile:
    """A `deck_file` attachment (stored inside Deck, as before Deck 1.3)."""

    id: int
    card_id: int
    name: str
    content: bytes
    created_by: str
    created: int
    deleted_at: int = 0


@dataclass
class Comment:
    id: int
    card_id: int
    actor: str
    message: str
    created: float
    parent: int | None = None


def _bad(message: str) -> Failure:
    return Failure(400, message, {"status": 400, "message": message})


def _validate_filename(name: str) -> None:
    """FilenameValidator::validateFilename with Nextcloud's defaults (BadRequestException: 400)."""
    message = None
    lower = name.lower()
    if not name.strip():
        message = "Empty filename is not allowed"
    elif name.strip() in (".", ".."):
        message = "Dot files are not allowed"
    elif len(name.encode()) > 250:
        message = "Filename is too long"
    elif lower in FORBIDDEN_NAMES:
        message = f'"{lower}" is a forbidden file or folder name.'
    elif (ext := next((e for e in FORBIDDEN_EXTENSIONS if lower.endswith(e)), None)) is not None:
        message = f'"{ext}" is a forbidden file type.'
    elif any(ord(c) < 32 or c == "\x7f" for c in name):
        message = "Invalid character in path"
    elif (char := next((c for c in "/\\" if c in name), None)) is not None:
        message = f'"{char}" is not allowed inside a file or folder name.'
    if message is not None:
        raise _bad(message)


def _non_existing_name(folder: Path, name: str, mounted: frozenset[str] | set[str] = frozenset()) -> str:
    """Folder::getNonExistingName: 'a.txt', else 'a (2).txt', 'a (3).txt', ... (`mounted`: shares' names there)."""

    def taken(candidate: str) -> bool:
        return candidate in mounted or (folder / candidate).exists()

    if not taken(name):
        return name
    dot = name.rfind(".")
    stem, ext = (name[:dot], name[dot:]) if dot > 0 else (name, "")
    n = 2
    while taken(f"{stem} ({n}){ext}"):
        n += 1
    return f"{stem} ({n}){ext}"


def _denied() -> Failure:
    return Failure(403, "Permission denied", {"status": 403, "message": "Permission denied"})


def _missing(what: str) -> Failure:
    message = f"{what} not found"
    return Failure(404, message, {"status": 404, "message": message})


class DeckApp(EmulatedApp):
    """Deck (see the module docstring)."""

    app_id = "deck"
    prefixes = ("/index.php/apps/deck/", "/ocs/v2.php/apps/deck/")

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()
        self.boards: dict[int, Board] = {}
        self.stacks: dict[int, Stack] = {}
        self.cards: dict[int, Card] = {}
        self.labels: dict[int, Label] = {}
        self.acl: dict[int, Acl] = {}
        self.comments: dict[int, Comment] = {}
        self.deck_files: dict[int, DeckFile] = {}
        self.attachment_folders: dict[str, str] = {}
        """A user's Deck folder where it is not '/Deck' (ConfigService's `attachment_folder`)."""
        self.dependencies: dict[int, list[int]] = {}
        """Card id -> the ids of the cards it depends on."""
        self.version = VERSION
        """Deck's version (capabilities); tests lower it to check what older Decks lack."""
        self._next = 1

    def capabilities(self, user: User) -> dict[str, Any]:
        return {"deck": {"version": self.version, "canCreateBoards": True, "apiVersions": ["1.0", "1.1"]}}

    # -- state helpers (tests use these too) ---------------------------------------------
    def _id(self) -> int:
        self._next += 1
        return self._next

    def add_board(self, owner: str, title: str, color: str = "0082c9") -> Board:
        with self._lock:
            board = Board(self._id(), owner, title, color, modified=int(time.time()))
            self.boards[board.id] = board
            for label_title, label_color in DEFAULT_LABELS:
                label = Label(self._id(), board.id, label_title, label_color)
                self.labels[label.id] = label
            return board

    def add_stack(self, board_id: int, title: str, order: int = 999) -> Stack:
        with self._lock:
            stack = Stack(self._id(), board_id, title, order, modified=int(time.time()))
            self.stacks[stack.id] = stack
            self._touch(board_id)
            return stack

    def add_card(self, stack_id: int, title: str, owner: str, order: int = 999, description: str = "") -> Card:
        with self._lock:
            now = int(time.time())
            card = Card(self._id(), stack_id, title, owner, order, description, created=now, modified=now)
            self.cards[card.id] = card
            self._touch(self.stacks[stack_id].board_id)
            return card

    def share(self, board_id: int, participant: str, *, edit: bool = False, share: bool = False,
              manage: bool = False) -> Acl:  # fmt: skip
        with self._lock:
            acl = Acl(self._id(), board_id, participant, edit, share, manage)
            self.acl[acl.id] = acl
            self._touch(board_id)
            return acl

    def _touch(self, board_id: int) -> None:
        board = self.boards[board_id]
        board.version += 1
        board.modified = int(time.time())

    def board_of_card(self, card: Card) -> Board:
        return self.boards[self.stacks[card.stack_id].board_id]

    def _permissions(self, user: User, board: Board) -> dict[str, bool]:
        if board.owner == user.id:
            return {
                "PERMISSION_READ": True,
                "PERMISSION_EDIT": True,
                "PERMISSION_MANAGE": True,
                "PERMISSION_SHARE": True,
            }
        rule = next((a for a in self.acl.values() if a.board_id == board.id and a.participant == user.id), None)
        return {
            "PERMISSION_READ": rule is not None,
            "PERMISSION_EDIT": bool(rule and rule.edit),
            "PERMISSION_MANAGE": bool(rule and rule.manage),
            "PERMISSION_SHARE": bool(rule and rule.share),
        }

    def _check(self, user: User, board: Board, permission: str = "PERMISSION_READ") -> Board:
        if not self._permissions(user, board)[permission]:
            raise _denied()
        return board

    def _board(self, request: Request, permission: str = "PERMISSION_READ", key: str = "boardId") -> Board:
        self._version(request)
        board = self.boards.get(self._int(request.params[key]))
        if board is None or board.deleted_at:
            raise _missing("Board")
        return self._check(request.user, board, permission)

    def _stack(self, request: Request, permission: str = "PERMISSION_READ") -> Stack:
        stack = self.stacks.get(self._int(request.params["stackId"]))
        if stack is None or stack.deleted_at:
            raise _missing("Stack")
        self._check(request.user, self.boards[stack.board_id], permission)
        return stack

    def _card(self, request: Request, permission: str = "PERMISSION_READ", key: str = "cardId") -> Card:
        self._version(request)
        card = self.cards.get(self._int(request.params[key]))
        if card is None or card.deleted_at:
            raise _missing("Card")
        self._check(request.user, self.board_of_card(card), permission)
        return card

    def _label(self, request: Request, board: Board) -> Label:
        label = self.labels.get(self._int(request.params["labelId"]))
        if label is None or label.board_id != board.id:
            raise _missing("Label")
        return label

    @staticmethod
    def _int(raw: Any) -> int:
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise _bad("id must be a number") from None

    @staticmethod
    def _version(request: Request) -> None:
        if "apiVersion" in request.params and request.params["apiVersion"] not in API_VERSIONS:
            raise Failure(404, "Not found")

    def _user_json(self, user_id: str) -> dict[str, Any]:
        user = self.standin.users.get(user_id)
        return {"primaryKey": user_id, "uid": user_id, "displayname": user.display_name if user else user_id, "type": 0}

    # -- JSON -----------------------------------------------------------------------------
    def _label_json(self, label: Label, card_id: int | None = None) -> dict[str, Any]:
        return {"title": label.title, "color": label.color, "boardId": label.board_id, "cardId": card_id,
                "lastModified": 0, "id": label.id, "ETag": _md5(f"{label}")}  # fmt: skip

    def _acl_json(self, acl: Acl) -> dict[str, Any]:
        return {"participant": self._user_json(acl.participant), "type": 0, "boardId": acl.board_id,
                "permissionEdit": acl.edit, "permissionShare": acl.share, "permissionManage": acl.manage,
                "owner": False, "id": acl.id}  # fmt: skip

    def board_etag(self, board: Board) -> str:
        return _md5(f"board-{board.id}-{board.version}")

    def _board_json(self, board: Board, user: User) -> dict[str, Any]:
        labels = sorted((lab for lab in self.labels.values() if lab.board_id == board.id), key=lambda lab: lab.id)
        acl = [a for a in self.acl.values() if a.board_id == board.id]
        users = [board.owner, *(a.participant for a in acl)]
        return {
            "title": board.title,
            "owner": self._user_json(board.owner),
            "color": board.color,
            "archived": board.archived,
            "labels": [self._label_json(lab) for lab in labels],
            "acl": [self._acl_json(a) for a in acl],
            "permissions": self._permissions(user, board),
            "users": [self._user_json(u) for u in users],
            "shared": 0 if board.owner == user.id else 1,
            "stacks": [],
            "deletedAt": board.deleted_at,
            "id": board.id,
            "lastModified": board.modified,
            "settings": {"notify-due": "assigned", "calendar": True},
            "ETag": self.board_etag(board),
        }

    def card_json(self, card: Card) -> dict[str, Any]:
        board_id = self.stacks[card.stack_id].board_id
        data = {
            "title": card.title,
            "description": card.description,
            "stackId": card.stack_id,
            "type": card.type,
            "lastModified": card.modified,
            "lastEditor": None,
            "createdAt": card.created,
            "labels": [self._label_json(self.labels[i], card.id) for i in card.labels if i in self.labels],
            "assignedUsers": [
                {"id": aid, "participant": self._user_json(uid), "cardId": card.id, "type": 0}
                for aid, uid in card.assigned
            ],
            "attachments": None,
            "attachmentCount": self._attachment_count(card.id),
            "owner": self._user_json(card.owner),
            "order": card.order,
            "archived": card.archived,
            "done": _iso(card.done),
            "duedate": _iso(card.duedate),
            "deletedAt": card.deleted_at,
            "commentsUnread": 0,
            "commentsCount": sum(1 for c in self.comments.values() if c.card_id == card.id),
            "id": card.id,
            "overdue": 3 if card.duedate is not None and card.duedate < time.time() else 0,
            "boardId": board_id,
        }
        if self._has_dependencies():
            data["dependentCards"] = list(self.dependencies.get(card.id, []))
        data["ETag"] = _digest(data)
        return data

    def _cards_of(self, stack: Stack, archived: bool) -> list[Card]:
        found = [
            c for c in self.cards.values() if c.stack_id == stack.id and not c.deleted_at and c.archived == archived
        ]
        return sorted(found, key=lambda c: (c.order, c.id))

    def _stack_json(self, stack: Stack, *, archived: bool = False) -> dict[str, Any]:
        return {"title": stack.title, "boardId": stack.board_id, "deletedAt": stack.deleted_at,
                "lastModified": stack.modified, "cards": [self.card_json(c) for c in self._cards_of(stack, archived)],
                "order": stack.order, "id": stack.id}  # fmt: skip

    def _stacks_of(self, board: Board) -> list[Stack]:
        found = [s for s in self.stacks.values() if s.board_id == board.id and not s.deleted_at]
        return sorted(found, key=lambda s: (s.order, s.id))

    @staticmethod
    def _tagged(request: Request, data: Any, etag: str) -> Reply:
        """`data` with its ETag, or 304 when the caller already has it."""
        quoted = f'"{etag}"'
        if request.header("if-none-match") in (etag, quoted):
            return Reply(304, None, [("ETag", quoted)])
        return Reply(200, data, [("ETag", quoted)])

    @staticmethod
    def _title(args: dict[str, Any], limit: int, required: bool = True) -> str | None:
        title = args.get("title")
        if title is None or (isinstance(title, str) and not title.strip()):
            if required:
                raise _bad("title must be provided")
            return None
        if len(str(title)) > limit:
            raise _bad(f"The title cannot exceed {limit} characters")
        return str(title)

    # -- boards ---------------------------------------------------------------------------
    @route("GET", API + "/boards", contract=CONTRACT)
    async def list_boards(self, request: Request) -> Reply:
        self._version(request)
        with self._lock:
            self._purge()  # the owner's deleted boards are listed (with deletedAt) until purged
            boards = [b for b in sorted(self.boards.values(), key=lambda b: b.id)
                      if (b.owner == request.user.id and b.deleted_at)
                      or (not b.deleted_at and self._permissions(request.user, b)["PERMISSION_READ"])]  # fmt: skip
            data = [self._board_json(b, request.user) for b in boards]
        digest = _digest(data)
        return self._tagged(request, data, digest)

    @route("POST", API + "/boards", contract=CONTRACT)
    async def create_board(self, request: Request) -> Reply:
        self._version(request)
        args = request.args()
        title = self._title(args, 100)
        color = str(args.get("color") or "")
        if not color:
            raise _bad("color must be provided")
        board = self.add_board(request.user.id, str(title), color)
        return Reply(200, self._board_json(board, request.user))

    @route("GET", API + "/boards/{boardId}", contract=CONTRACT)
    async def get_board(self, request: Request) -> Reply:
        with self._lock:
            board = self._board(request)
            return self._tagged(request, self._board_json(board, request.user), self.board_etag(board))

    @route("PUT", API + "/boards/{boardId}", contract=CONTRACT)
    async def update_board(self, request: Request) -> Reply:
        with self._lock:
            board = self._board(request, "PERMISSION_MANAGE")
            args = request.args()
            board.title = str(self._title(args, 100))
            board.color = str(args.get("color") or board.color)
            board.archived = _bool(args.get("archived", False))
            self._touch(board.id)
            return Reply(200, self._board_json(board, request.user))

    @route("DELETE", API + "/boards/{boardId}", contract=CONTRACT)
    async def delete_board(self, request: Request) -> Reply:
        with self._lock:
            board = self._board(request, "PERMISSION_MANAGE")
            board.deleted_at = int(time.time())
            self._touch(board.id)
            return Reply(200, self._board_json(board, request.user))

    @route("POST", API + "/boards/{boardId}/acl", contract=CONTRACT)
    async def add_acl(self, request: Request) -> Reply:
        with self._lock:
            board = self._board(request, "PERMISSION_SHARE")
            args = request.args()
            participant = str(args.get("participant") or "")
            if self._int(args.get("type", 0)) != 0:
                raise _bad("Only user participants are supported")
            if participant not in self.standin.users or participant == board.owner:
                raise _bad("participant must be provided")
            edit, share, manage = (_bool(args.get(f"permission{k}")) for k in ("Edit", "Share", "Manage"))
            acl = self.share(board.id, participant, edit=edit, share=share, manage=manage)
            return Reply(200, self._acl_json(acl))

    # -- stacks ---------------------------------------------------------------------------
    @route("GET", API + "/boards/{boardId}/stacks", contract=CONTRACT)
    async def list_stacks(self, request: Request) -> Reply:
        with self._lock:
            board = self._board(request)
            data = [self._stack_json(s) for s in self._stacks_of(board)]
            return self._tagged(request, data, _digest(data))

    @route("GET", API + "/boards/{boardId}/stacks/archived", contract=CONTRACT)
    async def archived_stacks(self, request: Request) -> Reply:
        with self._lock:
            board = self._board(request)
            return Reply(200, [self._stack_json(s, archived=True) for s in self._stacks_of(board)])

    @route("GET", API + "/boards/{boardId}/stacks/{stackId}", contract=CONTRACT)
    async def get_stack(self, request: Request) -> Reply:
        with self._lock:
            board = self._board(request)
            stack = self._stack(request)
            if stack.board_id != board.id:
                raise _missing("Stack")
            data = self._stack_json(stack)
            return self._tagged(request, data, _digest(data))

    @route("POST", API + "/boards/{boardId}/stacks", contract=CONTRACT)
    async def create_stack(self, request: Request) -> Reply:
        with self._lock:
            board = self._board(request, "PERMISSION_MANAGE")
            args = request.args()
            title = self._title(args, 100)
            if "order" not in args:
                raise _bad("order must be provided")
            stack = self.add_stack(board.id, str(title), self._int(args["order"]))
            return Reply(200, self._stack_json(stack))

    @route("PUT", API + "/boards/{boardId}/stacks/{stackId}", contract=CONTRACT)
    async def update_stack(self, request: Request) -> Reply:
        with self._lock:
            self._board(request)
            stack = self._stack(request, "PERMISSION_MANAGE")
            args = request.args()
            title = self._title(args, 100)
            if "order" not in args:
                raise _bad("order must be provided")
            stack.title, stack.order = str(title), self._int(args["order"])
            stack.modified = int(time.time())
            self._touch(stack.board_id)
            return Reply(200, self._stack_json(stack))

    @route("DELETE", API + "/boards/{boardId}/stacks/{stackId}", contract=CONTRACT)
    async def delete_stack(self, request: Request) -> Reply:
        with self._lock:
            self._board(request)
            stack = self._stack(request, "PERMISSION_MANAGE")
            stack.deleted_at = int(time.time())
            self._touch(stack.board_id)
            return Reply(200, self._stack_json(stack))

    # -- cards ----------------------------------------------------------------------------
    CARD = API + "/boards/{boardId}/stacks/{stackId}/cards/{cardId}"

    @route("GET", CARD, contract=CONTRACT)
    async def get_card(self, request: Request) -> Reply:
        with self._lock:
            card = self._card(request)
            data = self.card_json(card)
            return self._tagged(request, data, data["ETag"])

    @route("POST", API + "/boards/{boardId}/stacks/{stackId}/cards", contract=CONTRACT)
    async def create_card(self, request: Request) -> Reply:
        with self._lock:
            self._version(request)
            stack = self._stack(request, "PERMISSION_EDIT")
            args = request.args()
            title = self._title(args, 255)
            card = self.add_card(stack.id, str(title), request.user.id, self._int(args.get("order", 999)),
                                 str(args.get("description") or ""))  # fmt: skip
            card.type = str(args.get("type") or "plain")
            card.duedate = _timestamp(args.get("duedate"), "duedate")
            return Reply(200, self.card_json(card))

    @route("PUT", CARD, contract=CONTRACT)
    async def update_card(self, request: Request) -> Reply:
        with self._lock:
            card = self._card(request, "PERMISSION_EDIT")
            target = self._stack(request, "PERMISSION_EDIT")  # the URL's stackId wins over the body's
            args = request.args()
            title = self._title(args, 255)
            if card.archived and _bool(args.get("archived", True)):
                raise _bad(ARCHIVED)
            old_board = self.stacks[card.stack_id].board_id
            card.title = str(title)
            card.description = str(args.get("description") or "")
            card.type = str(args.get("type") or "plain")
            card.order = self._int(args.get("order", 0))
            card.duedate = _timestamp(args.get("duedate"), "duedate")
            card.archived = _bool(args.get("archived", False))
            if "done" in args:
                card.done = _timestamp(args.get("done"), "done")
            card.stack_id = target.id
            if target.board_id != old_board:
                card.labels = [i for i in card.labels if self.labels[i].board_id == target.board_id]
                self._touch(old_board)
            card.modified = int(time.time())
            self._touch(target.board_id)
            return Reply(200, self.card_json(card))

    @route("DELETE", CARD, contract=CONTRACT)
    async def delete_card(self, request: Request) -> Reply:
        with self._lock:
            card = self._card(request, "PERMISSION_EDIT")
            card.deleted_at = int(time.time())
            self._touch(self.board_of_card(card).id)
            return Reply(200, self.card_json(card))

    def _set_archived(self, request: Request, archived: bool) -> Reply:
        with self._lock:
            card = self._card(request, "PERMISSION_EDIT")
            card.archived = archived
            card.modified = int(time.time())
            self._touch(self.board_of_card(card).id)
            return Reply(200, self.card_json(card))

    @route("PUT", CARD + "/archive", contract=CONTRACT)
    async def archive_card(self, request: Request) -> Reply:
        return self._set_archived(request, True)

    @route("PUT", CARD + "/unarchive", contract=CONTRACT)
    async def unarchive_card(self, request: Request) -> Reply:
        return self._set_archived(request, False)

    @route("PUT", CARD + "/reorder", contract=CONTRACT)
    async def reorder_card(self, request: Request) -> Reply:
        with self._lock:
            card = self._card(request, "PERMISSION_EDIT")
            target = self._stack(request, "PERMISSION_EDIT")  # the URL's stackId wins over the body's
            args = request.args()
            if "order" not in args:
                raise _bad("order must be provided")
            order = self._int(args["order"])
            if card.archived:
                raise _bad(ARCHIVED)
            old_board = self.stacks[card.stack_id].board_id
            card.stack_id = target.id
            if target.board_id != old_board:
                card.labels = [i for i in card.labels if self.labels[i].board_id == target.board_id]
                self._touch(old_board)
            others = [c for c in self._cards_of(target, False) if c.id != card.id]
            position = 0
            for other in others:
                if position == order:
                    position += 1
                other.order = position
                position += 1
            card.order = order
            card.modified = int(time.time())
            self._touch(target.board_id)
            return Reply(200, [self.card_json(c) for c in self._cards_of(target, False)])

    def _card_label(self, request: Request, assign: bool) -> Reply:
        with self._lock:
            card = self._card(request, "PERMISSION_EDIT")
            label = self.labels.get(self._int(request.args().get("labelId")))
            if label is None or label.board_id != self.board_of_card(card).id:
                raise _missing("Label")
            if assign and label.id not in card.labels:
                card.labels.append(label.id)
            elif not assign and label.id in card.labels:
                card.labels.remove(label.id)
            self._touch(self.board_of_card(card).id)
            return Reply(200, None)

    @route("PUT", CARD + "/assignLabel", contract=CONTRACT)
    async def assign_label(self, request: Request) -> Reply:
        return self._card_label(request, True)

    @route("PUT", CARD + "/removeLabel", contract=CONTRACT)
    async def remove_label(self, request: Request) -> Reply:
        return self._card_label(request, False)

    @route("PUT", CARD + "/assignUser", contract=CONTRACT)
    async def assign_user(self, request: Request) -> Reply:
        with self._lock:
            card = self._card(request, "PERMISSION_EDIT")
            user_id = str(request.args().get("userId") or "")
            if not user_id:
                raise _bad("userId must be provided")
            board = self.board_of_card(card)
            if not (user_id in self.standin.users and self._permissions(self.standin.users[user_id], board)[
                    "PERMISSION_READ"]):  # fmt: skip
                raise _bad("The user is not part of the board")
            if any(uid == user_id for _, uid in card.assigned):
                raise _bad("The user is already assigned to the card")
            assignment = self._id()
            card.assigned.append((assignment, user_id))
            self._touch(board.id)
            return Reply(200, {"id": assignment, "participant": self._user_json(user_id), "cardId": card.id, "type": 0})

    @route("PUT", CARD + "/unassignUser", contract=CONTRACT)
    async def unassign_user(self, request: Request) -> Reply:
        with self._lock:
            card = self._card(request, "PERMISSION_EDIT")
            user_id = str(request.args().get("userId") or "")
            found = next(((aid, uid) for aid, uid in card.assigned if uid == user_id), None)
            if found is None:
                raise _missing("No assignment for " + user_id)
            card.assigned.remove(found)
            self._touch(self.board_of_card(card).id)
            return Reply(200, {"id": found[0], "participant": self._user_json(user_id), "cardId": card.id, "type": 0})

    # -- labels ---------------------------------------------------------------------------
    @route("GET", API + "/boards/{boardId}/labels/{labelId}", contract=CONTRACT)
    async def get_label(self, request: Request) -> Reply:
        with self._lock:
            board = self._board(request)
            return Reply(200, self._label_json(self._label(request, board)))

    @route("POST", API + "/boards/{boardId}/labels", contract=CONTRACT)
    async def create_label(self, request: Request) -> Reply:
        with self._lock:
            board = self._board(request, "PERMISSION_MANAGE")
            args = request.args()
            title = str(self._title(args, 100))
            if any(lab.board_id == board.id and lab.title == title for lab in self.labels.values()):
                raise _bad("A label with this title already exists on this board")
            label = Label(self._id(), board.id, title, str(args.get("color") or "31CC7C"))
            self.labels[label.id] = label
            self._touch(board.id)
            return Reply(200, self._label_json(label))

    @route("PUT", API + "/boards/{boardId}/labels/{labelId}", contract=CONTRACT)
    async def update_label(self, request: Request) -> Reply:
        with self._lock:
            board = self._board(request, "PERMISSION_MANAGE")
            label = self._label(request, board)
            args = request.args()
            label.title = str(self._title(args, 100))
            label.color = str(args.get("color") or label.color)
            self._touch(board.id)
            return Reply(200, self._label_json(label))

    @route("DELETE", API + "/boards/{boardId}/labels/{labelId}", contract=CONTRACT)
    async def delete_label(self, request: Request) -> Reply:
        with self._lock:
            board = self._board(request, "PERMISSION_MANAGE")
            label = self._label(request, board)
            del self.labels[label.id]
            for card in self.cards.values():
                if label.id in card.labels:
                    card.labels.remove(label.id)
            self._touch(board.id)
            return Reply(200, self._label_json(label))

    # -- board deletion, ACL changes -----------------------------------------------------
    def _purge(self) -> None:
        """Deck's DeleteCron: boards and deck_file attachments deleted longer than the retention ago go."""
        limit = time.time() - TRASH_RETENTION
        for board in [b for b in self.boards.values() if b.deleted_at and b.deleted_at < limit]:
            del self.boards[board.id]
        for item in [f for f in self.deck_files.values() if f.deleted_at and f.deleted_at < limit]:
            del self.deck_files[item.id]

    @route("POST", API + "/boards/{boardId}/undo_delete", contract=CONTRACT)
    async def undo_delete_board(self, request: Request) -> Reply:
        self._version(request)
        with self._lock:
            self._purge()
            board = self.boards.get(self._int(request.params["boardId"]))
            if board is None:
                raise _missing("Board")
            if board.owner != request.user.id and (board.deleted_at or not self._permissions(
                    request.user, board)["PERMISSION_MANAGE"]):  # fmt: skip
                raise _denied()  # a deleted board has no ACL: only its owner may restore it
            board.deleted_at = 0
            self._touch(board.id)
            return Reply(200, self._board_json(board, request.user))

    def _acl(self, request: Request, permission: str) -> Acl:
        self._board(request)
        acl = self.acl.get(self._int(request.params["aclId"]))
        if acl is None or acl.board_id not in self.boards:
            raise _denied()  # Deck's checkPermission on an ACL it cannot find
        self._check(request.user, self.boards[acl.board_id], permission)  # the ACL's board, not the URL's
        return acl

    @route("PUT", API + "/boards/{boardId}/acl/{aclId}", contract=CONTRACT)
    async def update_acl(self, request: Request) -> Reply:
        with self._lock:
            acl = self._acl(request, "PERMISSION_SHARE")
            args = request.args()
            mine = self._permissions(request.user, self.boards[acl.board_id])
            wanted = {k: _bool(args.get(f"permission{k}")) for k in ("Edit", "Share", "Manage")}
            if not mine["PERMISSION_MANAGE"]:  # BoardService::applyPermissions
                wanted = {k: v if mine[f"PERMISSION_{k.upper()}"] else getattr(acl, k.lower())
                          for k, v in wanted.items()}  # fmt: skip
            acl.edit, acl.share, acl.manage = wanted["Edit"], wanted["Share"], wanted["Manage"]
            self._touch(acl.board_id)
            return Reply(200, self._acl_json(acl))

    @route("DELETE", API + "/boards/{boardId}/acl/{aclId}", contract=CONTRACT)
    async def delete_acl(self, request: Request) -> Reply:
        with self._lock:
            acl = self._acl(request, "PERMISSION_MANAGE")
            board = self.boards[acl.board_id]
            for card in self.cards.values():
                if self.stacks[card.stack_id].board_id == board.id:
                    card.assigned = [(aid, uid) for aid, uid in card.assigned if uid != acl.participant]
            del self.acl[acl.id]
            self._touch(board.id)
            return Reply(200, self._acl_json(acl))

    # -- dependent cards (Deck >= 1.18) ---------------------------------------------------
    def _has_dependencies(self) -> bool:
        return tuple(int(p) for p in self.version.split("-")[0].split(".")[:2]) >= DEPENDENCIES_SINCE

    def _dependency(self, request: Request) -> tuple[Card, Card]:
        if not self._has_dependencies():
            raise Failure(404, "Not found")  # no such route before Deck 1.18
        card = self._card(request, "PERMISSION_EDIT")
        other = self.cards.get(self._int(request.params["dependentCardId"]))
        if other is None or other.deleted_at:
            raise _denied()  # checkPermission: no board for that card
        self._check(request.user, self.board_of_card(other), "PERMISSION_READ")
        if self.board_of_card(card).archived:
            raise _bad("Operation not allowed. This board is archived.")
        if card.archived:
            raise _bad(ARCHIVED)
        return card, other

    @route("POST", CARD + "/dependentCards/{dependentCardId}", contract=CONTRACT)
    async def assign_dependent_card(self, request: Request) -> Reply:
        with self._lock:
            card, other = self._dependency(request)
            found = self.dependencies.setdefault(card.id, [])
            if other.id not in found:
                found.append(other.id)
                found.sort()
                self._touch(self.board_of_card(card).id)
            return Reply(200, self.card_json(card))

    @route("DELETE", CARD + "/dependentCards/{dependentCardId}", contract=CONTRACT)
    async def remove_dependent_card(self, request: Request) -> Reply:
        with self._lock:
            card, other = self._dependency(request)
            found = self.dependencies.get(card.id, [])
            if other.id in found:
                found.remove(other.id)
                self._touch(self.board_of_card(card).id)
            return Reply(200, self.card_json(card))

    # -- attachments ----------------------------------------------------------------------
    def _sharing(self) -> Any:
        return self.standin.services.get("files_sharing")

    def card_shares(self, card_id: int) -> list[Any]:
        """The files_sharing shares of type 12 (Deck) with this card whose files still exist."""
        sharing = self._sharing()
        if sharing is None:
            return []
        from tests.standin.apps.files_sharing import DECK

        with sharing._lock:
            return [s for s in list(sharing.shares.values())
                    if s.share_type == DECK and s.share_with == str(card_id) and sharing._alive(s)]  # fmt: skip

    def check_card_share(self, user: User, card_id: str | None, file_id: int) -> str:
        """DeckShareProvider::create for files_sharing: the card's title, or Deck's refusal."""
        with self._lock:
            card = self.cards.get(self._int(card_id)) if card_id and card_id.isdigit() else None
            board = self.board_of_card(card) if card is not None and not card.deleted_at else None
            if card is None or board is None or board.deleted_at or board.archived or not self._permissions(
                    user, board)["PERMISSION_EDIT"]:  # fmt: skip
                raise Failure(404, "Card not found")
            if any(s.file_id == file_id for s in self.card_shares(card.id)):
                raise Failure(403, "Path is already shared with this card")
            return card.title

    def add_deck_file(self, card_id: int, name: str, content: bytes, created_by: str) -> DeckFile:
        """A `deck_file` attachment, as Decks before 1.3 stored uploads."""
        with self._lock:
            item = DeckFile(self._id(), card_id, name, content, created_by, int(time.time()))
            self.deck_files[item.id] = item
            self._touch(self.board_of_card(self.cards[card_id]).id)
            return item

    def _attachment_count(self, card_id: int) -> int:
        own = sum(1 for f in self.deck_files.values() if f.card_id == card_id and not f.deleted_at)
        return own + len(self.card_shares(card_id))

    def _creator(self, user_id: str) -> dict[str, Any]:
        user = self.standin.users.get(user_id)
        return {"displayName": user.display_name if user else user_id, "id": user_id,
                "email": user.email if user else None}  # fmt: skip

    def _deck_file_json(self, item: DeckFile) -> dict[str, Any]:
        stem, _, extension = item.name.rpartition(".")
        return {"cardId": item.card_id, "type": "deck_file", "data": item.name, "lastModified": item.created,
                "createdAt": item.created, "createdBy": item.created_by, "deletedAt": item.deleted_at,
                "extendedData": {"filesize": len(item.content), "mimetype": "application/octet-stream",
                                 "info": {"dirname": ".", "basename": item.name, "extension": extension,
                                          "filename": stem or item.name},
                                 "attachmentCreator": self._creator(item.created_by)},
                "id": item.id}  # fmt: skip

    def _file_json(self, share: Any, card_id: int, viewer: str) -> dict[str, Any]:
        from tests.standin.files import mime_type

        sharing = self._sharing()
        item = sharing._find(share)
        name = item.name
        extended: dict[str, Any] = {}
        node = sharing.view(viewer, share)
        if node is not None:  # FilesAppService::extendData: only what the viewer's files hold
            stem, _, extension = name.rpartition(".")
            extended = {"path": node.viewer_path, "fileid": share.file_id, "data": name,
                        "filesize": item.stat().st_size, "mimetype": mime_type(item),
                        "info": {"dirname": str(Path(node.viewer_path).parent), "basename": name,
                                 "extension": extension, "filename": stem or name},
                        "hasPreview": mime_type(item).startswith("image/"),
                        "permissions": share.permissions}  # fmt: skip
        extended["attachmentCreator"] = self._creator(share.shared_by)
        return {"cardId": card_id, "type": "file", "data": name, "lastModified": int(item.stat().st_mtime),
                "createdAt": share.stime, "createdBy": share.shared_by,
                "deletedAt": share.stime if share.permissions == 0 else 0, "extendedData": extended,
                "id": share.id}  # fmt: skip

    ATTACHMENTS = CARD + "/attachments"

    @route("GET", ATTACHMENTS, contract=CONTRACT)
    async def list_attachments(self, request: Request) -> Reply:
        with self._lock:
            card = self._card(request)
            self._purge()
            found = [self._deck_file_json(f) for f in self.deck_files.values() if f.card_id == card.id]
            if request.params["apiVersion"] != "v1.0":  # v1.0 answers only deck_file attachments
                found += [self._file_json(s, card.id, request.user.id) for s in self.card_shares(card.id)]
            return Reply(200, found)

    def _attachment_type(self, request: Request, default: str | None) -> str:
        """v1.0 names no type (deck_file); v1.1 names it in the path; the other version has no such route."""
        self._version(request)
        kind = request.params.get("type", default)
        if (default is None) != (request.params["apiVersion"] != "v1.0"):
            raise Failure(404, "Not found")
        if kind not in ("deck_file", "file"):
            raise Failure(404, "Not found")  # InvalidAttachmentType -> NotFoundException
        return str(kind)

    def _deck_file(self, request: Request, permission: str) -> DeckFile:
        item = self.deck_files.get(self._int(request.params["attachmentId"]))
        if item is None:
            raise _denied()
        self._check(request.user, self.board_of_card(self.cards[item.card_id]), permission)
        return item

    def _file_share(self, request: Request, card: Card) -> Any:
        share = next((s for s in self.card_shares(card.id) if s.id == self._int(request.params["attachmentId"])), None)
        if share is None:
            message = "No permission to access the attachment from the card"
            raise Failure(403, message, {"status": 403, "message": message})
        return share

    async def _display(self, request: Request, default: str | None) -> Reply:
        from tests.standin.files import mime_type

        with self._lock:
            kind = self._attachment_type(request, default)
            if kind == "deck_file":
                item = self._deck_file(request, "PERMISSION_READ")
                name, content, mime = item.name, item.content, "application/octet-stream"
            else:
                card = self._card(request)
                path = self._sharing()._find(self._file_share(request, card))
                name, content, mime = path.name, path.read_bytes(), mime_type(path)
            headers = [("Content-Type", mime), ("Content-Disposition", f'attachment; filename="{name}"')]
            return Reply(200, raw=content, headers=headers)

    @route("POST", ATTACHMENTS, contract=CONTRACT)
    async def create_attachment(self, request: Request) -> Reply:
        """AttachmentService::create: `type` and EDIT on the card, then the type's service stores the upload."""
        with self._lock:
            self._version(request)
            kind = request.args().get("type")
            if kind is None:  # create(string $type) given null: PHP's TypeError, Deck's generic 500
                raise Failure(500, INTERNAL, {"status": 500, "message": INTERNAL})
            if not str(kind):
                raise _bad("type must be provided and must be not empty")
            card = self._card(request, "PERMISSION_EDIT")
            if kind not in ("file", "deck_file"):  # InvalidAttachmentType is swallowed: nothing stored
                return Reply(200, {"cardId": card.id, "type": kind, "data": str(request.args().get("data") or ""),
                                   "createdBy": request.user.id, "id": None})  # fmt: skip
            upload = request.files().get("file")
            if upload is None:  # no $_FILES['file'] (or one above PHP's upload limit): a StatusException
                message = f"No file uploaded or file size exceeds maximum of {UPLOAD_LIMIT}"
                raise Failure(500, message, {"status": 500, "message": message})
            name, _, content = upload
            if not name:  # PHP's UPLOAD_ERR_NO_FILE: a file part without a file name
                raise Failure(500, "No file was uploaded", {"status": 500, "message": "No file was uploaded"})
            if kind == "deck_file":
                return Reply(200, self._create_deck_file(request.user, card, name, content))
            _validate_filename(name)
            folder = self._attachment_folder(request.user)
            target = folder / _non_existing_name(folder, name)
            target.write_bytes(content)
            with self._sharing()._lock:
                rel = "/" + target.relative_to(self.standin.files_root(request.user)).as_posix()
                share = self._sharing().create(
                    request.user, {"path": rel, "shareType": 12, "shareWith": str(card.id), "permissions": 1}
                )
            self._touch(self.board_of_card(card).id)
            return Reply(200, self._file_json(share, card.id, request.user.id))

    def _attachment_folder(self, user: User) -> Path:
        """ConfigService::getAttachmentFolder ('/Deck'), made when missing; one that is a share
        mounted from someone else is not used: a new folder with a free name becomes the user's."""
        root = self.standin.files_root(user)
        name = self.attachment_folders.get(user.id, "Deck")
        mounted = set(self._sharing()._mounted(user.id))
        if name in mounted:
            name = _non_existing_name(root, name, mounted)
            self.attachment_folders[user.id] = name
        folder = root / name
        if folder.exists() and not folder.is_dir():
            raise Failure(
                500, INTERNAL, {"status": 500, "message": INTERNAL}
            )  # NotFoundException('No target folder found')
        folder.mkdir(exist_ok=True)
        return folder

    def _create_deck_file(self, user: User, card: Card, name: str, content: bytes) -> dict[str, Any]:
        """FileService::create (the pre-1.3 storage): a name the card already has is a 409 with that attachment."""
        existing = next((f for f in self.deck_files.values()
                         if f.card_id == card.id and f.name == name and not f.deleted_at), None)  # fmt: skip
        if existing is not None:
            message = "File already exists."
            raise Failure(409, message, {"status": 409, "message": message, "data": self._deck_file_json(existing)})
        return self._deck_file_json(self.add_deck_file(card.id, name, content, user.id))

    @route("GET", ATTACHMENTS + "/{attachmentId}", contract=CONTRACT)
    async def display_attachment(self, request: Request) -> Reply:
        return await self._display(request, "deck_file")

    @route("GET", ATTACHMENTS + "/{type}/{attachmentId}", contract=CONTRACT)
    async def display_typed_attachment(self, request: Request) -> Reply:
        return await self._display(request, None)

    async def _delete_attachment(self, request: Request, default: str | None) -> Reply:
        with self._lock:
            kind = self._attachment_type(request, default)
            if kind == "deck_file":
                item = self._deck_file(request, "PERMISSION_EDIT")
                item.deleted_at = int(time.time())  # FileService allows undo: marked, purged later
                self._touch(self.board_of_card(self.cards[item.card_id]).id)
                return Reply(200, self._deck_file_json(item))
            card = self.cards.get(self._int(request.params["cardId"]))
            if card is None or card.deleted_at:
                raise _denied()
            share = self._file_share(request, card)
            self._check(request.user, self.board_of_card(card), "PERMISSION_EDIT")
            data = self._file_json(share, card.id, request.user.id)
            self._sharing().shares.pop(share.id, None)  # the share goes; the file stays
            self._touch(self.board_of_card(card).id)
            return Reply(200, data)

    @route("DELETE", ATTACHMENTS + "/{attachmentId}", contract=CONTRACT)
    async def delete_attachment(self, request: Request) -> Reply:
        return await self._delete_attachment(request, "deck_file")

    @route("DELETE", ATTACHMENTS + "/{type}/{attachmentId}", contract=CONTRACT)
    async def delete_typed_attachment(self, request: Request) -> Reply:
        return await self._delete_attachment(request, None)

    # -- comments (OCS) -------------------------------------------------------------------
    def _comment_json(self, comment: Comment, with_parent: bool = True) -> dict[str, Any]:
        user = self.standin.users.get(comment.actor)
        data: dict[str, Any] = {
            "id": comment.id,
            "objectId": comment.card_id,
            "message": comment.message,
            "actorId": comment.actor,
            "actorType": "users",
            "actorDisplayName": user.display_name if user else comment.actor,
            "creationDateTime": _iso(comment.created),
            "mentions": [],
        }
        parent = self.comments.get(comment.parent) if comment.parent else None
        if with_parent and parent is not None:
            data["replyTo"] = self._comment_json(parent, with_parent=False)
        return data

    def _message(self, request: Request) -> str:
        message = str(request.args().get("message") or "")
        if len(message.strip()) > MAX_COMMENT:
            raise Failure(400, f"The comment has more than {MAX_COMMENT} characters (character limit)")
        return message

    def _comment(self, request: Request, card: Card) -> Comment:
        comment = self.comments.get(self._int(request.params["commentId"]))
        if comment is None or comment.card_id != card.id:
            raise Failure(404, "Comment not found")
        if comment.actor != request.user.id:
            raise Failure(403, "Only authors are allowed to edit their comment.")
        return comment

    @route("GET", OCS_API + "/cards/{cardId}/comments", contract=CONTRACT)
    async def list_comments(self, request: Request) -> Reply:
        with self._lock:
            card = self._ocs_card(request, "PERMISSION_READ")
            limit, offset = self._int(request.query.get("limit", 20)), self._int(request.query.get("offset", 0))
            found = sorted((c for c in self.comments.values() if c.card_id == card.id), key=lambda c: -c.id)
            return Reply(200, [self._comment_json(c) for c in found[offset : offset + limit]])

    def _ocs_card(self, request: Request, permission: str) -> Card:
        card = self.cards.get(self._int(request.params["cardId"]))
        if card is None or card.deleted_at:
            raise Failure(404, "Card not found")
        if not self._permissions(request.user, self.board_of_card(card))[permission]:
            raise Failure(403, "Permission denied")
        return card

    @route("POST", OCS_API + "/cards/{cardId}/comments", contract=CONTRACT)
    async def create_comment(self, request: Request) -> Reply:
        with self._lock:
            card = self._ocs_card(request, "PERMISSION_READ")  # Deck lets readers comment
            message = self._message(request)
            parent = request.args().get("parentId")
            if parent is not None and self._int(parent) not in self.comments:
                raise Failure(404, "Comment not found")
            comment = Comment(self._id(), card.id, request.user.id, message, time.time(),
                              self._int(parent) if parent is not None else None)  # fmt: skip
            self.comments[comment.id] = comment
            return Reply(200, self._comment_json(comment))

    @route("PUT", OCS_API + "/cards/{cardId}/comments/{commentId}", contract=CONTRACT)
    async def update_comment(self, request: Request) -> Reply:
        with self._lock:
            card = self._ocs_card(request, "PERMISSION_READ")
            comment = self._comment(request, card)
            comment.message = self._message(request)
            return Reply(200, self._comment_json(comment))

    @route("DELETE", OCS_API + "/cards/{cardId}/comments/{commentId}", contract=CONTRACT)
    async def delete_comment(self, request: Request) -> Reply:
        with self._lock:
            card = self._ocs_card(request, "PERMISSION_READ")
            comment = self._comment(request, card)
            del self.comments[comment.id]
            return Reply(200, [])


# -- contract samples ------------------------------------------------------------------------
V = "/index.php/apps/deck/api/v1.0"
B = V + "/boards/{board}"
C = B + "/stacks/{stack}/cards/{card}"


def _board(context: Any) -> dict[str, str]:
    app: DeckApp = context.app
    alice, bob = context.users["alice"].id, context.users["bob"].id
    board = app.add_board(alice, "Sample board")
    stack = app.add_stack(board.id, "To do", 0)
    other = app.add_stack(board.id, "Done", 1)
    card = app.add_card(stack.id, "A card", alice)
    archived = app.add_card(stack.id, "Old card", alice)
    archived.archived = True
    label = next(lab for lab in app.labels.values() if lab.board_id == board.id)
    comment = Comment(app._id(), card.id, alice, "Hello", time.time())
    app.comments[comment.id] = comment
    shared = app.add_board(alice, "Read-only for bob")
    app.share(shared.id, bob)
    shared_stack = app.add_stack(shared.id, "Shared", 0)
    shared_card = app.add_card(shared_stack.id, "Look only", alice)
    foreign = app.add_board(bob, "Bob's")
    return {"board": str(board.id), "stack": str(stack.id), "other": str(other.id), "card": str(card.id),
            "archived": str(archived.id), "label": str(label.id), "comment": str(comment.id),
            "shared": str(shared.id), "shared_stack": str(shared_stack.id), "shared_card": str(shared_card.id),
            "foreign": str(foreign.id), "bob": bob, "alice": alice, "etag": app.board_etag(board)}  # fmt: skip


def _attachments(context: Any) -> dict[str, str]:
    """_board plus a file of alice's attached to the card (a type 12 share) and a deck_file attachment."""
    names = _board(context)
    app: DeckApp = context.app
    alice = context.users["alice"]
    name = f"spec-{names['card']}.txt"
    target = context.standin.files_root(alice) / name
    target.write_bytes(b"the spec")
    sharing = context.standin.services["files_sharing"]
    with sharing._lock:
        share = sharing.create(alice, {"path": name, "shareType": 12, "shareWith": names["card"]})
    legacy = app.add_deck_file(int(names["card"]), "old.eml", b"From: x", alice.id)
    app.share(int(names["board"]), context.users["bob"].id)  # bob reads only
    return {**names, "share": str(share.id), "legacy": str(legacy.id)}


def _deleted_board(context: Any) -> dict[str, str]:
    names = _board(context)
    board = context.app.boards[int(names["board"])]
    board.deleted_at = int(time.time())
    return names


def _shared(context: Any) -> dict[str, str]:
    """_board plus a read-only share of it with bob (an ACL rule) and bob assigned to the card."""
    names = _board(context)
    app: DeckApp = context.app
    acl = app.share(int(names["board"]), context.users["bob"].id)
    app.cards[int(names["card"])].assigned.append((app._id(), context.users["bob"].id))
    return {**names, "acl": str(acl.id)}


C_ARCHIVED = B + "/stacks/{stack}/cards/{archived}"
SHARED_CARD = V + "/boards/{shared}/stacks/{shared_stack}/cards/{shared_card}"
COMMENTS = OCS_API + "/cards/{card}/comments"
ATTACHMENTS_10 = C + "/attachments"
ATTACHMENTS_11 = ATTACHMENTS_10.replace("/v1.0/", "/v1.1/")

SAMPLES = [
    Sample("GET", V + "/boards", setup=_board),
    Sample("GET", "/index.php/apps/deck/api/v1.1/boards", setup=_board),
    Sample("GET", "/index.php/apps/deck/api/v9/boards", 404),
    Sample("POST", V + "/boards", json={"title": "New", "color": "ff0000"}),
    Sample("POST", V + "/boards", 400, json={"color": "ff0000"}, note="no title"),
    Sample("GET", B, setup=_board),
    Sample("GET", B, 304, setup=_board, headers={"If-None-Match": '"{etag}"'}),
    Sample("GET", V + "/boards/{foreign}", 403, setup=_board, note="not shared with alice"),
    Sample("GET", V + "/boards/999999", 404),
    Sample("PUT", B, json={"title": "Renamed", "color": "00ff00", "archived": False}, setup=_board),
    Sample("PUT", V + "/boards/{shared}", 403, user="bob", json={"title": "Mine", "color": "00ff00"}, setup=_board),
    Sample("DELETE", B, setup=_board),
    Sample("GET", B, 404, setup=_deleted_board, note="a deleted board"),
    Sample("POST", B + "/undo_delete", setup=_deleted_board),
    Sample("POST", B + "/undo_delete", 403, user="bob", setup=_deleted_board, note="only its owner"),
    Sample("POST", V + "/boards/999999/undo_delete", 404),
    Sample("PUT", B + "/acl/{acl}", json={"permissionEdit": True, "permissionManage": False}, setup=_shared),
    Sample("PUT", B + "/acl/999999", 403, json={"permissionEdit": True}, setup=_shared, note="no such rule"),
    Sample("PUT", B + "/acl/{acl}", 403, user="bob", json={"permissionEdit": True}, setup=_shared),
    Sample("DELETE", B + "/acl/{acl}", setup=_shared),
    Sample("DELETE", B + "/acl/{acl}", 403, user="bob", setup=_shared),
    Sample("POST", C + "/dependentCards/{archived}", setup=_board),
    Sample("POST", C_ARCHIVED + "/dependentCards/{card}", 400, setup=_board, note="archived card"),
    Sample("POST", C + "/dependentCards/999999", 403, setup=_board, note="no such card"),
    Sample("POST", SHARED_CARD + "/dependentCards/{shared_card}", 403, user="bob", setup=_board),
    Sample("DELETE", C + "/dependentCards/{archived}", setup=_board),
    Sample("GET", ATTACHMENTS_10, setup=_attachments, note="v1.0: deck_file only"),
    Sample("GET", ATTACHMENTS_11, setup=_attachments),
    Sample("GET", ATTACHMENTS_11, user="bob", setup=_attachments),
    Sample("GET", ATTACHMENTS_10 + "/{legacy}", setup=_attachments),
    Sample("GET", ATTACHMENTS_11 + "/file/{share}", setup=_attachments),
    Sample("GET", ATTACHMENTS_11 + "/file/999999", 403, setup=_attachments),
    Sample("GET", ATTACHMENTS_11 + "/other/{share}", 404, setup=_attachments),
    Sample("DELETE", ATTACHMENTS_10 + "/{legacy}", setup=_attachments),
    Sample("DELETE", ATTACHMENTS_11 + "/file/{share}", setup=_attachments),
    Sample("DELETE", ATTACHMENTS_11 + "/file/{share}", 403, user="bob", setup=_attachments, note="read-only"),
    Sample("DELETE", ATTACHMENTS_11 + "/deck_file/999999", 403, setup=_attachments),
    Sample(
        "POST",
        ATTACHMENTS_11,
        setup=_attachments,
        form={"type": "file"},
        files={"file": ("plan.txt", b"the plan", "text/plain")},
    ),
    Sample(
        "POST",
        ATTACHMENTS_10,
        409,
        setup=_attachments,
        form={"type": "deck_file"},
        files={"file": ("old.eml", b"From: y", "message/rfc822")},
        note="name taken",
    ),
    Sample(
        "POST",
        ATTACHMENTS_11,
        400,
        setup=_attachments,
        form={"type": "file"},
        files={"file": (".htaccess", b"x", "text/plain")},
    ),
    Sample(
        "POST",
        ATTACHMENTS_11,
        400,
        setup=_attachments,
        form={"type": ""},
        files={"file": ("a.txt", b"x", "text/plain")},
    ),
    Sample(
        "POST",
        ATTACHMENTS_11,
        403,
        user="bob",
        setup=_attachments,
        form={"type": "file"},
        files={"file": ("a.txt", b"x", "text/plain")},
        note="read-only",
    ),
    Sample("POST", ATTACHMENTS_11, 500, setup=_attachments, form={"type": "file"}, note="no file"),
    Sample("POST", ATTACHMENTS_11, 500, setup=_attachments, form={"data": "x"}, note="no type: PHP's TypeError"),
    Sample("POST", ATTACHMENTS_11, setup=_attachments, form={"type": "other"}, note="unknown type: nothing stored"),
    Sample("POST", B + "/acl", json={"type": 0, "participant": "{bob}", "permissionEdit": False}, setup=_board),
    Sample("GET", B + "/stacks", setup=_board),
    Sample("GET", B + "/stacks/archived", setup=_board),
    Sample("GET", B + "/stacks/{stack}", setup=_board),
    Sample("POST", B + "/stacks", json={"title": "Doing", "order": 1}, setup=_board),
    Sample("POST", B + "/stacks", 400, json={"order": 1}, setup=_board),
    Sample("PUT", B + "/stacks/{stack}", json={"title": "Todo", "order": 5}, setup=_board),
    Sample("DELETE", B + "/stacks/{other}", setup=_board),
    Sample("GET", C, setup=_board),
    Sample(
        "POST", B + "/stacks/{stack}/cards", json={"title": "New card", "type": "plain", "order": 999}, setup=_board
    ),
    Sample(
        "POST",
        V + "/boards/{shared}/stacks/{shared_stack}/cards",
        403,
        user="bob",
        json={"title": "No"},
        setup=_board,
        note="read-only share",
    ),
    Sample("PUT", C, json={"title": "Edited", "type": "plain", "owner": "{bob}", "order": 1}, setup=_board),
    Sample("PUT", C_ARCHIVED, 400, json={"title": "Edited"}, setup=_board, note="archived card"),
    Sample("PUT", SHARED_CARD, 403, user="bob", json={"title": "Mine"}, setup=_board),
    Sample("DELETE", C, setup=_board),
    Sample("PUT", C + "/archive", setup=_board),
    Sample("PUT", C_ARCHIVED + "/unarchive", setup=_board),
    Sample("PUT", B + "/stacks/{other}/cards/{card}/reorder", json={"order": 0, "stackId": "{other}"}, setup=_board),
    Sample("PUT", C + "/assignLabel", json={"labelId": "{label}"}, setup=_board),
    Sample("PUT", C + "/removeLabel", json={"labelId": "{label}"}, setup=_board),
    Sample("PUT", C + "/assignUser", json={"userId": "{alice}"}, setup=_board),
    Sample("PUT", C + "/assignUser", 400, json={"userId": "nobody-here"}, setup=_board, note="not on the board"),
    Sample("PUT", C + "/unassignUser", 404, json={"userId": "{bob}"}, setup=_board, note="not assigned"),
    Sample("GET", B + "/labels/{label}", setup=_board),
    Sample("POST", B + "/labels", json={"title": "Urgent", "color": "ff0000"}, setup=_board),
    Sample("PUT", B + "/labels/{label}", json={"title": "Shipped", "color": "00ff00"}, setup=_board),
    Sample("DELETE", B + "/labels/{label}", setup=_board),
    Sample("GET", COMMENTS, setup=_board),
    Sample("POST", COMMENTS, json={"message": "A reply", "parentId": "{comment}"}, setup=_board),
    Sample("POST", COMMENTS, 400, json={"message": "x" * 1001}, setup=_board),
    Sample("PUT", COMMENTS + "/{comment}", json={"message": "Edited"}, setup=_board),
    Sample("PUT", COMMENTS + "/{comment}", 403, user="bob", json={"message": "Mine"}, setup=_board),
    Sample("DELETE", COMMENTS + "/{comment}", setup=_board),
]
