"""Feeds on the web, for the emulated News app to subscribe to: a tiny HTTP server on the loopback.

News fetches a feed from its URL when it is added, so the stand-in needs documents it can really
fetch. `feed_url("rss", name)` starts the server on first use (a daemon thread of the test
process, ending with it) and gives the URL of a generated document:

- `/rss/<name>.xml?items=N`: an RSS 2.0 channel titled `<name>` with N items (default 3), newest
  first, each with an HTML description (a paragraph, a link, an entity, a script);
- `/atom/<name>.xml?items=N`: the same as an Atom feed (entries with HTML content);
- `/page/<name>.html`: a web page that is not a feed; anything else is 404.

Items are `<name> item <i>` (i = 1 the newest), published a day apart before 2026-05-01.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

NEWEST = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
_lock = threading.Lock()
_server: ThreadingHTTPServer | None = None


def feed_url(kind: str, name: str, items: int = 3) -> str:
    """The URL of a generated feed document (`kind`: rss, atom or page), serving it from now on."""
    global _server
    with _lock:
        if _server is None:
            _server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
            _server.daemon_threads = True
            threading.Thread(target=_server.serve_forever, daemon=True, name="news-feeds").start()
        port = _server.server_address[1]
    suffix = "html" if kind == "page" else "xml"
    query = f"?items={items}" if kind != "page" else ""
    return f"http://127.0.0.1:{port}/{kind}/{name}.{suffix}{query}"


def entry(name: str, number: int) -> dict[str, Any]:
    """What item `number` (1: the newest) of feed `name` holds."""
    return {
        "title": f"{name} item {number}",
        "link": f"https://example.org/{name}/{number}",
        "guid": f"urn:{name}:{number}",
        "author": f"Author {number}",
        "date": NEWEST - timedelta(days=number - 1),
        "html": (
            f"<p>First paragraph of {escape(name)} item {number} &amp; more.</p>"
            f'<script>alert("x")</script>'
            f'<p>Read <a href="https://example.org/{escape(name)}/{number}">the rest</a>.</p>'
        ),
    }


def rss(name: str, count: int) -> str:
    items = []
    for number in range(1, count + 1):
        found = entry(name, number)
        items.append(
            "<item>"
            f"<title>{escape(found['title'])}</title><link>{found['link']}</link>"
            f'<guid isPermaLink="false">{found["guid"]}</guid>'
            f"<dc:creator>{found['author']}</dc:creator>"
            f"<pubDate>{format_datetime(found['date'])}</pubDate>"
            f"<description>{escape(found['html'])}</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{escape(name)}</title><link>https://example.org/{escape(name)}</link>"
        f"<description>The {escape(name)} feed</description>{''.join(items)}</channel></rss>"
    )


def atom(name: str, count: int) -> str:
    entries = []
    for number in range(1, count + 1):
        found = entry(name, number)
        entries.append(
            "<entry>"
            f'<title>{escape(found["title"])}</title><link href="{found["link"]}"/>'
            f"<id>{found['guid']}</id><updated>{found['date'].isoformat()}</updated>"
            f"<author><name>{found['author']}</name></author>"
            f'<content type="html">{escape(found["html"])}</content>'
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>{escape(name)}</title><link rel="alternate" href="https://example.org/{escape(name)}"/>'
        f"<id>urn:{escape(name)}</id><updated>{NEWEST.isoformat()}</updated>{''.join(entries)}</feed>"
    )


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        kind, _, file = unquote(parts.path).strip("/").partition("/")
        name, _, suffix = file.rpartition(".")
        count = int(parse_qs(parts.query).get("items", ["3"])[0])
        if kind == "rss" and suffix == "xml":
            self._send(200, "application/rss+xml; charset=utf-8", rss(name, count))
        elif kind == "atom" and suffix == "xml":
            self._send(200, "application/atom+xml; charset=utf-8", atom(name, count))
        elif kind == "page" and suffix == "html":
            self._send(200, "text/html; charset=utf-8", f"<html><body><h1>{escape(name)}</h1></body></html>")
        else:
            self._send(404, "text/plain", "Not found")

    def _send(self, status: int, content_type: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output is no place for an access log."""
