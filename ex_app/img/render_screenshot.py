"""Render ex_app/img/screenshot.png: the app store screenshot of the admin settings form.

Why a renderer instead of a captured image: the picture follows the form's real fields
(`ex_app.admin_settings`), needs no browser or imaging library, and is reproducible:
`python -m ex_app.img.render_screenshot` rewrites the file (a test checks it is current).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

OUTPUT = Path(__file__).with_name("screenshot.png")
WIDTH, HEIGHT, SCALE = 800, 400, 2
BLUE, WHITE, INK, GREY, LIGHT = (0, 130, 201), (255, 255, 255), (34, 34, 34), (118, 118, 118), (237, 237, 237)

# A 5x7 bitmap font: each glyph is 7 rows of 5 bits (most significant bit on the left).
FONT = {
    "A": (14, 17, 17, 31, 17, 17, 17), "B": (30, 17, 17, 30, 17, 17, 30), "C": (14, 17, 16, 16, 16, 17, 14),
    "D": (30, 17, 17, 17, 17, 17, 30), "E": (31, 16, 16, 30, 16, 16, 31), "F": (31, 16, 16, 30, 16, 16, 16),
    "G": (14, 17, 16, 23, 17, 17, 15), "H": (17, 17, 17, 31, 17, 17, 17), "I": (14, 4, 4, 4, 4, 4, 14),
    "K": (17, 18, 20, 24, 20, 18, 17), "L": (16, 16, 16, 16, 16, 16, 31), "M": (17, 27, 21, 21, 17, 17, 17),
    "N": (17, 25, 21, 19, 17, 17, 17), "O": (14, 17, 17, 17, 17, 17, 14), "P": (30, 17, 17, 30, 16, 16, 16),
    "R": (30, 17, 17, 30, 20, 18, 17), "S": (15, 16, 16, 14, 1, 1, 30), "T": (31, 4, 4, 4, 4, 4, 4),
    "U": (17, 17, 17, 17, 17, 17, 14), "V": (17, 17, 17, 17, 17, 10, 4), "W": (17, 17, 17, 21, 21, 21, 10),
    "X": (17, 17, 10, 4, 10, 17, 17), "Y": (17, 17, 10, 4, 4, 4, 4), "Z": (31, 1, 2, 4, 8, 16, 31),
    "J": (7, 2, 2, 2, 2, 18, 12), "Q": (14, 17, 17, 17, 21, 18, 13), "2": (14, 17, 1, 2, 4, 8, 31),
    "1": (4, 12, 4, 4, 4, 4, 14), "/": (1, 1, 2, 4, 8, 16, 16), ":": (0, 12, 12, 0, 12, 12, 0),
    ".": (0, 0, 0, 0, 0, 12, 12), "-": (0, 0, 0, 31, 0, 0, 0), "_": (0, 0, 0, 0, 0, 0, 31), "(": (2, 4, 8, 8, 8, 4, 2),
    ")": (8, 4, 2, 2, 2, 4, 8), " ": (0, 0, 0, 0, 0, 0, 0),
}  # fmt: skip


class Canvas:
    def __init__(self, width: int, height: int, background: tuple[int, int, int]) -> None:
        self.width, self.height = width, height
        self.rows = [bytearray(bytes(background) * width) for _ in range(height)]

    def rect(self, x: int, y: int, w: int, h: int, color: tuple[int, int, int]) -> None:
        for row in self.rows[max(y, 0) : min(y + h, self.height)]:
            x0, x1 = max(x, 0), min(x + w, self.width)
            row[x0 * 3 : x1 * 3] = bytes(color) * (x1 - x0)

    def text(self, x: int, y: int, words: str, color: tuple[int, int, int], size: int = SCALE) -> None:
        for char in words.upper():
            for dy, bits in enumerate(FONT.get(char, FONT[" "])):
                for dx in range(5):
                    if bits & (16 >> dx):
                        self.rect(x + dx * size, y + dy * size, size, size, color)
            x += 6 * size

    def png(self) -> bytes:
        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        raw = b"".join(b"\x00" + bytes(row) for row in self.rows)
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
        return b"\x89PNG\r\n\x1a\n" + body


def app_titles() -> list[str]:
    """The apps the form offers: those of the server's registry, as the ExApp builds it."""
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import offered

    settings = Settings(nextcloud_url="https://cloud.example.com", nextcloud_username="a", nextcloud_password="-")  # noqa: S106
    return [toolset.title for toolset in offered(settings).toolsets.values()]


def render() -> bytes:
    """The admin form as Nextcloud shows it: the apps MCP clients may use, read-only mode, the identity provider."""
    canvas = Canvas(WIDTH, HEIGHT, WHITE)
    canvas.rect(0, 0, WIDTH, 44, BLUE)
    canvas.text(16, 15, "Nextcloud  -  Administration settings", WHITE)
    canvas.text(24, 64, "MCP Server", INK, 3)
    canvas.text(24, 96, "Toolsets available to MCP clients", GREY)
    for index, title in enumerate(app_titles()):
        y = 114 + index * 21
        canvas.rect(32, y, 14, 14, BLUE)
        canvas.rect(35, y + 3, 8, 8, WHITE)
        canvas.rect(37, y + 5, 4, 4, BLUE)
        canvas.text(56, y + 1, title, INK)
    canvas.rect(32, 246, 14, 14, GREY)
    canvas.rect(34, 248, 10, 10, WHITE)
    canvas.text(56, 247, "Read-only mode", INK)
    canvas.text(24, 282, "Identity provider (OIDC discovery URL)", GREY)
    canvas.rect(24, 300, 752, 28, LIGHT)
    canvas.text(32, 308, "https://cloud.example.com/.well-known/openid-configuration", INK)
    canvas.text(24, 346, "Public MCP URL", GREY)
    canvas.rect(24, 362, 752, 28, LIGHT)
    canvas.text(32, 370, "https://cloud.example.com/exapps/nextcloud_mcp_server", INK)
    return canvas.png()


if __name__ == "__main__":
    OUTPUT.write_bytes(render())
    print(f"wrote {OUTPUT}")
