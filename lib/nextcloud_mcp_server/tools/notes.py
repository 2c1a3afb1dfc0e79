"""MCP tools and resources for Nextcloud Notes: validate -> NotesAPI -> shape.

The worked example of the tool template (tools/declare.py): module-level functions declared with
their toolset, taking the caller's client as `nc`. Names and arguments follow the
`nextcloud-mcp-server` package (nc_notes_*). Every result
that names a note carries its id and etag, so the follow-up update can be conditional;
appends are conditional too and retried on a concurrent change, so nothing is lost. A note's
embedded images come back as image content (other attachments as an embedded resource).
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Annotated, Any, Self
from urllib.parse import quote

from mcp_types import BlobResourceContents, CallToolResult, EmbeddedResource, ImageContent, TextContent
from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import (
    CREATE,
    DELETE,
    READ,
    UPDATE,
    Limit,
    Offset,
    Page,
    invalid,
    paginate,
)
from nextcloud_mcp_server.tools.declare import Config, Nextcloud, resource, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.notes import Note

NOTE_URI = "nc://notes/{note_id}"
NOTES_INDEX_URI = "nc://notes"

NoteId = Annotated[int, Field(ge=1)]
Etag = Annotated[str, Field(description="From your last read or write.")]
IMAGES = ("image/png", "image/jpeg", "image/gif", "image/webp")
"""What is returned as image content; other types (SVG too) come as an embedded resource."""
ATTACHMENT_API = Requirement("notes", "Notes", min_version="4.9")
"""Notes API 1.4 (Notes 4.9) serves attachments."""

TOOLSET = Toolset(
    "notes",
    "Notes",
    "Nextcloud Notes: list, search, read, create, edit and delete Markdown notes.",
    requires=Requirement("notes", "Notes"),
)


class NoteSummary(BaseModel):
    """A note without its content."""

    id: int = Field(description="The note's id (stable across renames).")
    title: str = Field(description="The title (also the file name; Nextcloud may have adjusted it).")
    category: str = Field(description="The category (folder path below the notes folder); '' if none.")
    etag: str = Field(description="The note's current version; pass it to nc_notes_update_note.")
    modified: int = Field(description="Last modification as a Unix timestamp.")
    favorite: bool = Field(description="Whether the note is marked as favorite.")
    readonly: bool = Field(description="Whether the note is read-only for this user.")
    uri: str = Field(description="The MCP resource URI of the note.")

    @classmethod
    def of(cls, note: Note, **extra: Any) -> Self:
        fields = note.model_dump(include={"id", "title", "category", "etag", "modified", "favorite", "readonly"})
        return cls(**fields, uri=NOTE_URI.format(note_id=note.id), **extra)


class NoteResult(NoteSummary):
    """A note with its content."""

    content: str = Field(description="The note's Markdown content.")


class DeleteNoteResult(BaseModel):
    deleted_id: int = Field(description="The id of the deleted note.")
    message: str = Field(description="What happened.")


class NoteList(BaseModel):
    notes: list[NoteSummary] = Field(description="The notes on this page, most recently modified first.")
    category: str | None = Field(description="The category filter applied, if any.")
    page: Page


class AttachmentResult(BaseModel):
    """A file a note embeds; the file itself is in the content (an image, or an embedded resource)."""

    note_id: int = Field(description="The note that embeds it.")
    path: str = Field(description="Its path relative to the note's folder, as asked for.")
    name: str = Field(description="Its file name.")
    content_type: str = Field(description="MIME type.")
    size: int = Field(description="Size in bytes.")


class NoteSearchHit(NoteSummary):
    score: float = Field(description="Relevance between 0 and 1 (title matches weigh most).")
    excerpt: str = Field(description="Content around the first match.")


class SearchNotesResult(BaseModel):
    results: list[NoteSearchHit] = Field(description="Matching notes on this page, best first.")
    query: str = Field(description="The search query used.")
    total_found: int = Field(description="Number of matching notes across all pages.")
    page: Page


def excerpt(content: str, terms: list[str], width: int = 160) -> str:
    """Up to `width` characters of content around the first term found."""
    folded = content.casefold()
    positions = [pos for pos in (folded.find(t.casefold()) for t in terms) if pos >= 0]
    start = max(0, min(positions, default=0) - width // 4)
    text = content[start : start + width].replace("\n", " ").strip()
    return ("…" if start else "") + text + ("…" if start + width < len(content) else "")


def _blank(value: str | None) -> bool:
    return value is not None and not value.strip()


@tool(TOOLSET, CREATE, title="Create note")
async def nc_notes_create_note(
    nc: Nextcloud,
    title: Annotated[str, Field(description="Also the file name.")],
    content: Annotated[str, Field(description="Markdown.")],
    category: Annotated[str, Field(description="Folder, e.g. 'Work/2026'.")] = "",
) -> NoteSummary:
    """Create a note (Nextcloud may adjust the title)."""
    if _blank(title):
        raise invalid("title", "must not be empty; give the note a short title")
    return NoteSummary.of(await nc.notes.create(title.strip(), content, category.strip()))


@tool(TOOLSET, READ, title="Get note")
async def nc_notes_get_note(nc: Nextcloud, note_id: NoteId) -> NoteResult:
    """Read a note with its content and etag."""
    note = await nc.notes.get(note_id)
    return NoteResult.of(note, content=note.content)


@tool(TOOLSET, UPDATE, title="Update note")
async def nc_notes_update_note(
    nc: Nextcloud,
    note_id: NoteId,
    etag: Etag,
    title: str | None = None,
    content: Annotated[str | None, Field(description="All of the new Markdown.")] = None,
    category: Annotated[str | None, Field(description="'' for none.")] = None,
) -> NoteSummary:
    """Change title, content or category if still at `etag`; to add text, use nc_notes_append_content."""
    if not etag.strip():
        raise invalid("etag", "must not be empty; read the note with nc_notes_get_note to get its etag")
    if title is None and content is None and category is None:
        raise invalid("title/content/category", "give at least one of them to change")
    if _blank(title):
        raise invalid("title", "must not be empty; omit it to keep the current title")
    note = await nc.notes.update(
        note_id,
        title=title.strip() if title is not None else None,
        content=content,
        category=category.strip() if category is not None else None,
        etag=etag,
    )
    return NoteSummary.of(note)


@tool(TOOLSET, CREATE, title="Append to note")
async def nc_notes_append_content(
    nc: Nextcloud, note_id: NoteId, content: Annotated[str, Field(description="Markdown.")]
) -> NoteSummary:
    """Append text after a `---` line; safe under concurrent edits."""
    if not content.strip():
        raise invalid("content", "must not be empty; give the text to append")
    return NoteSummary.of(await nc.notes.append(note_id, content))


@tool(TOOLSET, READ, title="Search notes")
async def nc_notes_search_notes(
    nc: Nextcloud,
    query: Annotated[str, Field(description="Words, all must occur (any case).")],
    limit: Limit = 50,
    offset: Offset = 0,
) -> SearchNotesResult:
    """Search notes' titles, categories and content."""
    if not query.strip():
        raise invalid("query", "must not be empty; give one or more words to search for")
    hits = await nc.notes.search(query)
    chunk, page = paginate(hits, offset, limit)
    terms = query.split()
    results = [
        NoteSearchHit.of(hit.note, score=round(hit.score, 3), excerpt=excerpt(hit.note.content, terms)) for hit in chunk
    ]
    return SearchNotesResult(results=results, query=query, total_found=page.total, page=page)


@tool(TOOLSET, READ, title="List notes")
async def nc_notes_list_notes(
    nc: Nextcloud,
    category: Annotated[str | None, Field(description="Only this category; '' for none.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> NoteList:
    """List notes (without content), newest first."""
    notes = await nc.notes.list_all(category=category, exclude=("content",))
    notes.sort(key=lambda n: (-n.modified, n.id))
    chunk, page = paginate(notes, offset, limit)
    return NoteList(notes=[NoteSummary.of(n) for n in chunk], category=category, page=page)


@tool(TOOLSET, READ, title="Get note attachment", requires=ATTACHMENT_API)
async def nc_notes_get_attachment(
    nc: Nextcloud,
    limits: Config,
    note_id: NoteId,
    attachment_filename: Annotated[str, Field(description="As the note links it, e.g. '.attachments.7/a.png'.")],
) -> Annotated[CallToolResult, AttachmentResult]:
    """Read an image or file embedded in a note (size-limited)."""
    path = attachment_filename.strip()
    if not path:
        raise invalid("attachment_filename", "must not be empty; give the path the note's Markdown links to")
    found = await nc.notes.attachment(note_id, path, limits.max_read_bytes)
    result = AttachmentResult(
        note_id=note_id, path=path, name=found.name, content_type=found.content_type, size=len(found.data)
    )
    data = base64.b64encode(found.data).decode("ascii")
    blocks: list[Any] = [TextContent(type="text", text=result.model_dump_json())]
    if found.content_type in IMAGES:
        blocks.append(ImageContent(type="image", data=data, mime_type=found.content_type))
    else:
        uri = f"nc://notes/{note_id}/attachments/{quote(path)}"
        blocks.append(EmbeddedResource(type="resource", resource=BlobResourceContents(
            uri=uri, mime_type=found.content_type, blob=data)))  # fmt: skip
    return CallToolResult(content=blocks, structured_content=result.model_dump(mode="json"))


@tool(TOOLSET, DELETE, title="Delete note")
async def nc_notes_delete_note(nc: Nextcloud, note_id: NoteId) -> DeleteNoteResult:
    """Delete a note (into the trash bin, if enabled)."""
    await nc.notes.delete(note_id)
    return DeleteNoteResult(deleted_id=note_id, message=f"Note {note_id} deleted")


@resource(
    TOOLSET,
    NOTES_INDEX_URI,
    name="notes",
    title="Notes",
    description="Index of the user's notes: id, title, category, etag and the nc://notes/{note_id} URI of each.",
    mime_type="application/json",
)
async def notes_index(nc: Nextcloud) -> str:
    notes = await nc.notes.list_all(exclude=("content",))
    notes.sort(key=lambda n: (-n.modified, n.id))
    return json.dumps([NoteSummary.of(n).model_dump() for n in notes], ensure_ascii=False)


@resource(
    TOOLSET,
    NOTE_URI,
    name="note",
    title="Note",
    description="One note as JSON: id, title, category, etag, modified, favorite and the Markdown content.",
    mime_type="application/json",
)
async def note_resource(nc: Nextcloud, note_id: str) -> str:
    if not note_id.isdigit() or int(note_id) < 1:
        raise invalid("note_id", f"{note_id!r} is not a note id; use a positive number from nc://notes")
    note = await nc.notes.get(int(note_id))
    return NoteResult.of(note, content=note.content).model_dump_json()
