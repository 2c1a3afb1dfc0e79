"""Deck (Kanban boards) over its REST API (`/index.php/apps/deck/api/v1.0`) and its OCS comments API.

Why some calls read first: Deck's `PUT` of a card, stack or label replaces every field (a missing
`description` becomes '', a missing `duedate` clears it, a missing `order` is 0), so a change of
one field reads the object and sends it back whole. Why the target stack is in the URL: Nextcloud
lets URL parameters win over the body, so a card is moved (reorder, update) by naming the
destination stack in the path. Why a cache: boards and stacks carry ETags; a repeated read sends
`If-None-Match` and takes Deck's 304 as "unchanged", which keeps board overviews cheap.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from nextcloud_mcp_server.nextcloud.client import multipart
from nextcloud_mcp_server.nextcloud.errors import (
    BadResponse,
    FileTooLarge,
    Refused,
    detail_of,
    error_for,
    not_found,
    parsed,
)
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

API = "/index.php/apps/deck/api/v1.0"
API_11 = "/index.php/apps/deck/api/v1.1"
"""Attachments: v1.0 answers only `deck_file` ones, v1.1 every type (the type is in the path)."""
OCS_API = "/ocs/v2.php/apps/deck/api/v1.0"
HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}
_CACHED = 64
"""Board and stack answers kept per client for If-None-Match."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class DeckUser(_Model):
    uid: str
    displayname: str = ""


def _user(value: Any) -> Any:
    """Deck sends an owner as a user object, or (in some answers) as the bare user id."""
    return {"uid": value, "displayname": value} if isinstance(value, str) else value


class Label(_Model):
    id: int
    title: str
    color: str = ""


class Assignment(_Model):
    id: int
    participant: DeckUser


class Card(_Model):
    id: int
    title: str
    description: str | None = None
    stack_id: int = Field(alias="stackId")
    type: str = "plain"
    owner: DeckUser | None = None
    order: int = 0
    archived: bool = False
    done: str | None = None
    duedate: str | None = None
    labels: list[Label] | None = None
    assigned_users: list[Assignment] | None = Field(default=None, alias="assignedUsers")
    last_modified: int = Field(default=0, alias="lastModified")
    created_at: int = Field(default=0, alias="createdAt")
    comments_count: int = Field(default=0, alias="commentsCount")
    attachment_count: int | None = Field(default=None, alias="attachmentCount")
    etag: str | None = Field(default=None, alias="ETag")
    dependent_cards: list[int] | None = Field(default=None, alias="dependentCards")
    """Deck >= 1.18: the ids of the cards this one depends on."""

    _owner = field_validator("owner", mode="before")(_user)


class Stack(_Model):
    id: int
    title: str
    board_id: int = Field(alias="boardId")
    order: int = 0
    cards: list[Card] | None = None
    etag: str | None = Field(default=None, alias="ETag")


class Acl(_Model):
    id: int
    participant: DeckUser
    permission_edit: bool = Field(default=False, alias="permissionEdit")
    permission_share: bool = Field(default=False, alias="permissionShare")
    permission_manage: bool = Field(default=False, alias="permissionManage")


class Board(_Model):
    id: int
    title: str
    color: str = ""
    archived: bool = False
    owner: DeckUser | None = None
    labels: list[Label] = []
    acl: list[Acl] = []
    users: list[DeckUser] = []
    permissions: dict[str, bool] = {}
    deleted_at: int = Field(default=0, alias="deletedAt")
    last_modified: int = Field(default=0, alias="lastModified")
    etag: str | None = Field(default=None, alias="ETag")

    _owner = field_validator("owner", mode="before")(_user)

    @property
    def can_edit(self) -> bool:
        return bool(self.permissions.get("PERMISSION_EDIT"))


class Attachment(_Model):
    """A card attachment: `file` (a Nextcloud file shared with the card; the id is the share's) or
    `deck_file` (stored inside Deck by Decks before 1.3)."""

    id: int
    card_id: int = Field(alias="cardId")
    type: str
    name: str = Field(default="", alias="data")
    created_by: str = Field(default="", alias="createdBy")
    created_at: int = Field(default=0, alias="createdAt")
    deleted_at: int = Field(default=0, alias="deletedAt")
    extended: dict[str, Any] = Field(default={}, alias="extendedData")

    @field_validator("extended", mode="before")
    @classmethod
    def _extended(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}


class Comment(_Model):
    id: int
    card_id: int = Field(alias="objectId")
    message: str
    actor_id: str = Field(alias="actorId")
    actor_display_name: str = Field(default="", alias="actorDisplayName")
    created: str = Field(default="", alias="creationDateTime")
    reply_to: Comment | None = Field(default=None, alias="replyTo")


M = TypeVar("M", bound=BaseModel)


def _parse_list(model: type[M], data: Any, what: str) -> list[M]:
    if not isinstance(data, list):
        raise BadResponse(f"{what} are not a list")
    return [parsed(model, item, what) for item in data]


class DeckAPI:
    """The caller's Deck boards (one instance per client: `nc.api(DeckAPI)`)."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client
        self._cache: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self._parsed: dict[str, tuple[Any, Any]] = {}
        """Path -> (the cached answer, its models): a 304 reuses both."""

    # -- transport --------------------------------------------------------------------------
    async def _call(
        self, method: str, path: str, subject: str, *, json: Any = None, cached: bool = False, api: str = API
    ) -> Any:
        """Deck's JSON answer; a 400 is Deck's stated reason (Refused), a 404 names `subject`."""
        headers = dict(HEADERS)
        known = self._cache.get(path) if cached else None
        if known is not None:
            headers["If-None-Match"] = known[0]
        response: httpx.Response = await self._client.request(
            method, api + path, headers=headers, json=json, ok=(304, 400, 404)
        )
        if response.status_code == 304 and known is not None:
            self._cache.move_to_end(path)
            return known[1]
        if response.status_code == 404:
            raise not_found(subject, detail_of(response))
        if response.status_code == 400:
            raise Refused(detail_of(response), status=400)
        if response.status_code == 304:
            raise BadResponse("Deck answered 304 to a request that was not conditional")
        try:
            data = response.json()
        except ValueError:
            raise BadResponse("Deck's answer is not JSON") from None
        etag = response.headers.get("ETag")
        if cached and etag:
            self._cache[path] = (etag, data)
            self._cache.move_to_end(path)
            while len(self._cache) > _CACHED:
                self._parsed.pop(self._cache.popitem(last=False)[0], None)
        return data

    async def _models(self, path: str, subject: str, parse: Any) -> Any:
        """A cached GET parsed once per version: unchanged (304) answers reuse their models."""
        data = await self._call("GET", path, subject, cached=True)
        known = self._parsed.get(path)
        if known is not None and known[0] is data:
            return known[1]
        parsed = parse(data)
        if path in self._cache:
            self._parsed[path] = (data, parsed)
        return parsed

    async def _ocs(self, method: str, path: str, subject: str, *, json: Any = None, params: Any = None) -> Any:
        response = await self._client.request(
            method, OCS_API + path, headers=OCS_HEADERS, json=json, params=params, ok=(400, 403, 404)
        )
        if response.status_code == 404:
            raise not_found(subject, detail_of(response))
        if response.status_code == 400:
            raise Refused(detail_of(response), status=400)
        if response.status_code == 403:
            raise error_for(403, detail_of(response), subject=subject)
        return unwrap(response)

    # -- boards -----------------------------------------------------------------------------
    async def boards(self) -> list[Board]:
        return _parse_list(Board, await self._call("GET", "/boards", "boards", cached=True), "boards")

    async def board(self, board_id: int) -> Board:
        """The board; the models of an unchanged board are shared between reads (do not modify them)."""
        found: Board = await self._models(
            f"/boards/{board_id}", f"board {board_id}", lambda d: parsed(Board, d, "a board")
        )
        return found

    async def create_board(self, title: str, color: str) -> Board:
        data = await self._call("POST", "/boards", "boards", json={"title": title, "color": color})
        return parsed(Board, data, "a board")

    async def share_board(self, board_id: int, user_id: str, *, edit: bool, share: bool, manage: bool) -> Acl:
        body = {"type": 0, "participant": user_id, "permissionEdit": edit, "permissionShare": share,
                "permissionManage": manage}  # fmt: skip
        data = await self._call("POST", f"/boards/{board_id}/acl", f"board {board_id}", json=body)
        return parsed(Acl, data[0] if isinstance(data, list) and data else data, "a board share")

    async def update_board(self, board_id: int, title: str | None, color: str | None, archived: bool | None) -> Board:
        """Change some of title, color, archived: Deck's PUT needs all three, so the rest is read first."""
        current = await self.board(board_id)
        body = {"title": current.title if title is None else title, "color": current.color if color is None else color,
                "archived": current.archived if archived is None else archived}  # fmt: skip
        data = await self._call("PUT", f"/boards/{board_id}", f"board {board_id}", json=body)
        return parsed(Board, data, "a board")

    async def delete_board(self, board_id: int) -> Board:
        """Mark the board deleted; Deck purges it after its trash retention unless restored."""
        return parsed(Board, await self._call("DELETE", f"/boards/{board_id}", f"board {board_id}"), "a board")

    async def restore_board(self, board_id: int) -> Board:
        data = await self._call("POST", f"/boards/{board_id}/undo_delete", f"deleted board {board_id}")
        return parsed(Board, data, "a board")

    async def update_share(
        self, board_id: int, acl_id: int, *, edit: bool | None, share: bool | None, manage: bool | None
    ) -> Acl:
        """Change some permissions of a board share: Deck's PUT needs all three, so the rest is read first."""
        current = next((a for a in (await self.board(board_id)).acl if a.id == acl_id), None)
        if current is None:
            raise not_found(f"share {acl_id} of board {board_id}")
        body = {
            "permissionEdit": current.permission_edit if edit is None else edit,
            "permissionShare": current.permission_share if share is None else share,
            "permissionManage": current.permission_manage if manage is None else manage,
        }
        data = await self._call("PUT", f"/boards/{board_id}/acl/{acl_id}", f"share {acl_id}", json=body)
        return parsed(Acl, data, "a board share")

    async def delete_share(self, board_id: int, acl_id: int) -> None:
        await self._call("DELETE", f"/boards/{board_id}/acl/{acl_id}", f"share {acl_id} of board {board_id}")

    # -- stacks -----------------------------------------------------------------------------
    async def stacks(self, board_id: int) -> list[Stack]:
        """The board's stacks in Deck's order, each with its unarchived cards (shared models: do not modify)."""
        path = f"/boards/{board_id}/stacks"
        found: list[Stack] = await self._models(path, f"board {board_id}", lambda d: _parse_list(Stack, d, "stacks"))
        return found

    async def archived_stacks(self, board_id: int) -> list[Stack]:
        """The board's stacks, each with its archived cards."""
        data = await self._call("GET", f"/boards/{board_id}/stacks/archived", f"board {board_id}")
        return _parse_list(Stack, data, "stacks")

    async def stack(self, board_id: int, stack_id: int) -> Stack:
        path = f"/boards/{board_id}/stacks/{stack_id}"
        data = await self._call("GET", path, f"stack {stack_id} of board {board_id}", cached=True)
        return parsed(Stack, data, "a stack")

    async def create_stack(self, board_id: int, title: str, order: int) -> Stack:
        body = {"title": title, "order": order}
        data = await self._call("POST", f"/boards/{board_id}/stacks", f"board {board_id}", json=body)
        return parsed(Stack, data, "a stack")

    async def update_stack(self, board_id: int, stack_id: int, title: str | None, order: int | None) -> Stack:
        current = await self.stack(board_id, stack_id)
        body = {"title": current.title if title is None else title, "order": current.order if order is None else order}
        path = f"/boards/{board_id}/stacks/{stack_id}"
        data = await self._call("PUT", path, f"stack {stack_id} of board {board_id}", json=body)
        return parsed(Stack, data, "a stack")

    async def delete_stack(self, board_id: int, stack_id: int) -> None:
        await self._call("DELETE", f"/boards/{board_id}/stacks/{stack_id}", f"stack {stack_id} of board {board_id}")

    # -- cards ------------------------------------------------------------------------------
    @staticmethod
    def _card_path(board_id: int, stack_id: int, card_id: int) -> str:
        return f"/boards/{board_id}/stacks/{stack_id}/cards/{card_id}"

    async def card(self, board_id: int, stack_id: int, card_id: int) -> Card:
        data = await self._call("GET", self._card_path(board_id, stack_id, card_id), f"card {card_id}")
        return parsed(Card, data, "a card")

    async def create_card(
        self, board_id: int, stack_id: int, title: str, *, type: str, order: int, description: str | None,
        duedate: str | None,
    ) -> Card:  # fmt: skip
        body: dict[str, Any] = {"title": title, "type": type, "order": order}
        if description is not None:
            body["description"] = description
        if duedate is not None:
            body["duedate"] = duedate
        path = f"/boards/{board_id}/stacks/{stack_id}/cards"
        data = await self._call("POST", path, f"stack {stack_id} of board {board_id}", json=body)
        return parsed(Card, data, "a card")

    async def update_card(
        self, board_id: int, stack_id: int, card_id: int, changes: dict[str, Any], *, target_stack_id: int | None = None
    ) -> Card:
        """Change some fields: the card is read and sent back whole (Deck's PUT replaces every field).

        `changes` uses Deck's field names; `target_stack_id` moves it (to a stack on any board)."""
        current = await self.card(board_id, stack_id, card_id)
        body: dict[str, Any] = {
            "title": current.title,
            "description": current.description or "",
            "type": current.type,
            "owner": current.owner.uid if current.owner else self._client.user,
            "order": current.order,
            "duedate": current.duedate,
            "archived": current.archived,
            "done": current.done,
        }
        body.update(changes)
        target = target_stack_id if target_stack_id is not None else current.stack_id
        path = self._card_path(board_id, target, card_id)
        data = await self._call("PUT", path, f"card {card_id}", json=body)
        return parsed(Card, data, "a card")

    async def delete_card(self, board_id: int, stack_id: int, card_id: int) -> None:
        await self._call("DELETE", self._card_path(board_id, stack_id, card_id), f"card {card_id}")

    async def set_archived(self, board_id: int, stack_id: int, card_id: int, archived: bool) -> Card:
        path = self._card_path(board_id, stack_id, card_id) + ("/archive" if archived else "/unarchive")
        data = await self._call("PUT", path, f"card {card_id}")
        return parsed(Card, data, "a card")

    async def reorder_card(self, board_id: int, card_id: int, target_stack_id: int, order: int) -> list[Card]:
        """Put the card at `order` in the target stack (Deck renumbers the others); the stack's cards."""
        path = self._card_path(board_id, target_stack_id, card_id) + "/reorder"
        data = await self._call("PUT", path, f"card {card_id}", json={"order": order, "stackId": target_stack_id})
        cards = list(data.values()) if isinstance(data, dict) else data
        return sorted(_parse_list(Card, cards, "cards"), key=lambda c: (c.order, c.id))

    async def _card_action(self, board_id: int, stack_id: int, card_id: int, action: str, body: dict[str, Any]) -> None:
        await self._call(
            "PUT", self._card_path(board_id, stack_id, card_id) + "/" + action, f"card {card_id}", json=body
        )

    async def assign_label(self, board_id: int, stack_id: int, card_id: int, label_id: int) -> None:
        await self._card_action(board_id, stack_id, card_id, "assignLabel", {"labelId": label_id})

    async def remove_label(self, board_id: int, stack_id: int, card_id: int, label_id: int) -> None:
        await self._card_action(board_id, stack_id, card_id, "removeLabel", {"labelId": label_id})

    async def assign_user(self, board_id: int, stack_id: int, card_id: int, user_id: str) -> None:
        await self._card_action(board_id, stack_id, card_id, "assignUser", {"userId": user_id})

    async def unassign_user(self, board_id: int, stack_id: int, card_id: int, user_id: str) -> None:
        await self._card_action(board_id, stack_id, card_id, "unassignUser", {"userId": user_id})

    async def dependency(self, board_id: int, stack_id: int, card_id: int, other_id: int, *, add: bool) -> Card:
        """Make `card_id` depend on `other_id` (or no longer); the card with its `dependent_cards`."""
        path = self._card_path(board_id, stack_id, card_id) + f"/dependentCards/{other_id}"
        data = await self._call("POST" if add else "DELETE", path, f"card {card_id}")
        return parsed(Card, data, "a card")

    # -- attachments (API v1.1: every type) -------------------------------------------------
    async def attachments(self, board_id: int, stack_id: int, card_id: int) -> list[Attachment]:
        path = self._card_path(board_id, stack_id, card_id) + "/attachments"
        return _parse_list(Attachment, await self._call("GET", path, f"card {card_id}", api=API_11), "attachments")

    async def attachment_content(
        self, board_id: int, stack_id: int, card_id: int, kind: str, attachment_id: int, max_bytes: int
    ) -> tuple[bytes, str]:
        """The attachment's bytes (at most `max_bytes`, else `TooLarge`) and content type."""
        path = API_11 + self._card_path(board_id, stack_id, card_id) + f"/attachments/{kind}/{attachment_id}"
        response = await self._client.request("GET", path, headers=HEADERS, ok=(400, 404))
        if response.status_code in (400, 404):
            raise not_found(f"attachment {attachment_id} of card {card_id}", detail_of(response))
        if len(response.content) > max_bytes:
            raise FileTooLarge(f"attachment {attachment_id}", len(response.content), max_bytes)
        return response.content, response.headers.get("Content-Type", "application/octet-stream").split(";")[0]

    async def upload_attachment(
        self, board_id: int, stack_id: int, card_id: int, name: str, content: bytes, content_type: str
    ) -> Attachment:
        """Upload a file as a `file` attachment (multipart/form-data: `type` and PHP's `$_FILES['file']`).

        Deck stores it in the caller's Deck folder (a taken name gets " (2)") and shares it with the card."""
        body, form = multipart({"type": "file"}, "file", name, content, content_type)
        headers = {**HEADERS, "Content-Type": form}
        path = API_11 + self._card_path(board_id, stack_id, card_id) + "/attachments"
        response = await self._client.request("POST", path, headers=headers, content=body, ok=(400, 404))
        if response.status_code == 404:
            raise not_found(f"card {card_id}", detail_of(response))
        if response.status_code == 400:
            raise Refused(detail_of(response), status=400)
        try:
            data = response.json()
        except ValueError:
            raise BadResponse("Deck's answer is not JSON") from None
        return parsed(Attachment, data, "the attachment")

    async def delete_attachment(
        self, board_id: int, stack_id: int, card_id: int, kind: str, attachment_id: int
    ) -> None:
        path = self._card_path(board_id, stack_id, card_id) + f"/attachments/{kind}/{attachment_id}"
        await self._call("DELETE", path, f"attachment {attachment_id} of card {card_id}", api=API_11)

    # -- labels -----------------------------------------------------------------------------
    async def label(self, board_id: int, label_id: int) -> Label:
        path = f"/boards/{board_id}/labels/{label_id}"
        return parsed(Label, await self._call("GET", path, f"label {label_id} of board {board_id}"), "a label")

    async def create_label(self, board_id: int, title: str, color: str) -> Label:
        body = {"title": title, "color": color}
        data = await self._call("POST", f"/boards/{board_id}/labels", f"board {board_id}", json=body)
        return parsed(Label, data, "a label")

    async def update_label(self, board_id: int, label_id: int, title: str | None, color: str | None) -> Label:
        current = await self.label(board_id, label_id)
        body = {"title": current.title if title is None else title, "color": current.color if color is None else color}
        path = f"/boards/{board_id}/labels/{label_id}"
        return parsed(
            Label, await self._call("PUT", path, f"label {label_id} of board {board_id}", json=body), "a label"
        )

    async def delete_label(self, board_id: int, label_id: int) -> None:
        await self._call("DELETE", f"/boards/{board_id}/labels/{label_id}", f"label {label_id} of board {board_id}")

    # -- comments (OCS) ---------------------------------------------------------------------
    async def comments(self, card_id: int, limit: int, offset: int) -> list[Comment]:
        """The card's comments, newest first (Deck pages them)."""
        data = await self._ocs("GET", f"/cards/{card_id}/comments", f"card {card_id}",
                               params={"limit": limit, "offset": offset})  # fmt: skip
        return _parse_list(Comment, data, "comments")

    async def create_comment(self, card_id: int, message: str, parent_id: int | None) -> Comment:
        body = {"message": message, "parentId": parent_id}
        return parsed(Comment, await self._ocs("POST", f"/cards/{card_id}/comments", f"card {card_id}", json=body),
                      "a comment")  # fmt: skip

    async def update_comment(self, card_id: int, comment_id: int, message: str) -> Comment:
        path = f"/cards/{card_id}/comments/{comment_id}"
        data = await self._ocs("PUT", path, f"comment {comment_id} on card {card_id}", json={"message": message})
        return parsed(Comment, data, "a comment")

    async def delete_comment(self, card_id: int, comment_id: int) -> None:
        await self._ocs("DELETE", f"/cards/{card_id}/comments/{comment_id}", f"comment {comment_id} on card {card_id}")
