"""Previews (thumbnails) of files: core's `/index.php/core/preview?fileId=&x=&y=&a=`.

nextcloud-31/core.openapi.json (preview-get-preview-by-file-id): `x`/`y` are the box in pixels,
`a=1` keeps the aspect ratio (the preview fits the box), `a=0` crops to it; the answer is the
image (PNG or JPEG, as the provider makes it), 404 when Nextcloud has no preview for that file
(its type has no enabled provider, or it is a folder), 400 for a size of 0. A preview is never
larger than the original image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nextcloud_mcp_server.nextcloud.errors import BadResponse, FileTooLarge, NotFound

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

PREVIEW = "/index.php/core/preview"


@dataclass(frozen=True)
class Preview:
    data: bytes
    mime_type: str


class PreviewAPI:
    """Previews of the caller's files, by file id."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def get(self, file_id: int, width: int, height: int, *, keep_aspect: bool, max_bytes: int) -> Preview:
        """The preview of a file within width x height; FileTooLarge past `max_bytes` (nothing more is read)."""
        query = f"fileId={file_id}&x={width}&y={height}&a={1 if keep_aspect else 0}"
        chunks: list[bytes] = []
        got = 0
        try:
            async with self._client.stream("GET", f"{PREVIEW}?{query}", headers={"Accept": "image/*"}) as response:
                mime = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                async for chunk in response.aiter_bytes(64 * 1024):
                    got += len(chunk)
                    if got > max_bytes:
                        raise FileTooLarge(f"the preview of file {file_id}", got, max_bytes)
                    chunks.append(chunk)
        except NotFound as exc:
            exc.subject = f"the preview of file {file_id}"
            raise
        if not mime.startswith("image/"):
            raise BadResponse(f"the preview is {mime or 'untyped'}, not an image")
        return Preview(b"".join(chunks), mime)


def dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF or JPEG image from its header; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data.startswith(b"\xff\xd8"):
        offset = 2
        while offset + 9 < len(data) and data[offset] == 0xFF:
            marker, length = data[offset + 1], int.from_bytes(data[offset + 2 : offset + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):  # start of frame: height, then width
                return int.from_bytes(data[offset + 7 : offset + 9], "big"), int.from_bytes(
                    data[offset + 5 : offset + 7], "big"
                )
            offset += 2 + length
    return None
