"""Notes tools end to end through the real MCP client; every effect is checked on the stand-in
with raw Notes API requests or on disk, independently of the server."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.e2e.helpers import call, error_of, own_server, unique

pytestmark = pytest.mark.anyio

API = "/index.php/apps/notes/api/v1"


def raw_note(nc_user: Any, note_id: int) -> dict[str, Any]:
    with nc_user.raw() as raw:
        response = raw.get(f"{API}/notes/{note_id}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_create_note_writes_a_markdown_file_and_returns_id_and_etag(mcp, nc_user) -> None:
    title, category = unique("note"), unique("cat")
    created = await call(mcp, "nc_notes_create_note", title=title, content="# Hi\nthere", category=category)
    path = nc_user.files_root / "Notes" / category / f"{title}.md"
    assert path.read_text() == "# Hi\nthere"
    assert created["id"] == nc_user.standin.app.file_id(path)
    assert created["etag"] == raw_note(nc_user, created["id"])["etag"]
    assert created["uri"] == f"nc://notes/{created['id']}"


async def test_get_note_returns_the_content_and_current_etag(mcp, nc_user) -> None:
    with nc_user.raw() as raw:
        made = raw.post(f"{API}/notes", json={"title": unique("note"), "content": "ünïcode ✓"}).json()
    got = await call(mcp, "nc_notes_get_note", note_id=made["id"])
    assert (got["content"], got["etag"], got["title"]) == ("ünïcode ✓", made["etag"], made["title"])


async def test_update_note_with_the_current_etag_changes_content_and_title(mcp, nc_user) -> None:
    created = await call(mcp, "nc_notes_create_note", title=unique("note"), content="v1")
    new_title = unique("renamed")
    updated = await call(
        mcp, "nc_notes_update_note", note_id=created["id"], etag=created["etag"], content="v2", title=new_title
    )
    stored = raw_note(nc_user, created["id"])
    assert (stored["content"], stored["title"]) == ("v2", new_title)
    assert updated["etag"] == stored["etag"] != created["etag"]
    assert (nc_user.files_root / "Notes" / f"{new_title}.md").read_text() == "v2"


async def test_update_with_a_stale_etag_after_a_concurrent_edit_reports_the_current_etag(mcp, nc_user) -> None:
    created = await call(mcp, "nc_notes_create_note", title=unique("note"), content="original")
    with nc_user.raw() as raw:
        theirs = raw.put(f"{API}/notes/{created['id']}", json={"content": "changed elsewhere"}).json()
    message = await error_of(mcp, "nc_notes_update_note", note_id=created["id"], etag=created["etag"], content="mine")
    assert "412" in message
    assert theirs["etag"] in message
    assert raw_note(nc_user, created["id"])["content"] == "changed elsewhere"


async def test_append_content_adds_text_after_a_separator_and_keeps_earlier_changes(mcp, nc_user) -> None:
    created = await call(mcp, "nc_notes_create_note", title=unique("note"), content="first")
    with nc_user.raw() as raw:
        raw.put(f"{API}/notes/{created['id']}", json={"content": "first, edited elsewhere"})
    appended = await call(mcp, "nc_notes_append_content", note_id=created["id"], content="second")
    stored = raw_note(nc_user, created["id"])
    assert stored["content"] == "first, edited elsewhere\n---\nsecond"
    assert appended["etag"] == stored["etag"]


async def test_search_notes_finds_notes_by_every_word_in_title_or_content(mcp, nc_user) -> None:
    word = uuid.uuid4().hex[:10]
    hit = await call(mcp, "nc_notes_create_note", title=unique(f"Plan {word}"), content="alpha beta")
    await call(mcp, "nc_notes_create_note", title=unique("note"), content=f"{word} only")
    found = await call(mcp, "nc_notes_search_notes", query=f"{word.upper()} beta")
    assert [r["id"] for r in found["results"]] == [hit["id"]]
    assert found["total_found"] == 1
    assert found["results"][0]["etag"] == raw_note(nc_user, hit["id"])["etag"]


async def test_list_notes_pages_through_a_category(mcp, nc_user) -> None:
    category = unique("paged")
    ids = {
        (await call(mcp, "nc_notes_create_note", title=unique("note"), content=str(i), category=category))["id"]
        for i in range(3)
    }
    first = await call(mcp, "nc_notes_list_notes", category=category, limit=2)
    assert len(first["notes"]) == 2
    assert first["page"] == {"total": 3, "offset": 0, "next_offset": 2}
    second = await call(mcp, "nc_notes_list_notes", category=category, limit=2, offset=first["page"]["next_offset"])
    assert second["page"]["next_offset"] is None
    assert {n["id"] for n in first["notes"] + second["notes"]} == ids
    with nc_user.raw() as raw:
        listed = raw.get(f"{API}/notes", params={"category": category}).json()
    assert {n["id"] for n in listed} == ids


async def test_delete_note_removes_it_from_nextcloud(mcp, nc_user) -> None:
    created = await call(mcp, "nc_notes_create_note", title=unique("note"), content="bye")
    deleted = await call(mcp, "nc_notes_delete_note", note_id=created["id"])
    assert deleted["deleted_id"] == created["id"]
    with nc_user.raw() as raw:
        assert raw.get(f"{API}/notes/{created['id']}").status_code == 404
    assert not (nc_user.files_root / "Notes" / f"{created['title']}.md").exists()


async def test_a_missing_note_is_a_tool_error_that_names_it(mcp) -> None:
    message = await error_of(mcp, "nc_notes_get_note", note_id=987654321)
    assert "404" in message
    assert "for note 987654321: it does not exist" in message


async def test_invalid_arguments_are_refused_and_nothing_is_written(mcp, nc_user) -> None:
    with nc_user.raw() as raw:
        before = raw.get(f"{API}/notes").json()
    assert "title" in await error_of(mcp, "nc_notes_create_note", title="  ", content="")
    assert "note_id" in await error_of(mcp, "nc_notes_get_note", note_id=-3)
    assert "note_id" in await error_of(mcp, "nc_notes_delete_note", note_id=0)
    assert "content" in await error_of(mcp, "nc_notes_append_content", note_id=1, content=" ")
    assert "at least one" in await error_of(mcp, "nc_notes_update_note", note_id=1, etag="x")
    assert "etag" in await error_of(mcp, "nc_notes_update_note", note_id=1, etag="", content="x")
    assert "query" in await error_of(mcp, "nc_notes_search_notes", query=" ")
    with nc_user.raw() as raw:
        assert raw.get(f"{API}/notes").json() == before


async def test_a_note_reads_as_a_resource_and_is_listed_in_the_notes_index(mcp, nc_user) -> None:
    created = await call(mcp, "nc_notes_create_note", title=unique("note"), content="as resource")
    read = await mcp.read_resource(f"nc://notes/{created['id']}")
    note = json.loads(read.contents[0].text)
    assert (note["content"], note["etag"]) == ("as resource", raw_note(nc_user, created["id"])["etag"])
    index = json.loads((await mcp.read_resource("nc://notes")).contents[0].text)
    assert created["id"] in {n["id"] for n in index}
    templates = await mcp.list_resource_templates()
    assert "nc://notes/{note_id}" in {t.uri_template for t in templates.resource_templates}


ATTACHMENTS = "/index.php/apps/notes/api/v1.4/attachment"


def png() -> bytes:
    """A valid 1x1 PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def note_with_image(nc_user: Any, category: str = "") -> tuple[dict[str, Any], str, bytes]:
    """A note whose Markdown embeds an image uploaded the Notes app's way; (note, file name, bytes)."""
    image = png()
    with nc_user.raw() as raw:
        note = raw.post(f"{API}/notes", json={"title": unique("pic"), "content": "", "category": category}).json()
        upload = raw.post(f"{ATTACHMENTS}/{note['id']}", files={"file": ("photo.png", image, "image/png")})
        assert upload.status_code == 200, upload.text
        name = upload.json()["filename"]
        raw.put(f"{API}/notes/{note['id']}", json={"content": f"Look:\n\n![photo]({name})\n"})
    return note, name, image


async def test_get_attachment_returns_an_embedded_image_as_image_content(mcp, nc_user) -> None:
    import base64

    category = unique("trips")
    note, name, image = note_with_image(nc_user, category)
    assert (nc_user.files_root / "Notes" / category / name).read_bytes() == image  # beside the note, as Notes keeps it
    result = await mcp.call_tool("nc_notes_get_attachment", {"note_id": note["id"], "attachment_filename": name})
    assert not result.is_error, result.content[0].text
    images = [block for block in result.content if block.type == "image"]
    assert [(i.mime_type, base64.b64decode(i.data)) for i in images] == [("image/png", image)]
    assert result.structured_content == {
        "note_id": note["id"], "path": name, "name": name, "content_type": "image/png", "size": len(image),
    }  # fmt: skip


async def test_get_attachment_follows_a_relative_path_and_returns_other_files_as_a_resource(mcp, nc_user) -> None:
    import base64

    category = unique("deep")
    with nc_user.raw() as raw:
        note = raw.post(
            f"{API}/notes", json={"title": unique("n"), "content": "", "category": f"{category}/sub"}
        ).json()
        put = raw.put(f"/remote.php/dav/files/{nc_user.id}/Notes/{category}/plan.pdf", content=b"%PDF-1.4 plan")
        assert put.status_code == 201, put.text
    result = await mcp.call_tool(
        "nc_notes_get_attachment", {"note_id": note["id"], "attachment_filename": "../plan.pdf"}
    )
    assert not result.is_error, result.content[0].text
    resources = [block.resource for block in result.content if block.type == "resource"]
    assert [(r.mime_type, base64.b64decode(r.blob)) for r in resources] == [("application/pdf", b"%PDF-1.4 plan")]


async def test_a_missing_attachment_or_note_is_a_clear_error(mcp, nc_user) -> None:
    note, _name, _image = note_with_image(nc_user)
    missing = await error_of(mcp, "nc_notes_get_attachment", note_id=note["id"], attachment_filename="nope.png")
    assert "(HTTP 404) for attachment 'nope.png' of note" in missing
    assert "it does not exist" in missing
    no_note = await error_of(mcp, "nc_notes_get_attachment", note_id=987654321, attachment_filename="a.png")
    assert "NoteDoesNotExistException" in no_note
    empty = await error_of(mcp, "nc_notes_get_attachment", note_id=note["id"], attachment_filename=" ")
    assert "Invalid argument 'attachment_filename'" in empty


async def test_an_attachment_over_the_read_limit_is_refused_with_the_limit(nc_user) -> None:
    from mcp import Client

    from nextcloud_mcp_server.app import build_app
    from tests.standin import serve_in_thread

    note, name, image = note_with_image(nc_user)
    small = build_app(nc_user.settings(toolsets=["all"], max_read_bytes=len(image) - 1))
    with serve_in_thread(small, lifespan="on") as url:
        async with Client(f"{url}/mcp") as client:
            message = await error_of(client, "nc_notes_get_attachment", note_id=note["id"], attachment_filename=name)
    assert f"over the server's read limit of {len(image) - 1} bytes" in message
    assert "MAX_FILE_READ_BYTES" in message


async def test_a_notes_app_older_than_api_1_4_hides_only_the_attachment_tool(nc_user, monkeypatch) -> None:
    from mcp import Client

    notes = nc_user.standin.app.services["notes"]
    monkeypatch.setattr(
        notes, "capabilities", lambda user: {"notes": {"api_version": ["0.2", "1.3"], "version": "4.8.1"}}
    )
    with own_server(nc_user, capabilities_ttl=0) as url:
        async with Client(url) as client:
            listed = {tool.name for tool in (await client.list_tools()).tools}
            refused = await error_of(client, "nc_notes_get_attachment", note_id=1, attachment_filename="a.png")
    assert "nc_notes_get_note" in listed
    assert "nc_notes_get_attachment" not in listed
    assert "needs Notes 4.9 or newer (this Nextcloud has 4.8.1)" in refused
