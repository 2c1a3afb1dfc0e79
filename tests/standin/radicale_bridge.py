"""What the CalDAV and CardDAV fronts share: Radicale behind a Nextcloud-shaped front.

Why: both services hand one buffered request to a WSGI-wrapped Radicale and rewrite its
errors into Sabre's XML error body; each keeps its own header handling (how the front's
user reaches Radicale) and its own Sabre messages.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from tests.standin.core import send_response

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from tests.standin.core import Scope, Send

XML_HEADERS = [("Content-Type", "application/xml; charset=utf-8")]
IF_NONE_MATCH_FAILED = "An If-None-Match header was specified, but the ETag matched (or * was specified)."

SABRE_EXCEPTIONS: dict[int, tuple[str, str]] = {
    400: ("Sabre\\DAV\\Exception\\BadRequest", "Bad request"),
    403: ("Sabre\\DAV\\Exception\\Forbidden", "Access denied"),
    405: ("Sabre\\DAV\\Exception\\MethodNotAllowed", "The resource you tried to create already exists"),
    412: (
        "Sabre\\DAV\\Exception\\PreconditionFailed",
        "An If-Match header was specified, but none of the specified ETags matched.",
    ),
    507: ("Sabre\\DAV\\Exception\\InsufficientStorage", "Insufficient storage"),
}
"""Sabre's exception class and message per status; each service adds its own 404/409/415."""


def radicale_configuration(folder: Path, auth: dict[str, str], rights: dict[str, str]) -> Any:
    """A Radicale configuration storing under `folder`, without delays, fsync or web UI."""
    import radicale.config

    (folder / "collection-root").mkdir(parents=True, exist_ok=True)
    logging.getLogger("radicale").setLevel(logging.ERROR)  # its 404/412 warnings are expected here
    configuration = radicale.config.load()
    configuration.update(
        {
            "server": {"delay_on_error": "0"},
            "auth": {**auth, "delay": "0"},
            "rights": rights,
            "storage": {"filesystem_folder": str(folder), "_filesystem_fsync": "False"},
            "web": {"type": "none"},
        },
        "nextcloud stand-in",
        privileged=True,
    )
    return configuration


async def run_asgi(
    app: Callable[..., Awaitable[None]], scope: Scope, body: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run one request with a buffered `body` through an ASGI app; return its whole response."""
    sent = False

    async def inner_receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    result: dict[str, Any] = {"status": 500, "headers": [], "body": []}

    async def inner_send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            result["status"] = message["status"]
            result["headers"] = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]]
        elif message["type"] == "http.response.body":
            result["body"].append(message.get("body", b""))

    await app(scope, inner_receive, inner_send)
    return result["status"], result["headers"], b"".join(result["body"])


def sabre_error(exception: str, message: str, extra: str = "", xmlns: str = "") -> bytes:
    """The XML body Sabre sends with an error status (`xmlns`: declarations `extra` needs)."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"{xmlns}>'
        f"<s:exception>{escape(exception)}</s:exception><s:message>{escape(message)}</s:message>{extra}"
        "</d:error>"
    ).encode()


async def send_sabre_error(
    send: Send, status: int, exception: str, message: str, extra: str = "", xmlns: str = ""
) -> None:
    """Answer with `status` and Sabre's XML error body."""
    await send_response(send, status, sabre_error(exception, message, extra, xmlns), XML_HEADERS)
