"""The stand-in's Notes API v1 behaves as nextcloud/notes docs/api/v1.md documents it."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from defusedxml import ElementTree

API = "/index.php/apps/notes/api/v1"


@pytest.fixture
def raw(nc_user) -> Iterator[httpx.Client]:
    with nc_user.raw() as client:
        yield client


def create(raw: httpx.Client, **fields) -> dict:
    response = raw.post(f"{API}/notes", json=fields)
    assert response.status_code == 200, response.text
    return response.json()


def unique(prefix: str = "note") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_a_created_note_is_a_markdown_file_in_the_notes_folder_named_by_its_title(raw, nc_user) -> None:
    title, category = unique(), unique("cat")
    note = create(raw, title=title, content="# Hello\nworld", category=f"{category}/sub")
    path = nc_user.files_root / "Notes" / category / "sub" / f"{title}.md"
    assert path.read_text() == "# Hello\nworld"
    assert note["id"] == nc_user.standin.app.file_id(path)
    assert (note["title"], note["category"], note["content"]) == (title, f"{category}/sub", "# Hello\nworld")
    assert note["readonly"] is False
    assert note["favorite"] is False


def test_the_etag_is_the_notes_apps_md5_over_the_note_attributes_and_is_sent_as_etag_header(raw) -> None:
    note = create(raw, title=unique(), content="body", favorite=True)
    content_md5 = hashlib.md5(b"body", usedforsecurity=False).hexdigest()
    attrs = [note["id"], note["title"], note["modified"], note["category"], True, False, content_md5]
    expected = hashlib.md5(json.dumps(attrs, separators=(",", ":")).encode(), usedforsecurity=False).hexdigest()
    got = raw.get(f"{API}/notes/{note['id']}")
    assert note["etag"] == expected
    assert got.headers["ETag"] == f'"{expected}"'
    assert got.json()["etag"] == expected


def test_get_with_if_none_match_of_the_current_etag_answers_304(raw) -> None:
    note = create(raw, title=unique(), content="x")
    response = raw.get(f"{API}/notes/{note['id']}", headers={"If-None-Match": f'"{note["etag"]}"'})
    assert response.status_code == 304
    assert response.content == b""


def test_the_list_answers_304_to_its_own_etag_and_200_after_a_change(raw) -> None:
    first = raw.get(f"{API}/notes")
    etag = first.headers["ETag"]
    assert raw.get(f"{API}/notes", headers={"If-None-Match": etag}).status_code == 304
    create(raw, title=unique(), content="new")
    assert raw.get(f"{API}/notes", headers={"If-None-Match": etag}).status_code == 200


def test_a_title_collision_gets_a_numbered_file_name(raw, nc_user) -> None:
    title = unique()
    first = create(raw, title=title, content="1")
    second = create(raw, title=title, content="2")
    assert (first["title"], second["title"]) == (title, f"{title} (2)")
    assert (nc_user.files_root / "Notes" / f"{title} (2).md").read_text() == "2"


def test_unsafe_characters_in_titles_and_categories_are_removed(raw, nc_user) -> None:
    tag = unique()
    note = create(raw, title=f"../a/b:{tag}?", category=f"../../{tag}", content="c")
    assert note["title"] == f"..ab{tag}".lstrip(".")
    assert note["category"] == tag
    assert (nc_user.files_root / "Notes" / tag / f"ab{tag}.md").exists()


def test_update_with_a_stale_if_match_answers_412_with_the_current_note(raw) -> None:
    note = create(raw, title=unique(), content="v1")
    changed = raw.put(f"{API}/notes/{note['id']}", json={"content": "v2"}).json()
    stale = raw.put(f"{API}/notes/{note['id']}", json={"content": "v3"}, headers={"If-Match": f'"{note["etag"]}"'})
    assert stale.status_code == 412
    assert stale.json()["content"] == "v2"
    assert stale.json()["etag"] == changed["etag"] != note["etag"]
    assert raw.get(f"{API}/notes/{note['id']}").json()["content"] == "v2"


def test_update_with_the_current_if_match_succeeds_and_renames_the_file(raw, nc_user) -> None:
    note = create(raw, title=unique(), content="v1")
    new_title = unique("renamed")
    response = raw.put(
        f"{API}/notes/{note['id']}",
        json={"content": "v2", "title": new_title, "category": "moved"},
        headers={"If-Match": f'"{note["etag"]}"'},
    )
    assert response.status_code == 200
    assert response.json()["id"] == note["id"]
    assert (nc_user.files_root / "Notes" / "moved" / f"{new_title}.md").read_text() == "v2"
    assert not (nc_user.files_root / "Notes" / f"{note['title']}.md").exists()


def test_missing_notes_answer_404_and_non_numeric_ids_400(raw) -> None:
    assert raw.get(f"{API}/notes/999999999").status_code == 404
    assert raw.get(f"{API}/notes/999999999").json() == {"errorType": "OCA\\Notes\\Service\\NoteDoesNotExistException"}
    assert raw.put(f"{API}/notes/999999999", json={"content": "x"}).status_code == 404
    assert raw.delete(f"{API}/notes/999999999").status_code == 404
    assert raw.get(f"{API}/notes/abc").status_code == 400


def test_malformed_json_and_wrong_types_answer_400(raw) -> None:
    bad = raw.post(f"{API}/notes", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    assert raw.post(f"{API}/notes", json={"title": ["x"]}).status_code == 400


def test_read_only_notes_refuse_changes_with_403_but_allow_favorite(raw, nc_user) -> None:
    note = create(raw, title=unique(), content="locked")
    nc_user.standin.app.services["notes"].set_readonly(nc_user.id, note["id"])
    assert raw.put(f"{API}/notes/{note['id']}", json={"content": "changed"}).status_code == 403
    assert raw.delete(f"{API}/notes/{note['id']}").status_code == 403
    favored = raw.put(f"{API}/notes/{note['id']}", json={"favorite": True})
    assert favored.status_code == 200
    assert favored.json()["readonly"] is True
    assert favored.json()["favorite"] is True


def test_a_full_quota_answers_507_and_leaves_no_note_behind(standin) -> None:
    user = standin.add_user(f"q{uuid.uuid4().hex[:8]}", "pw-quota", quota=10)
    with user.raw() as client:
        small = client.post(f"{API}/notes", json={"title": "small", "content": "12345"})
        full = client.post(f"{API}/notes", json={"title": "big", "content": "0123456789"})
        listed = client.get(f"{API}/notes").json()
    assert small.status_code == 200
    assert full.status_code == 507
    assert [n["title"] for n in listed] == ["small"]


def test_delete_removes_the_file_and_its_empty_category_folder(raw, nc_user) -> None:
    category = unique("gone")
    note = create(raw, title=unique(), content="bye", category=category)
    assert raw.delete(f"{API}/notes/{note['id']}").json() == []
    assert not (nc_user.files_root / "Notes" / category).exists()
    assert raw.get(f"{API}/notes/{note['id']}").status_code == 404


def test_the_list_filters_by_category_and_excludes_fields(raw) -> None:
    category = unique("only")
    mine = create(raw, title=unique(), content="in", category=category)
    create(raw, title=unique(), content="out")
    listed = raw.get(f"{API}/notes", params={"category": category, "exclude": "content,title"}).json()
    assert [n["id"] for n in listed] == [mine["id"]]
    assert "content" not in listed[0]
    assert "title" not in listed[0]
    assert listed[0]["etag"] == mine["etag"]


def test_chunked_listing_walks_every_note_once_with_cursor_and_pending_headers(standin) -> None:
    user = standin.add_user(f"c{uuid.uuid4().hex[:8]}", "pw-chunks")
    with user.raw() as client:
        ids = {create(client, title=f"n{i}", content=str(i))["id"] for i in range(5)}
        seen: list[int] = []
        pendings: list[str] = []
        params: dict[str, str | int] = {"chunkSize": 2}
        while True:
            response = client.get(f"{API}/notes", params=params)
            full = [n for n in response.json() if "content" in n]
            seen += [n["id"] for n in full]
            cursor = response.headers.get("X-Notes-Chunk-Cursor")
            if not cursor:
                last = response.json()
                break
            pendings.append(response.headers["X-Notes-Chunk-Pending"])
            params = {"chunkSize": 2, "chunkCursor": cursor}
    assert sorted(seen) == sorted(ids)
    assert pendings == ["3", "1"]
    assert {n["id"] for n in last} == ids  # the last chunk also names the notes sent before


def test_prune_before_sends_only_ids_of_unchanged_notes(raw) -> None:
    note = create(raw, title=unique(), content="old")
    future = 4102444800  # 2100-01-01
    listed = raw.get(f"{API}/notes", params={"pruneBefore": future}).json()
    assert {"id": note["id"]} in listed


def test_settings_default_to_notes_folder_and_markdown_and_are_sanitised_on_put(raw) -> None:
    assert raw.get(f"{API}/settings").json() == {"notesPath": "Notes", "fileSuffix": ".md", "noteMode": "rich"}
    changed = raw.put(f"{API}/settings", json={"fileSuffix": ".weird!", "noteMode": "nonsense"}).json()
    assert changed["fileSuffix"] == ".weird"
    assert changed["noteMode"] == "rich"
    restored = raw.put(f"{API}/settings", json={"fileSuffix": ".md"}).json()
    assert restored["fileSuffix"] == ".md"


def test_the_short_apps_alias_serves_the_same_api(raw) -> None:
    note = create(raw, title=unique(), content="alias")
    assert raw.get(f"/apps/notes/api/v1/notes/{note['id']}").json()["content"] == "alias"


def test_requests_without_credentials_are_refused(nc_user) -> None:
    with httpx.Client(base_url=nc_user.url) as anonymous:
        assert anonymous.get(f"{API}/notes").status_code == 401


def test_a_note_locked_by_another_client_refuses_writes_with_423(raw, nc_user) -> None:
    note = create(raw, title=unique(), content="locked")
    files = nc_user.standin.app.services["files"]
    files.lock(nc_user.id, f"Notes/{note['title']}.md", owner="someone-else")
    try:
        refused = raw.put(f"{API}/notes/{note['id']}", json={"content": "changed"})
    finally:
        files.unlock(nc_user.id, f"Notes/{note['title']}.md")
    assert refused.status_code == 423
    assert raw.get(f"{API}/notes/{note['id']}").json()["content"] == "locked"


def test_a_favorite_note_is_a_favorite_file_over_webdav(raw, nc_user) -> None:
    note = create(raw, title=unique(), content="star", favorite=True)
    body = '<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:favorite/></d:prop></d:propfind>'
    response = raw.request(
        "PROPFIND",
        f"/remote.php/dav/files/{nc_user.id}/Notes/{note['title']}.md",
        content=body,
        headers={"Depth": "0"},
    )
    assert response.status_code == 207
    favorite = ElementTree.fromstring(response.content).find(".//{http://owncloud.org/ns}favorite")
    assert favorite is not None
    assert favorite.text == "1"


ATTACHMENT = "/index.php/apps/notes/api/v1.4/attachment"


def test_an_upload_is_stored_beside_the_note_under_a_random_name_with_its_second_suffix(raw, nc_user) -> None:
    category = unique("att")
    note = create(raw, title=unique(), content="x", category=category)
    response = raw.post(f"{ATTACHMENT}/{note['id']}", files={"file": ("photo.final.png", b"img", "image/png")})
    assert response.status_code == 200, response.text
    name = response.json()["filename"]
    assert len(name) == 32 + len(".final")  # NotesService::createImage: explode('.', name)[1]
    assert name.endswith(".final")
    assert (nc_user.files_root / "Notes" / category / name).read_bytes() == b"img"
    assert [n["id"] for n in raw.get(f"{API}/notes", params={"category": category}).json()] == [note["id"]]


def test_an_attachment_is_read_relative_to_the_notes_folder_never_above_the_notes_folder(raw, nc_user) -> None:
    category = unique("att")
    note = create(raw, title=unique(), content="x", category=f"{category}/sub")
    (nc_user.files_root / "Notes" / category / "pic.svg").write_bytes(b"<svg/>")
    (nc_user.files_root / "Notes" / "top.png").write_bytes(b"top")
    up = raw.get(f"{ATTACHMENT}/{note['id']}", params={"path": "../pic.svg"})
    assert up.status_code == 200
    assert up.content == b"<svg/>"
    assert up.headers["Content-Type"].startswith("text/plain")  # getSecureMimeType: never image/svg+xml
    assert up.headers["Content-Disposition"] == 'attachment; filename="pic.svg"'
    above = raw.get(f"{ATTACHMENT}/{note['id']}", params={"path": "../../../../top.png"})
    assert (above.status_code, above.content) == (200, b"top")  # '..' stops at the notes folder


def test_a_missing_attachment_or_note_is_404_and_a_folder_500_and_api_1_4_only(raw) -> None:
    note = create(raw, title=unique(), content="x")
    missing = raw.get(f"{ATTACHMENT}/{note['id']}", params={"path": "nope.png"})
    assert (missing.status_code, missing.json()) == (404, {"errorType": "OCP\\Files\\NotFoundException"})
    no_note = raw.get(f"{ATTACHMENT}/987654321", params={"path": "a.png"})
    assert no_note.json() == {"errorType": "OCA\\Notes\\Service\\NoteDoesNotExistException"}
    assert raw.get(f"{ATTACHMENT}/{note['id']}", params={"path": ""}).status_code == 500
    assert raw.get(f"{API}/attachment/{note['id']}", params={"path": "a.png"}).status_code == 400  # notes_api#fail
