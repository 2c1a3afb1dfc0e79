"""A minimal PNG codec for the stand-in's previews (Pillow is not a dependency).

Nextcloud renders previews with its image providers; the stand-in does what it needs of that: it
reads 8-bit, non-interlaced PNGs (grey, RGB, palette, with or without alpha), scales them with
nearest-neighbour sampling, and writes RGBA PNGs. Images it cannot decode (JPEG, GIF, 16-bit or
interlaced PNG) and text files get a flat placeholder picture of the size asked for.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


@dataclass(frozen=True)
class Image:
    """RGBA pixels, row after row (4 bytes a pixel)."""

    width: int
    height: int
    rgba: bytes


class NotDecodable(ValueError):
    """Not a PNG this codec reads."""


def solid(width: int, height: int, rgba: tuple[int, int, int, int]) -> Image:
    return Image(width, height, bytes(rgba) * (width * height))


def encode(image: Image) -> bytes:
    """An 8-bit RGBA PNG (filter 0 on every row)."""
    stride = image.width * 4
    raw = b"".join(b"\x00" + image.rgba[y * stride : (y + 1) * stride] for y in range(image.height))
    header = struct.pack(">IIBBBBB", image.width, image.height, 8, 6, 0, 0, 0)
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b"")


def size_of(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's header, or None when `data` is not a PNG."""
    if not data.startswith(SIGNATURE) or len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def decode(data: bytes) -> Image:
    """The pixels of an 8-bit, non-interlaced PNG; NotDecodable for anything else."""
    if not data.startswith(SIGNATURE):
        raise NotDecodable("not a PNG")
    chunks = list(_chunks(data[len(SIGNATURE) :]))
    header = next((body for kind, body in chunks if kind == b"IHDR"), None)
    if header is None or len(header) != 13:
        raise NotDecodable("no IHDR chunk")
    width, height, depth, color, _compression, _filter, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or interlace != 0 or color not in _CHANNELS or width == 0 or height == 0:
        raise NotDecodable(f"unsupported PNG (depth {depth}, color type {color}, interlace {interlace})")
    palette = next((body for kind, body in chunks if kind == b"PLTE"), b"")
    alpha = next((body for kind, body in chunks if kind == b"tRNS"), b"")
    try:
        raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    except zlib.error:
        raise NotDecodable("broken image data") from None
    channels = _CHANNELS[color]
    rows = _unfilter(raw, width * channels, height, channels)
    return Image(width, height, _to_rgba(rows, color, palette, alpha))


def scaled(image: Image, width: int, height: int) -> Image:
    """`image` resized to width x height (nearest neighbour)."""
    src = image.rgba
    out = bytearray()
    for y in range(height):
        row = (y * image.height // height) * image.width
        for x in range(width):
            start = (row + x * image.width // width) * 4
            out += src[start : start + 4]
    return Image(width, height, bytes(out))


def cropped(image: Image, width: int, height: int) -> Image:
    """The centre of `image` with the aspect ratio width:height."""
    if image.width * height > image.height * width:  # too wide
        keep = max(1, image.height * width // height)
        left, top, w, h = (image.width - keep) // 2, 0, keep, image.height
    else:
        keep = max(1, image.width * height // width)
        left, top, w, h = 0, (image.height - keep) // 2, image.width, keep
    start = [((top + y) * image.width + left) * 4 for y in range(h)]
    rows = [image.rgba[first : first + w * 4] for first in start]
    return Image(w, h, b"".join(rows))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    offset = 0
    while offset + 8 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        yield kind, data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IEND":
            return


def _unfilter(raw: bytes, stride: int, height: int, bpp: int) -> list[bytes]:
    if len(raw) < (stride + 1) * height:
        raise NotDecodable("truncated image data")
    rows: list[bytes] = []
    previous = bytes(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            corner = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + _paeth(left, up, corner)) & 0xFF
            elif kind != 0:
                raise NotDecodable(f"unknown filter {kind}")
        previous = bytes(line)
        rows.append(previous)
    return rows


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _to_rgba(rows: list[bytes], color: int, palette: bytes, alpha: bytes) -> bytes:
    out = bytearray()
    for row in rows:
        if color == 6:
            out += row
        elif color == 2:
            for i in range(0, len(row), 3):
                out += row[i : i + 3] + b"\xff"
        elif color == 0:
            for value in row:
                out += bytes((value, value, value, 255))
        elif color == 4:
            for i in range(0, len(row), 2):
                out += bytes((row[i], row[i], row[i], row[i + 1]))
        else:  # palette
            for index in row:
                if 3 * index + 3 > len(palette):
                    raise NotDecodable("palette index out of range")
                out += palette[3 * index : 3 * index + 3] + bytes((alpha[index] if index < len(alpha) else 255,))
    return bytes(out)
