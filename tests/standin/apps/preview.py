"""Previews: `/index.php/core/preview?fileId=..&x=..&y=..&a=..`, as Nextcloud 31's core serves them.

core/Controller/PreviewController.php (getPreviewByFileId) and OC\\Preview\\Generator:

- `fileId` missing (-1), `x` or `y` 0: 400 with `[]`; not an integer: 400;
- an id that is no file of the caller's (another user's, a folder, unknown): 404 with `[]`;
- a file no enabled preview provider handles: 404, or with `mimeFallback=1` a 303 to its MIME
  icon. The providers enabled by default (config.sample.php `enabledPreviewProviders`) make
  previews of PNG, JPEG, GIF, BMP and XBitmap images and of plain-text and Markdown files (MP3
  covers, OpenDocument thumbnails and Krita need files the stand-in does not have);
- otherwise the preview: `x`/`y` are the box (-1: the original's size; at most 4096 each); with
  `a=1` the image keeps its aspect ratio and fits the box, with `a=0` it is cropped to the box's
  ratio; a preview is never larger than the original image.

The stand-in renders PNG previews (tests/standin/png.py): the real pixels of 8-bit PNGs, scaled;
a flat picture of the box's size for other images and for text (Nextcloud answers a JPEG image's
preview as image/jpeg; the stand-in has no JPEG encoder). A PNG it cannot read is the provider
failing: 404.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.standin import png
from tests.standin.apps._dav import file_by_id
from tests.standin.files import mime_type
from tests.standin.kit import EmulatedApp, Reply, Request, Sample, route

CONTRACT = "nextcloud-31/core.openapi.json"
MAX_SIZE = 4096
"""config.php `preview_max_x` / `preview_max_y` (defaults)."""
PREVIEW_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/bmp", "image/x-xbitmap", "text/plain", "text/markdown"}
)
"""The MIME types of the preview providers Nextcloud enables by default that the stand-in renders."""


def has_preview(fp: Path) -> bool:
    """Whether Nextcloud would have a preview of `fp` (IPreview::isAvailable): nc:has-preview."""
    return fp.is_file() and mime_type(fp) in PREVIEW_TYPES


class PreviewApp(EmulatedApp):
    app_id = "preview"
    """Core's PreviewController, not an app; named so the kit can mount it."""
    prefixes = ("/index.php/core/preview",)

    @route("GET", "/index.php/core/preview", contract=CONTRACT)
    async def preview(self, request: Request) -> Reply:
        query = request.query
        try:
            file_id, x, y = int(query.get("fileId", -1)), int(query.get("x", 32)), int(query.get("y", 32))
        except ValueError:
            return _empty(400)
        keep_aspect = request.query.get("a", "0") in ("1", "true")
        if file_id == -1 or x == 0 or y == 0:
            return _empty(400)
        fp = file_by_id(self.standin.files_root(request.user), str(file_id))
        if fp is None or not fp.is_file():
            return _empty(404)
        if not has_preview(fp):
            if request.query.get("mimeFallback", "0") in ("1", "true"):
                icon = f"/index.php/core/mimeicon?mime={quote(mime_type(fp), safe='')}"
                return Reply(303, raw=b"", headers=[("Location", icon)])
            return _empty(404)
        rendered = render(fp, x, y, keep_aspect)
        if rendered is None:
            return _empty(404)
        return Reply(200, raw=rendered, headers=[("Content-Type", "image/png")])


def _empty(status: int) -> Reply:
    """A DataResponse([], status) of a plain controller: JSON `[]`."""
    return Reply(status, raw=b"[]", headers=[("Content-Type", "application/json; charset=utf-8")])


def box(width: int, height: int, x: int, y: int, keep_aspect: bool) -> tuple[int, int]:
    """The preview's size for an original of width x height and the box x * y (-1: the original's)."""
    x = width if x < 0 else min(x, MAX_SIZE)
    y = height if y < 0 else min(y, MAX_SIZE)
    if keep_aspect:
        scale = min(x / width, y / height, 1.0)
        return max(1, round(width * scale)), max(1, round(height * scale))
    return min(x, width), min(y, height)


def render(fp: Path, x: int, y: int, keep_aspect: bool) -> bytes | None:
    """The PNG preview of `fp`, or None when its content cannot be previewed."""
    data = fp.read_bytes()
    if mime_type(fp) == "image/png":
        try:
            image = png.decode(data)
        except png.NotDecodable:
            return None
        if not keep_aspect:
            width, height = box(image.width, image.height, x, y, keep_aspect=False)
            image = png.cropped(image, width, height)
        width, height = box(image.width, image.height, x, y, keep_aspect=True)
        return png.encode(png.scaled(image, width, height))
    width, height = (256 if x < 0 else min(x, MAX_SIZE)), (256 if y < 0 else min(y, MAX_SIZE))
    if keep_aspect:
        width = height = min(width, height)
    shade = hashlib.sha256(data).digest()
    return png.encode(png.solid(width, height, (shade[0], shade[1], shade[2], 255)))


# -- contract samples -------------------------------------------------------------------------


def _file(context: Any, name: str, content: bytes) -> dict[str, str]:
    fp = context.standin.files_root(context.users["alice"]) / f"preview-{uuid.uuid4().hex[:12]}-{name}"
    fp.write_bytes(content)
    return {"fileid": str(fp.stat().st_ino)}


def _picture(context: Any) -> dict[str, str]:
    return _file(context, "pic.png", png.encode(png.solid(40, 20, (10, 200, 30, 255))))


def _archive(context: Any) -> dict[str, str]:
    return _file(context, "data.zip", b"PK\x03\x04 not really")


PREVIEW = "/index.php/core/preview"

SAMPLES: list[Sample] = [
    Sample("GET", PREVIEW, 200, setup=_picture, query={"fileId": "{fileid}", "x": "16", "y": "16", "a": "1"}),
    Sample("GET", PREVIEW, 404, setup=_archive, query={"fileId": "{fileid}", "x": "16", "y": "16"}),
    Sample("GET", PREVIEW, 303, setup=_archive, query={"fileId": "{fileid}", "mimeFallback": "1"}),
    Sample("GET", PREVIEW, 404, user="bob", setup=_picture, query={"fileId": "{fileid}"}, note="alice's file"),
    Sample("GET", PREVIEW, 400, query={"x": "16", "y": "16"}, note="no fileId"),
    Sample("GET", PREVIEW, 400, setup=_picture, query={"fileId": "{fileid}", "x": "0"}),
]
