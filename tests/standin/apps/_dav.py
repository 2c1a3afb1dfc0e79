"""What the emulated DAV apps (system tags, comments) share: Sabre's XML answers and files by id.

Nextcloud serves `/remote.php/dav/systemtags/`, `/remote.php/dav/systemtags-relations/` and
`/remote.php/dav/comments/` from its dav app (Sabre), so their answers are DAV XML: a 207
multistatus with one propstat per status, and errors as `<d:error>` with Sabre's exception class
and message. Both kinds of node address a file by its id, which a user can only use when the file
is in their tree. (No module here defines an app: the stand-in mounts nothing from this one.)
"""

from __future__ import annotations

import functools
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from defusedxml.ElementTree import fromstring

from tests.standin.core import User
from tests.standin.files import NC, OC, XML, sabre_body
from tests.standin.kit import Reply

D = "{DAV:}"
OC_ = f"{{{OC}}}"
_PREFIXES = {"DAV:": "d", OC: "oc", NC: "nc"}

H = TypeVar("H", bound=Callable[..., Awaitable[Reply]])


class Sabre(Exception):
    """A Sabre exception: answered with its status and `<s:message>` (e.g. Sabre\\DAV\\Exception\\NotFound)."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def sabre(handler: H) -> H:
    """Answer a `Sabre` raised by `handler` as Sabre does: its status and an XML `<d:error>` body."""

    @functools.wraps(handler)
    async def answer(*args: Any, **kwargs: Any) -> Reply:
        try:
            return await handler(*args, **kwargs)
        except Sabre as error:
            return xml_reply(error.status, sabre_body(error.status, error.message))

    return answer  # type: ignore[return-value]


def xml_reply(status: int, body: bytes = b"", headers: list[tuple[str, str]] | None = None) -> Reply:
    return Reply(status, raw=body, headers=[("Content-Type", XML), *(headers or [])])


def parse(body: bytes) -> Element | None:
    """The body's root element; None for an empty body; a Sabre 400 for a body that is not XML."""
    if not body.strip():
        return None
    try:
        root: Element = fromstring(body)
    except Exception:  # defusedxml raises several types for broken or hostile XML
        raise Sabre(400, "The request body is not valid XML") from None
    return root


def requested(body: bytes) -> list[str] | None:
    """The properties a PROPFIND asks for (clark names); None for allprop (or an empty body)."""
    root = parse(body)
    prop = root.find(f"{D}prop") if root is not None else None
    return None if prop is None else [child.tag for child in prop]


def _name(clark: str) -> str:
    namespace, _, local = clark[1:].partition("}")
    prefix = _PREFIXES.get(namespace)
    return f"{prefix}:{local}" if prefix else f'x:{local} xmlns:x="{escape(namespace)}"'


def _element(clark: str, inner: str) -> str:
    name = _name(clark)
    return f"<{name}>{inner}</{name.split(' ')[0]}>" if inner else f"<{name}/>"


def response(href: str, found: dict[str, str], wanted: list[str] | None, status: dict[str, int] | None = None) -> str:
    """One `<d:response>`: `found` maps clark names to XML content (already escaped); wanted but
    missing properties get a 404 propstat; `status` gives other statuses per property (PROPPATCH)."""
    by_status: dict[int, list[str]] = {}
    for name in wanted if wanted is not None else list(found):
        code = (status or {}).get(name, 200 if name in found else 404)
        by_status.setdefault(code, []).append(_element(name, found.get(name, "") if code == 200 else ""))
    parts = [f"<d:response><d:href>{escape(href)}</d:href>"]
    for code, props in by_status.items():
        reason = {200: "OK", 403: "Forbidden", 404: "Not Found", 424: "Failed Dependency"}.get(code, "")
        parts.append(f"<d:propstat><d:prop>{''.join(props)}</d:prop><d:status>HTTP/1.1 {code} {reason}</d:status>")
        parts.append("</d:propstat>")
    parts.append("</d:response>")
    return "".join(parts)


def multistatus(responses: list[str]) -> Reply:
    head = (
        '<?xml version="1.0"?>\n<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" '
        f'xmlns:oc="{OC}" xmlns:nc="{NC}">'
    )
    return xml_reply(207, (head + "".join(responses) + "</d:multistatus>").encode())


def file_by_id(root: Path, file_id: str) -> Path | None:
    """The file or folder with this id in a user's tree (`root`), or None: Nextcloud's
    `getUserFolder($user)->getFirstNodeById($id)`, which finds only what the user can reach."""
    if not file_id.isdigit():
        return None
    wanted = int(file_id)
    if root.stat().st_ino == wanted:
        return root
    for dirpath, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            candidate = Path(dirpath) / name
            try:
                if candidate.lstat().st_ino == wanted and not candidate.is_symlink():
                    return candidate
            except OSError:
                continue
    return None


def display_name(users: dict[str, User], user_id: str) -> str | None:
    user = users.get(user_id)
    return user.display_name if user is not None else None
