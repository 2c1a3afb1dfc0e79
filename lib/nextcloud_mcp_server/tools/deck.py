"""MCP tools for Deck (Kanban boards): boards, stacks, cards, labels, assignments, card comments,
attachments and (Deck >= 1.18) dependent cards.

Names and arguments follow the `nextcloud-mcp-server` package (deck_*). Lists keep the context
small: a card is a summary (title, stack, labels, assignees, due date, done, a short preview of
its description) unless `detail="full"`, and `deck_get_board_overview` gives a whole board in one
call. Deck orders stacks and cards by their `order` (then id); reordering puts a card at a
position and Deck renumbers the others. A Nextcloud file is attached to a card as Deck does it: a
files_sharing share of type 12 with the card (the attachment's id is the share's); attachments are
read and deleted through Deck's API v1.1, which names every attachment type (v1.0 knows only
`deck_file`); a new file is uploaded there too (multipart `file`, as Deck's UI does), and Deck keeps
it in the uploader's Deck folder, shared with the card. A deleted board stays restorable until
Deck purges it (its trash retention).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field, model_serializer

from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import (
    CREATE,
    DELETE,
    READ,
    UPDATE,
    Limit,
    Offset,
    Paged,
    decode_base64,
    invalid,
)
from nextcloud_mcp_server.tools.declare import Config, Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.deck import Acl, Attachment, Board, Card, Comment, DeckAPI, Label, Stack

TOOLSET = Toolset(
    "deck",
    "Deck",
    "Deck Kanban boards: boards, stacks, cards, labels, assignees, comments and attachments.",
    default=False,
    requires=Requirement("deck", "Deck"),
)

BoardId = Annotated[int, Field(ge=1)]
StackId = Annotated[int, Field(ge=1)]
CardId = Annotated[int, Field(ge=1)]
LabelId = Annotated[int, Field(ge=1)]
Detail = Annotated[Literal["summary", "full"], Field(description="full: whole cards with descriptions.")]
Status = Annotated[Literal["open", "done", "archived", "all"], Field(description="open: neither done nor archived.")]
LabelFilter = Annotated[str | None, Field(description="Only cards with this label (title or id).")]
AssignedTo = Annotated[str | None, Field(description="Only cards assigned to this user id.")]
Preview = Annotated[int, Field(ge=0, le=2000, description="Characters of description per card summary.")]
Order = Annotated[int, Field(ge=0, description="Position; lower comes first.")]
Color = Annotated[str, Field(pattern=r"^#?[0-9a-fA-F]{6}$", description="Hex, e.g. 31CC7C.")]
DueDate = Annotated[str | None, Field(description="ISO 8601; '' clears it.")]
PREVIEW = 80


def _deck(nc: Any) -> DeckAPI:
    from nextcloud_mcp_server.nextcloud.deck import DeckAPI

    return nc.api(DeckAPI)  # type: ignore[no-any-return]


def _lean(values: dict[str, Any], keep: tuple[str, ...]) -> dict[str, Any]:
    """`values` without empty optional fields (None, [], '', False) except those in `keep`."""
    return {k: v for k, v in values.items() if k in keep or v not in (None, [], "", False)}


class CardSummary(BaseModel):
    """A card in brief; empty fields are left out."""

    id: int
    title: str
    stack_id: int | None = Field(default=None, description="Left out inside a stack.")
    labels: list[str] = Field(default=[], description="Label titles.")
    assignees: list[str] = Field(default=[], description="User ids.")
    due: str | None = None
    done: bool = False
    archived: bool = False
    preview: str = Field(default="", description="Start of the description.")

    @model_serializer(mode="wrap")
    def _omit_empty(self, handler: Any) -> dict[str, Any]:
        return _lean(handler(self), ("id", "title"))

    @classmethod
    def of(cls, card: Card, preview: int = PREVIEW, *, nested: bool = False) -> CardSummary:
        text = " ".join((card.description or "").split())
        return cls(
            id=card.id,
            title=card.title,
            stack_id=None if nested else card.stack_id,
            labels=[label.title for label in card.labels or []],
            assignees=[a.participant.uid for a in card.assigned_users or []],
            due=card.duedate,
            done=card.done is not None,
            archived=card.archived,
            preview=text[:preview] + ("…" if len(text) > preview else "") if preview else "",
        )


class CardView(CardSummary):
    """A card in a list: the summary, or with `detail="full"` the whole card (description instead of preview)."""

    description: str | None = None
    type: str | None = None
    owner: str | None = None
    order: int | None = None
    created_at: int | None = None
    last_modified: int | None = None
    comments_count: int | None = None
    etag: str | None = None

    @classmethod
    def full(cls, card: Card) -> CardView:
        summary = CardSummary.of(card, 0, nested=True)
        return cls(
            **summary.__dict__, description=card.description or "", type=card.type,
            owner=card.owner.uid if card.owner else "", order=card.order, created_at=card.created_at,
            last_modified=card.last_modified, comments_count=card.comments_count, etag=card.etag,
        )  # fmt: skip

    @classmethod
    def brief(cls, card: Card, preview: int) -> CardView:
        return cls(**CardSummary.of(card, preview, nested=True).__dict__)


class LabelItem(BaseModel):
    id: int
    title: str
    color: str

    @classmethod
    def of(cls, label: Label) -> LabelItem:
        return cls(id=label.id, title=label.title, color=label.color)


class UserItem(BaseModel):
    uid: str
    name: str


class CardDetail(BaseModel):
    """A whole card."""

    id: int
    title: str
    stack_id: int
    description: str
    type: str
    owner: str
    order: int
    archived: bool
    done: str | None = Field(description="When it was marked done; null if not done.")
    duedate: str | None
    labels: list[LabelItem]
    assignees: list[UserItem]
    created_at: int
    last_modified: int
    comments_count: int
    etag: str | None
    dependent_cards: list[int] = Field(default=[], description="Ids of the cards it depends on.")

    @classmethod
    def of(cls, card: Card) -> CardDetail:
        return cls(
            id=card.id, title=card.title, stack_id=card.stack_id, description=card.description or "",
            type=card.type, owner=card.owner.uid if card.owner else "", order=card.order, archived=card.archived,
            done=card.done, duedate=card.duedate, labels=[LabelItem.of(lab) for lab in card.labels or []],
            assignees=[UserItem(uid=a.participant.uid, name=a.participant.displayname or a.participant.uid)
                       for a in card.assigned_users or []],
            created_at=card.created_at, last_modified=card.last_modified, comments_count=card.comments_count,
            etag=card.etag, dependent_cards=card.dependent_cards or [],
        )  # fmt: skip


class StackItem(BaseModel):
    id: int
    title: str
    order: int
    cards: list[CardView] = Field(description="In Deck's order.")


class StackList(BaseModel):
    board_id: int
    stacks: list[StackItem] = Field(description="In Deck's order.")


class BoardSummary(BaseModel):
    id: int
    title: str
    color: str
    archived: bool
    owner: str
    can_edit: bool = Field(description="Whether you may change its cards.")

    @classmethod
    def of(cls, board: Board) -> BoardSummary:
        return cls(id=board.id, title=board.title, color=board.color, archived=board.archived,
                   owner=board.owner.uid if board.owner else "", can_edit=board.can_edit)  # fmt: skip


class ShareItem(BaseModel):
    id: int
    user: str
    edit: bool
    share: bool
    manage: bool


class BoardDetail(BoardSummary):
    labels: list[LabelItem]
    members: list[UserItem] = Field(description="Who can see the board (assignable users).")
    shares: list[ShareItem]
    permissions: list[str] = Field(description="Yours: read, edit, manage, share.")
    etag: str | None

    @classmethod
    def detail(cls, board: Board) -> BoardDetail:
        return cls(
            **BoardSummary.of(board).model_dump(),
            labels=[LabelItem.of(lab) for lab in board.labels],
            members=[UserItem(uid=u.uid, name=u.displayname or u.uid) for u in board.users],
            shares=[ShareItem(id=a.id, user=a.participant.uid, edit=a.permission_edit, share=a.permission_share,
                              manage=a.permission_manage) for a in board.acl],
            permissions=[k.removeprefix("PERMISSION_").lower() for k, v in board.permissions.items() if v],
            etag=board.etag,
        )  # fmt: skip


class Overview(BaseModel):
    board: BoardSummary
    labels: list[LabelItem]
    members: list[str] = Field(description="User ids who can be assigned.")
    stacks: list[StackItem]
    cards_shown: int
    status: str = Field(description="The card filter applied.")


class Done(BaseModel):
    message: str = Field(description="What happened.")


class StackResult(BaseModel):
    id: int
    board_id: int
    title: str
    order: int


class CommentItem(BaseModel):
    id: int
    author: str
    message: str
    created: str
    reply_to: int | None = None

    @classmethod
    def of(cls, comment: Comment) -> CommentItem:
        return cls(id=comment.id, author=comment.actor_id, message=comment.message, created=comment.created,
                   reply_to=comment.reply_to.id if comment.reply_to else None)  # fmt: skip


class CommentPage(BaseModel):
    items: list[CommentItem] = Field(description="Newest first.")
    next_offset: int | None


class Reordered(BaseModel):
    card: CardSummary
    stack: list[CardSummary] = Field(description="The target stack's cards in their new order.")


# -- filtering ---------------------------------------------------------------------------
def _matches(card: Card, status: str, label: str | None, assigned_to: str | None) -> bool:
    if status == "open" and (card.archived or card.done is not None):
        return False
    if status == "done" and card.done is None:
        return False
    if status == "archived" and not card.archived:
        return False
    if label is not None and not any(label in (lab.title, str(lab.id)) for lab in card.labels or []):
        return False
    return assigned_to is None or any(a.participant.uid == assigned_to for a in card.assigned_users or [])


async def _board_stacks(nc: Any, board_id: int, status: str) -> list[Stack]:
    """The board's stacks with the cards `status` may need (archived ones come from another call)."""
    deck = _deck(nc)
    stacks = await deck.stacks(board_id) if status != "archived" else []
    if status in ("archived", "all"):
        archived = {s.id: s for s in await deck.archived_stacks(board_id)}
        if not stacks:
            return list(archived.values())
        extra = {sid: stack.cards or [] for sid, stack in archived.items()}
        stacks = [s.model_copy(update={"cards": [*(s.cards or []), *extra.get(s.id, [])]}) for s in stacks]
    return stacks


def _shape(
    stack: Stack, detail: str, status: str, label: str | None, assigned_to: str | None, preview: int
) -> StackItem:
    cards = [c for c in stack.cards or [] if _matches(c, status, label, assigned_to)]
    cards.sort(key=lambda c: (c.order, c.id))
    shaped = [CardView.full(c) if detail == "full" else CardView.brief(c, preview) for c in cards]
    return StackItem(id=stack.id, title=stack.title, order=stack.order, cards=shaped)


def _clean(argument: str, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise invalid(argument, "must not be empty; omit it to keep the current value")
    return value.strip() if value is not None else None


def _due(value: str | None) -> str | None:
    """An ISO 8601 due date for Deck ('' clears: None)."""
    if value is None or not value.strip():
        return None
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise invalid("duedate", f"{value!r} is not an ISO 8601 date, e.g. 2026-05-01T17:00:00+00:00") from None
    return value.strip()


def _title(value: str, limit: int) -> str:
    if not value.strip():
        raise invalid("title", "must not be empty; give a short title")
    if len(value.strip()) > limit:
        raise invalid("title", f"is {len(value.strip())} characters; Deck allows {limit}")
    return value.strip()


# -- boards ------------------------------------------------------------------------------
@tool(TOOLSET, READ, title="List Deck boards")
async def deck_get_boards(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[BoardSummary]:
    """List the Deck boards you can see (yours and shared with you)."""
    boards = [b for b in await _deck(nc).boards() if not b.deleted_at]
    return Paged[BoardSummary].of([BoardSummary.of(b) for b in boards], offset, limit)


@tool(TOOLSET, READ, title="Get Deck board")
async def deck_get_board(nc: Nextcloud, board_id: BoardId) -> BoardDetail:
    """Read a board: its labels, members, shares and your permissions (no cards)."""
    return BoardDetail.detail(await _deck(nc).board(board_id))


@tool(TOOLSET, CREATE, title="Create Deck board")
async def deck_create_board(nc: Nextcloud, title: str, color: Color) -> BoardDetail:
    """Create a board (Deck adds four default labels)."""
    return BoardDetail.detail(await _deck(nc).create_board(_title(title, 100), color.lstrip("#")))


@tool(TOOLSET, CREATE, title="Share Deck board")
async def nc_deck_share_board(
    nc: Nextcloud, board_id: BoardId, user_id: str, edit: bool = False, share: bool = False, manage: bool = False
) -> ShareItem:
    """Share a board with a user; without `edit` they can only read it."""
    if not user_id.strip():
        raise invalid("user_id", "must not be empty; give the Nextcloud user id to share with")
    return _share_item(await _deck(nc).share_board(board_id, user_id.strip(), edit=edit, share=share, manage=manage))


def _share_item(acl: Acl) -> ShareItem:
    return ShareItem(id=acl.id, user=acl.participant.uid, edit=acl.permission_edit, share=acl.permission_share,
                     manage=acl.permission_manage)  # fmt: skip


@tool(TOOLSET, UPDATE, title="Update Deck board")
async def nc_deck_update_board(
    nc: Nextcloud, board_id: BoardId, title: str | None = None, color: Color | None = None, archived: bool | None = None
) -> BoardSummary:
    """Rename, recolor, archive or unarchive a board."""
    if title is None and color is None and archived is None:
        raise invalid("title/color/archived", "give at least one of them to change")
    board = await _deck(nc).update_board(
        board_id, None if title is None else _title(title, 100), color and color.lstrip("#"), archived
    )
    return BoardSummary.of(board)


@tool(TOOLSET, DELETE, title="Delete Deck board")
async def nc_deck_delete_board(nc: Nextcloud, board_id: BoardId) -> Done:
    """Delete a board; nc_deck_restore_board undoes it until Deck purges it (after 5 hours by default)."""
    await _deck(nc).delete_board(board_id)
    return Done(message=f"Board {board_id} deleted; nc_deck_restore_board brings it back until Deck purges it")


@tool(TOOLSET, UPDATE, title="Restore Deck board")
async def nc_deck_restore_board(nc: Nextcloud, board_id: BoardId) -> BoardSummary:
    """Bring back a board you deleted, before Deck purges it."""
    return BoardSummary.of(await _deck(nc).restore_board(board_id))


AclId = Annotated[int, Field(ge=1, description="The share's id (deck_get_board lists shares).")]


@tool(TOOLSET, UPDATE, title="Change Deck board share")
async def nc_deck_update_board_share(
    nc: Nextcloud,
    board_id: BoardId,
    acl_id: AclId,
    edit: bool | None = None,
    share: bool | None = None,
    manage: bool | None = None,
) -> ShareItem:
    """Change what a user a board is shared with may do; omitted permissions stay."""
    if edit is None and share is None and manage is None:
        raise invalid("edit/share/manage", "give at least one permission to change")
    return _share_item(await _deck(nc).update_share(board_id, acl_id, edit=edit, share=share, manage=manage))


@tool(TOOLSET, DELETE, title="Unshare Deck board")
async def nc_deck_unshare_board(nc: Nextcloud, board_id: BoardId, acl_id: AclId) -> Done:
    """Stop sharing a board with a user; their card assignments on it go too."""
    await _deck(nc).delete_share(board_id, acl_id)
    return Done(message=f"Share {acl_id} removed from board {board_id}")


@tool(TOOLSET, READ, title="Deck board overview")
async def deck_get_board_overview(
    nc: Nextcloud,
    board_id: BoardId,
    status: Status = "open",
    label: LabelFilter = None,
    assigned_to: AssignedTo = None,
    description_preview_length: Preview = PREVIEW,
    detail: Detail = "summary",
) -> Overview:
    """A whole board in one call: labels, members and every stack with its card summaries."""
    deck = _deck(nc)
    board = await deck.board(board_id)
    stacks = [_shape(s, detail, status, label, assigned_to, description_preview_length)
              for s in await _board_stacks(nc, board_id, status)]  # fmt: skip
    return Overview(
        board=BoardSummary.of(board),
        labels=[LabelItem.of(lab) for lab in board.labels],
        members=[u.uid for u in board.users],
        stacks=stacks,
        cards_shown=sum(len(s.cards) for s in stacks),
        status=status,
    )


# -- stacks ------------------------------------------------------------------------------
@tool(TOOLSET, READ, title="List Deck stacks")
async def deck_get_stacks(
    nc: Nextcloud,
    board_id: BoardId,
    include_cards: bool = True,
    detail: Detail = "summary",
    status: Status = "open",
    label: LabelFilter = None,
    assigned_to: AssignedTo = None,
    description_preview_length: Preview = PREVIEW,
) -> StackList:
    """List a board's stacks (columns) in order, with their cards."""
    stacks = await _board_stacks(nc, board_id, status)
    shaped = [_shape(s, detail, status, label, assigned_to, description_preview_length) for s in stacks]
    if not include_cards:
        shaped = [s.model_copy(update={"cards": []}) for s in shaped]
    return StackList(board_id=board_id, stacks=shaped)


@tool(TOOLSET, READ, title="Get Deck stack")
async def deck_get_stack(
    nc: Nextcloud,
    board_id: BoardId,
    stack_id: StackId,
    detail: Detail = "summary",
    status: Status = "open",
    label: LabelFilter = None,
    assigned_to: AssignedTo = None,
    description_preview_length: Preview = PREVIEW,
) -> StackItem:
    """Read one stack with its cards."""
    stacks = {s.id: s for s in await _board_stacks(nc, board_id, status)}
    if stack_id not in stacks:
        from nextcloud_mcp_server.nextcloud.errors import not_found

        raise not_found(f"stack {stack_id} of board {board_id}")
    return _shape(stacks[stack_id], detail, status, label, assigned_to, description_preview_length)


@tool(TOOLSET, READ, title="List archived Deck cards")
async def deck_get_archived_stacks(
    nc: Nextcloud, board_id: BoardId, detail: Detail = "summary", description_preview_length: Preview = PREVIEW
) -> StackList:
    """List a board's stacks with only their archived cards."""
    stacks = await _deck(nc).archived_stacks(board_id)
    return StackList(
        board_id=board_id,
        stacks=[_shape(s, detail, "archived", None, None, description_preview_length) for s in stacks],
    )


@tool(TOOLSET, CREATE, title="Create Deck stack")
async def deck_create_stack(nc: Nextcloud, board_id: BoardId, title: str, order: Order) -> StackResult:
    """Add a stack (column) to a board."""
    stack = await _deck(nc).create_stack(board_id, _title(title, 100), order)
    return StackResult(id=stack.id, board_id=stack.board_id, title=stack.title, order=stack.order)


@tool(TOOLSET, UPDATE, title="Update Deck stack")
async def deck_update_stack(
    nc: Nextcloud, board_id: BoardId, stack_id: StackId, title: str | None = None, order: Order | None = None
) -> StackResult:
    """Rename a stack or change its position."""
    if title is None and order is None:
        raise invalid("title/order", "give at least one of them to change")
    stack = await _deck(nc).update_stack(board_id, stack_id, _clean("title", title), order)
    return StackResult(id=stack.id, board_id=stack.board_id, title=stack.title, order=stack.order)


@tool(TOOLSET, DELETE, title="Delete Deck stack")
async def deck_delete_stack(nc: Nextcloud, board_id: BoardId, stack_id: StackId) -> Done:
    """Delete a stack and its cards."""
    await _deck(nc).delete_stack(board_id, stack_id)
    return Done(message=f"Stack {stack_id} deleted from board {board_id}")


# -- cards -------------------------------------------------------------------------------
@tool(TOOLSET, READ, title="List Deck cards")
async def deck_get_cards(
    nc: Nextcloud,
    board_id: BoardId,
    stack_id: StackId,
    detail: Detail = "summary",
    status: Status = "open",
    label: LabelFilter = None,
    assigned_to: AssignedTo = None,
    description_preview_length: Preview = PREVIEW,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[CardView]:
    """List a stack's cards in order."""
    stack = await deck_get_stack(nc, board_id, stack_id, detail, status, label, assigned_to, description_preview_length)
    return Paged[CardView].of(stack.cards, offset, limit)


@tool(TOOLSET, READ, title="Get Deck card")
async def deck_get_card(nc: Nextcloud, board_id: BoardId, stack_id: StackId, card_id: CardId) -> CardDetail:
    """Read a whole card: description, labels, assignees and dates."""
    return CardDetail.of(await _deck(nc).card(board_id, stack_id, card_id))


@tool(TOOLSET, CREATE, title="Create Deck card")
async def deck_create_card(
    nc: Nextcloud,
    board_id: BoardId,
    stack_id: StackId,
    title: str,
    type: Literal["plain", "text"] = "plain",
    order: Order = 999,
    description: Annotated[str | None, Field(description="Markdown.")] = None,
    duedate: DueDate = None,
) -> CardDetail:
    """Add a card to a stack."""
    card = await _deck(nc).create_card(board_id, stack_id, _title(title, 255), type=type, order=order,
                                       description=description, duedate=_due(duedate))  # fmt: skip
    return CardDetail.of(card)


@tool(TOOLSET, UPDATE, title="Update Deck card")
async def deck_update_card(
    nc: Nextcloud,
    board_id: BoardId,
    stack_id: StackId,
    card_id: CardId,
    title: str | None = None,
    description: Annotated[str | None, Field(description="Markdown; replaces it.")] = None,
    type: Literal["plain", "text"] | None = None,
    owner: str | None = None,
    order: Order | None = None,
    duedate: DueDate = None,
    archived: bool | None = None,
    done: Annotated[bool | None, Field(description="true marks it done now, false undone.")] = None,
) -> CardDetail:
    """Change some fields of a card; the others keep their values."""
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = _title(title, 255)
    if owner is not None:
        changes["owner"] = _clean("owner", owner)
    if duedate is not None:
        changes["duedate"] = _due(duedate)
    if done is not None:
        changes["done"] = datetime.now().astimezone().isoformat(timespec="seconds") if done else None
    for key, value in (("description", description), ("type", type), ("order", order), ("archived", archived)):
        if value is not None:
            changes[key] = value
    if not changes:
        raise invalid("title/description/...", "give at least one field to change")
    return CardDetail.of(await _deck(nc).update_card(board_id, stack_id, card_id, changes))


@tool(TOOLSET, DELETE, title="Delete Deck card")
async def deck_delete_card(nc: Nextcloud, board_id: BoardId, stack_id: StackId, card_id: CardId) -> Done:
    """Delete a card from its stack."""
    await _deck(nc).delete_card(board_id, stack_id, card_id)
    return Done(message=f"Card {card_id} deleted")


@tool(TOOLSET, UPDATE, title="Archive Deck card")
async def deck_archive_card(nc: Nextcloud, board_id: BoardId, stack_id: StackId, card_id: CardId) -> CardSummary:
    """Archive a card (hidden from the board; deck_unarchive_card brings it back)."""
    return CardSummary.of(await _deck(nc).set_archived(board_id, stack_id, card_id, True))


@tool(TOOLSET, UPDATE, title="Unarchive Deck card")
async def deck_unarchive_card(nc: Nextcloud, board_id: BoardId, stack_id: StackId, card_id: CardId) -> CardSummary:
    """Bring an archived card back onto its stack."""
    return CardSummary.of(await _deck(nc).set_archived(board_id, stack_id, card_id, False))


async def _stack_ids(nc: Any, board_id: int) -> set[int]:
    return {s.id for s in await _deck(nc).stacks(board_id)}


@tool(TOOLSET, UPDATE, title="Reorder Deck card")
async def deck_reorder_card(
    nc: Nextcloud,
    board_id: BoardId,
    stack_id: StackId,
    card_id: CardId,
    order: Annotated[int, Field(ge=0, description="0-based position in the target stack.")],
    target_stack_id: StackId,
) -> Reordered:
    """Move a card to a position in a stack of the same board; Deck renumbers the others."""
    if target_stack_id != stack_id and target_stack_id not in await _stack_ids(nc, board_id):
        raise invalid("target_stack_id", f"is not a stack of board {board_id}; use deck_move_card_to_board")
    cards = await _deck(nc).reorder_card(board_id, card_id, target_stack_id, order)
    moved = next((c for c in cards if c.id == card_id), None)
    if moved is None:
        moved = await _deck(nc).card(board_id, target_stack_id, card_id)
    return Reordered(card=CardSummary.of(moved), stack=[CardSummary.of(c, 0, nested=True) for c in cards])


@tool(TOOLSET, UPDATE, title="Move Deck card to board")
async def deck_move_card_to_board(
    nc: Nextcloud,
    source_board_id: BoardId,
    source_stack_id: StackId,
    card_id: CardId,
    target_board_id: BoardId,
    target_stack_id: StackId,
    order: Order = 0,
) -> CardDetail:
    """Move a card to a stack on another board; labels are matched there by title."""
    deck = _deck(nc)
    if target_stack_id not in await _stack_ids(nc, target_board_id):
        raise invalid("target_stack_id", f"is not a stack of board {target_board_id}; list them with deck_get_stacks")
    before = await deck.card(source_board_id, source_stack_id, card_id)
    moved = await deck.update_card(source_board_id, source_stack_id, card_id, {"order": order},
                                   target_stack_id=target_stack_id)  # fmt: skip
    have = {label.title for label in moved.labels or []}
    wanted = {label.title for label in before.labels or []} - have
    if wanted:
        board = await deck.board(target_board_id)
        for label in board.labels:
            if label.title in wanted:
                await deck.assign_label(target_board_id, target_stack_id, card_id, label.id)
        moved = await deck.card(target_board_id, target_stack_id, card_id)
    return CardDetail.of(moved)


# -- labels ------------------------------------------------------------------------------
class LabelList(BaseModel):
    board_id: int
    labels: list[LabelItem]


@tool(TOOLSET, READ, title="List Deck labels")
async def deck_get_labels(nc: Nextcloud, board_id: BoardId) -> LabelList:
    """List a board's labels."""
    labels = (await _deck(nc).board(board_id)).labels
    return LabelList(board_id=board_id, labels=[LabelItem.of(lab) for lab in labels])


@tool(TOOLSET, READ, title="Get Deck label")
async def deck_get_label(nc: Nextcloud, board_id: BoardId, label_id: LabelId) -> LabelItem:
    """Read one label of a board."""
    return LabelItem.of(await _deck(nc).label(board_id, label_id))


@tool(TOOLSET, CREATE, title="Create Deck label")
async def deck_create_label(nc: Nextcloud, board_id: BoardId, title: str, color: Color) -> LabelItem:
    """Add a label to a board."""
    return LabelItem.of(await _deck(nc).create_label(board_id, _title(title, 100), color.lstrip("#")))


@tool(TOOLSET, UPDATE, title="Update Deck label")
async def deck_update_label(
    nc: Nextcloud, board_id: BoardId, label_id: LabelId, title: str | None = None, color: Color | None = None
) -> LabelItem:
    """Rename or recolor a label."""
    if title is None and color is None:
        raise invalid("title/color", "give at least one of them to change")
    label = await _deck(nc).update_label(board_id, label_id, _clean("title", title), color and color.lstrip("#"))
    return LabelItem.of(label)


@tool(TOOLSET, DELETE, title="Delete Deck label")
async def deck_delete_label(nc: Nextcloud, board_id: BoardId, label_id: LabelId) -> Done:
    """Delete a label (it is removed from every card)."""
    await _deck(nc).delete_label(board_id, label_id)
    return Done(message=f"Label {label_id} deleted from board {board_id}")


@tool(TOOLSET, UPDATE, title="Label Deck card")
async def deck_assign_label_to_card(
    nc: Nextcloud, board_id: BoardId, stack_id: StackId, card_id: CardId, label_id: LabelId
) -> CardSummary:
    """Put one of the board's labels on a card."""
    deck = _deck(nc)
    await deck.assign_label(board_id, stack_id, card_id, label_id)
    return CardSummary.of(await deck.card(board_id, stack_id, card_id))


@tool(TOOLSET, UPDATE, title="Unlabel Deck card")
async def deck_remove_label_from_card(
    nc: Nextcloud, board_id: BoardId, stack_id: StackId, card_id: CardId, label_id: LabelId
) -> CardSummary:
    """Take a label off a card."""
    deck = _deck(nc)
    await deck.remove_label(board_id, stack_id, card_id, label_id)
    return CardSummary.of(await deck.card(board_id, stack_id, card_id))


@tool(TOOLSET, UPDATE, title="Assign Deck card")
async def deck_assign_user_to_card(
    nc: Nextcloud, board_id: BoardId, stack_id: StackId, card_id: CardId, user_id: str
) -> CardSummary:
    """Assign a board member to a card."""
    if not user_id.strip():
        raise invalid("user_id", "must not be empty; pick one of the board's members (deck_get_board)")
    deck = _deck(nc)
    await deck.assign_user(board_id, stack_id, card_id, user_id.strip())
    return CardSummary.of(await deck.card(board_id, stack_id, card_id))


@tool(TOOLSET, UPDATE, title="Unassign Deck card")
async def deck_unassign_user_from_card(
    nc: Nextcloud, board_id: BoardId, stack_id: StackId, card_id: CardId, user_id: str
) -> CardSummary:
    """Remove a user from a card's assignees."""
    if not user_id.strip():
        raise invalid("user_id", "must not be empty; give an assignee's user id")
    deck = _deck(nc)
    await deck.unassign_user(board_id, stack_id, card_id, user_id.strip())
    return CardSummary.of(await deck.card(board_id, stack_id, card_id))


# -- comments ----------------------------------------------------------------------------
Message = Annotated[str, Field(description="Up to 1000 characters; @user mentions.")]
CommentId = Annotated[int, Field(ge=1)]


def _message(message: str) -> str:
    if not message.strip():
        raise invalid("message", "must not be empty; give the comment's text")
    if len(message.strip()) > 1000:
        raise invalid("message", f"is {len(message.strip())} characters; Deck allows 1000, so shorten or split it")
    return message


@tool(TOOLSET, READ, title="List Deck card comments")
async def deck_get_card_comments(
    nc: Nextcloud, card_id: CardId, limit: Annotated[int, Field(ge=1, le=200)] = 20, offset: Offset = 0
) -> CommentPage:
    """List a card's comments, newest first."""
    comments = await _deck(nc).comments(card_id, limit, offset)
    return CommentPage(items=[CommentItem.of(c) for c in comments],
                       next_offset=offset + len(comments) if len(comments) == limit else None)  # fmt: skip


@tool(TOOLSET, CREATE, title="Comment on Deck card")
async def deck_create_card_comment(
    nc: Nextcloud, card_id: CardId, message: Message, parent_id: CommentId | None = None
) -> CommentItem:
    """Comment on a card, optionally as a reply."""
    return CommentItem.of(await _deck(nc).create_comment(card_id, _message(message), parent_id))


@tool(TOOLSET, UPDATE, title="Edit Deck card comment")
async def deck_update_card_comment(
    nc: Nextcloud, card_id: CardId, comment_id: CommentId, message: Message
) -> CommentItem:
    """Change the text of one of your comments."""
    return CommentItem.of(await _deck(nc).update_comment(card_id, comment_id, _message(message)))


@tool(TOOLSET, DELETE, title="Delete Deck card comment")
async def deck_delete_card_comment(nc: Nextcloud, card_id: CardId, comment_id: CommentId) -> Done:
    """Delete one of your comments."""
    await _deck(nc).delete_comment(card_id, comment_id)
    return Done(message=f"Comment {comment_id} deleted from card {card_id}")


# -- dependent cards (Deck >= 1.18) ------------------------------------------------------
DEPENDENCIES = Requirement("deck", "Deck", min_version="1.18.0")
DependentId = Annotated[int, Field(ge=1, description="The card that card_id depends on.")]


class Dependencies(BaseModel):
    card_id: int
    dependent_cards: list[int] = Field(description="Ids of the cards it depends on.")


async def _dependency(nc: Any, board_id: int, stack_id: int, card_id: int, other: int, add: bool) -> Dependencies:
    if other == card_id:
        raise invalid("dependent_card_id", "is the card itself; give the id of the card it depends on")
    card = await _deck(nc).dependency(board_id, stack_id, card_id, other, add=add)
    return Dependencies(card_id=card.id, dependent_cards=card.dependent_cards or [])


@tool(TOOLSET, UPDATE, title="Add Deck card dependency", requires=DEPENDENCIES)
async def deck_assign_dependent_card(
    nc: Nextcloud, board_id: BoardId, stack_id: StackId, card_id: CardId, dependent_card_id: DependentId
) -> Dependencies:
    """Mark a card as depending on another card you can read."""
    return await _dependency(nc, board_id, stack_id, card_id, dependent_card_id, True)


@tool(TOOLSET, UPDATE, title="Remove Deck card dependency", requires=DEPENDENCIES)
async def deck_remove_dependent_card(
    nc: Nextcloud, board_id: BoardId, stack_id: StackId, card_id: CardId, dependent_card_id: DependentId
) -> Dependencies:
    """Remove a card's dependency on another card."""
    return await _dependency(nc, board_id, stack_id, card_id, dependent_card_id, False)


# -- attachments -------------------------------------------------------------------------
AttachmentId = Annotated[int, Field(ge=1)]
AttachmentType = Annotated[Literal["file", "deck_file"], Field(description="As deck_list_attachments gives it.")]
DECK_SHARE = 12
"""files_sharing's share type for a Deck card: a file is attached by sharing it with the card."""


class AttachmentItem(BaseModel):
    """An attachment; empty fields are left out."""

    id: int
    type: str = Field(description="file: a Nextcloud file shared with the card; deck_file: stored in Deck.")
    name: str
    path: str | None = Field(default=None, description="In your files, where you can reach it.")
    size: int | None = None
    mimetype: str | None = None
    created_by: str
    deleted: bool = Field(default=False, description="Deleted, purged by Deck later.")

    @model_serializer(mode="wrap")
    def _omit_empty(self, handler: Any) -> dict[str, Any]:
        return _lean(handler(self), ("id", "type", "name", "created_by"))

    @classmethod
    def of(cls, item: Attachment) -> AttachmentItem:
        extended = item.extended
        return cls(id=item.id, type=item.type, name=item.name, path=extended.get("path"),
                   size=extended.get("filesize"), mimetype=extended.get("mimetype"), created_by=item.created_by,
                   deleted=item.deleted_at > 0)  # fmt: skip


class AttachmentList(BaseModel):
    card_id: int
    items: list[AttachmentItem]


class AttachmentContent(BaseModel):
    id: int
    type: str
    content_type: str
    size: int
    encoding: Literal["text", "base64"]
    content: str


class Attached(BaseModel):
    attachment_id: int = Field(description="For deck_delete_attachment (type file).")
    card_id: int
    path: str


@tool(TOOLSET, READ, title="List Deck card attachments")
async def deck_list_attachments(nc: Nextcloud, board_id: BoardId, stack_id: StackId, card_id: CardId) -> AttachmentList:
    """List a card's attachments."""
    items = await _deck(nc).attachments(board_id, stack_id, card_id)
    return AttachmentList(card_id=card_id, items=[AttachmentItem.of(a) for a in items])


@tool(TOOLSET, READ, title="Read Deck card attachment")
async def nc_deck_get_attachment(
    nc: Nextcloud,
    limits: Config,
    board_id: BoardId,
    stack_id: StackId,
    card_id: CardId,
    attachment_id: AttachmentId,
    type: AttachmentType = "file",
) -> AttachmentContent:
    """Read an attachment's content (text, or base64 when binary; size-limited)."""
    import base64

    from nextcloud_mcp_server.nextcloud.webdav import is_text

    data, ctype = await _deck(nc).attachment_content(
        board_id, stack_id, card_id, type, attachment_id, limits.max_read_bytes
    )
    text = is_text(ctype, data)
    content = data.decode("utf-8") if text else base64.b64encode(data).decode("ascii")
    return AttachmentContent(id=attachment_id, type=type, content_type=ctype, size=len(data),
                             encoding="text" if text else "base64", content=content)  # fmt: skip


@tool(TOOLSET, DELETE, title="Delete Deck card attachment")
async def deck_delete_attachment(
    nc: Nextcloud,
    board_id: BoardId,
    stack_id: StackId,
    card_id: CardId,
    attachment_id: AttachmentId,
    type: AttachmentType = "file",
) -> Done:
    """Remove an attachment from a card; an attached Nextcloud file stays in its owner's files."""
    await _deck(nc).delete_attachment(board_id, stack_id, card_id, type, attachment_id)
    return Done(message=f"Attachment {attachment_id} removed from card {card_id}")


@tool(TOOLSET, CREATE, title="Upload Deck card attachment")
async def nc_deck_upload_attachment(
    nc: Nextcloud,
    board_id: BoardId,
    stack_id: StackId,
    card_id: CardId,
    filename: Annotated[str, Field(description="e.g. notes.md; a taken name gets ' (2)'.")],
    content: Annotated[str, Field(description="Text, or base64.")],
    encoding: Literal["text", "base64"] = "text",
) -> AttachmentItem:
    """Upload a new file to a card; Deck keeps it in your Deck folder, shared with the card."""
    import mimetypes

    name = filename.strip()
    if not name or "/" in name or "\\" in name or any(ord(ch) < 32 for ch in name):
        raise invalid("filename", "give a plain file name such as notes.md, without slashes or line breaks")
    data = decode_base64("content", content) if encoding == "base64" else content.encode("utf-8")
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    item = await _deck(nc).upload_attachment(board_id, stack_id, card_id, name, data, mime)
    return AttachmentItem.of(item)


async def _attach(nc: Any, card_id: int, path: str) -> Attached:
    from nextcloud_mcp_server.nextcloud.sharing import SharingAPI

    share = await nc.api(SharingAPI).create(path, DECK_SHARE, share_with=str(card_id), permissions=1)
    return Attached(attachment_id=share.id, card_id=card_id, path=path)


@tool(TOOLSET, CREATE, title="Attach file to Deck card")
async def deck_attach_file(
    nc: Nextcloud, card_id: CardId, path: Annotated[str, Field(description="In your files, e.g. /Docs/spec.pdf.")]
) -> Attached:
    """Attach a file from your Nextcloud files to a card (shared with it, not copied)."""
    target = "/" + path.strip().strip("/")
    if target == "/":
        raise invalid("path", "give the path of a file in your files, e.g. /Documents/spec.pdf")
    return await _attach(nc, card_id, target)


@tool(TOOLSET, CREATE, title="Attach note to Deck card")
async def deck_attach_note(nc: Nextcloud, card_id: CardId, note_id: Annotated[int, Field(ge=1)]) -> Attached:
    """Attach one of your notes (its file) to a card."""
    settings = await nc.notes.settings()
    note = await nc.notes.get(note_id)
    suffix = settings.file_suffix if settings.file_suffix.startswith(".") else ".md"
    path = "/" + "/".join(p.strip("/") for p in (settings.notes_path, note.category, note.title + suffix) if p)
    if await nc.webdav.file_id(path) != note_id:
        raise invalid("note_id", f"the note's file is not at {path}; attach it with deck_attach_file and its path")
    return await _attach(nc, card_id, path)
