"""The preview tool end to end through the real MCP client: a PNG uploaded to the stand-in comes back
as an MCP image block of Nextcloud's preview (PNG, within the box asked for, its pixels the
picture's); a file Nextcloud has no preview of, a folder, and sizes out of range are refused."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.e2e.helpers import call, error_of, unique
from tests.standin import png

pytestmark = pytest.mark.anyio


def uploaded(nc_user: Any, name: str, content: bytes) -> str:
    path = f"{unique('pic')}-{name}"
    with nc_user.raw() as raw:
        assert raw.put(f"/remote.php/dav/files/{nc_user.id}/{path}", content=content).status_code == 201
    return path


async def test_the_preview_of_a_png_is_an_image_block_within_the_box(mcp, nc_user) -> None:
    picture = png.encode(png.solid(300, 150, (200, 30, 60, 255)))
    path = uploaded(nc_user, "banner.png", picture)

    result = await mcp.call_tool("nc_preview_get", {"path": path, "width": 100, "height": 100})

    assert not result.is_error, result.content[0].text
    [image] = [block for block in result.content if block.type == "image"]
    assert image.mime_type == "image/png"
    preview = png.decode(base64.b64decode(image.data))
    assert (preview.width, preview.height) == (100, 50)
    assert preview.rgba[:4] == bytes((200, 30, 60, 255))
    file_id = (nc_user.files_root / path).stat().st_ino
    assert result.structured_content == {
        "path": path,
        "file_id": file_id,
        "mime_type": "image/png",
        "bytes": len(base64.b64decode(image.data)),
        "width": 100,
        "height": 50,
    }


async def test_crop_fills_the_box_and_a_preview_is_never_larger_than_the_picture(mcp, nc_user) -> None:
    path = uploaded(nc_user, "wide.png", png.encode(png.solid(300, 150, (1, 1, 1, 255))))
    cropped = await call(mcp, "nc_preview_get", path=path, width=64, height=64, crop=True)
    assert (cropped["width"], cropped["height"]) == (64, 64)
    small = uploaded(nc_user, "icon.png", png.encode(png.solid(20, 10, (1, 1, 1, 255))))
    fitted = await call(mcp, "nc_preview_get", path=small, width=512, height=512)
    assert (fitted["width"], fitted["height"]) == (20, 10)


async def test_a_text_file_has_a_preview_too(mcp, nc_user) -> None:
    path = uploaded(nc_user, "notes.md", b"# Heading\n\nsome text")
    result = await call(mcp, "nc_preview_get", path=path)
    assert result["mime_type"] == "image/png"


async def test_a_file_without_preview_is_refused_with_what_to_do_instead(mcp, nc_user) -> None:
    path = uploaded(nc_user, "archive.zip", b"PK\x03\x04 not much of a zip")
    message = await error_of(mcp, "nc_preview_get", path=path)
    assert f"Nextcloud has no preview of '{path}' (application/zip)" in message
    assert "nc_webdav_read_file" in message


async def test_a_folder_or_a_missing_file_is_refused(mcp, nc_user) -> None:
    folder = unique("Album")
    await call(mcp, "nc_webdav_create_directory", path=folder)
    assert f"'{folder}' is a folder" in await error_of(mcp, "nc_preview_get", path=folder)
    assert "HTTP 404" in await error_of(mcp, "nc_preview_get", path=f"{folder}/none.png")


async def test_a_broken_image_is_not_found(mcp, nc_user) -> None:
    path = uploaded(nc_user, "broken.png", b"\x89PNG\r\n\x1a\n but then nothing")
    message = await error_of(mcp, "nc_preview_get", path=path)
    assert "HTTP 404" in message
    assert "the preview of file" in message


@pytest.mark.parametrize(("width", "height"), [(0, 64), (64, 2048), (-1, 64)])
async def test_a_size_out_of_range_is_refused(mcp, width, height) -> None:
    message = await error_of(mcp, "nc_preview_get", path="a.png", width=width, height=height)
    assert "width" in message or "height" in message
