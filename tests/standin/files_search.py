"""SEARCH (RFC 5323 basicsearch) and the favorites and tags REPORT, as Nextcloud answers them.

SEARCH goes to /remote.php/dav/ with a scope href /files/<user>/<path>
(nextcloud/documentation developer_manual/client_apis/WebDAV/search.rst); the REPORT
`oc:filter-files` with `<oc:favorite>1</oc:favorite>` goes to a folder below
/remote.php/dav/files/<user>/ and lists favorites anywhere below it; with `<oc:systemtag>` rules
it lists the files carrying all those tags (the tags app, apps/systemtags.py, knows them).
"""

from __future__ import annotations

import os
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from defusedxml.ElementTree import fromstring

from tests.standin.core import Receive, Scope, Send, User, read_body, send_response
from tests.standin.files import FAVORITE, FILES_PREFIX, NC, OC, XML, sabre_error
from tests.standin.files_dav import prop_text

if TYPE_CHECKING:
    from tests.standin.files import FilesService

D = "{DAV:}"
_NS_PREFIX = {"DAV:": "d", OC: "oc", NC: "nc"}
_INT_PROPS = {f"{D}getcontentlength", f"{{{OC}}}size", f"{{{OC}}}fileid"}
_SEARCHABLE = {
    f"{D}displayname",
    f"{D}getcontenttype",
    f"{D}getlastmodified",
    f"{D}getcontentlength",
    f"{{{OC}}}size",
    FAVORITE,
    f"{{{OC}}}fileid",
}


class SearchError(Exception):
    pass


async def handle_search(service: FilesService, scope: Scope, receive: Receive, send: Send, user: User) -> None:
    body = await read_body(receive)
    try:
        root = fromstring(body)
        basic = root.find(f"{D}basicsearch")
        if root.tag != f"{D}searchrequest" or basic is None:
            raise SearchError("The body must be a DAV:searchrequest with a DAV:basicsearch")
        props = _prop_names(basic.find(f"{D}select/{D}prop"))
        base, depth = _scope(service, user, basic)
        where = basic.find(f"{D}where")
        condition = where[0] if where is not None and len(where) else None
        found = [fp for fp in _walk(base, depth) if condition is None or _matches(service, user, fp, condition)]
        found = _order(service, user, found, basic.find(f"{D}orderby"))
        limit = basic.find(f"{D}limit")
        if limit is not None:
            first = limit.find(f"{{{NC}}}firstresult")
            nresults = limit.find(f"{D}nresults")
            start = int((first.text or "0").strip()) if first is not None else 0
            found = found[start:]
            if nresults is not None:
                found = found[: int((nresults.text or "0").strip())]
    except SearchError as exc:
        await sabre_error(send, 400, str(exc))
        return
    except (ValueError, SyntaxError) as exc:
        await sabre_error(send, 400, f"Invalid search request: {type(exc).__name__}")
        return
    await send_response(send, 207, multistatus(service, user, found, props), [("Content-Type", XML)])


async def handle_report(
    service: FilesService, scope: Scope, receive: Receive, send: Send, user: User, base: Path
) -> None:
    body = await read_body(receive)
    try:
        root = fromstring(body)
    except Exception:  # any unreadable body is a bad request
        await sabre_error(send, 400, "The REPORT body is not valid XML")
        return
    if root.tag != f"{{{OC}}}filter-files":
        await sabre_error(send, 415, f"The {root.tag} REPORT is not supported")
        return
    rules = root.find(f"{{{OC}}}filter-rules")
    tag_ids = [(rule.text or "").strip() for rule in rules.findall(f"{{{OC}}}systemtag")] if rules is not None else []
    if tag_ids:
        found = _tagged(service, user, tag_ids, root)
        if found is None:
            await sabre_error(send, 412, "Cannot filter by non-existing tag")
            return
    elif (found := _favorites_below(service, user, base, root)) is None:
        await sabre_error(send, 404, "File not found")
        return
    props = _prop_names(root.find(f"{D}prop"))
    await send_response(send, 207, multistatus(service, user, found, props), [("Content-Type", XML)])


def _favorites_below(service: FilesService, user: User, base: Path, report: Element) -> list[Path] | None:
    """Favorites anywhere below `base` when the filter asks for them (None: `base` is not a folder)."""
    if not base.is_dir():
        return None
    rules = report.find(f"{{{OC}}}filter-rules")
    fav = rules.find(f"{{{OC}}}favorite") if rules is not None else None
    if fav is None or (fav.text or "").strip() not in ("1", "true"):
        return []
    favorites = service.favorites(user.id)
    return [fp for fp in _walk(base, "infinity") if fp.stat().st_ino in favorites]


def _tagged(service: FilesService, user: User, tag_ids: list[str], report: Element) -> list[Path] | None:
    """Files carrying every tag (None: a tag the user cannot see). Nextcloud searches the user's
    whole tree, whatever folder the REPORT names; a favorite rule beside it narrows the result."""
    tags = service.standin.services.get("systemtags")
    try:
        ids = tags.files_with(user, tag_ids) if tags is not None else set()
    except LookupError:
        return None
    rules = report.find(f"{{{OC}}}filter-rules")
    fav = rules.find(f"{{{OC}}}favorite") if rules is not None else None
    if fav is not None and (fav.text or "").strip() in ("1", "true"):
        ids &= service.favorites(user.id)
    root = service.root_of(user)
    return [fp for fp in [root, *_walk(root, "infinity")] if fp.stat().st_ino in ids]


def multistatus(service: FilesService, user: User, paths: list[Path], props: list[str]) -> bytes:
    root = service.root_of(user)
    parts = [
        '<?xml version="1.0"?>\n<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" '
        f'xmlns:oc="{OC}" xmlns:nc="{NC}">'
    ]
    for fp in paths:
        rel = fp.relative_to(root).as_posix() if fp != root else ""
        href = f"{FILES_PREFIX}/{quote(user.id)}/" + quote(rel)
        if fp.is_dir() and rel:
            href += "/"
        ok, missing = [], []
        for name in props:
            xml_name = _xml_name(name)
            if name == f"{D}resourcetype":
                ok.append(f"<{xml_name}><d:collection/></{xml_name}>" if fp.is_dir() else f"<{xml_name}/>")
                continue
            value = prop_text(service, user, fp, name)
            if value is None:
                missing.append(f"<{xml_name}/>")
            else:
                ok.append(f"<{xml_name}>{escape(value)}</{xml_name}>")
        parts.append(f"<d:response><d:href>{href}</d:href>")
        if ok:
            parts.append(f"<d:propstat><d:prop>{''.join(ok)}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>")
        if missing:
            parts.append(
                f"<d:propstat><d:prop>{''.join(missing)}</d:prop>"
                "<d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>"
            )
        parts.append("</d:response>")
    parts.append("</d:multistatus>")
    return "".join(parts).encode()


def _xml_name(clark: str) -> str:
    ns, _, local = clark[1:].partition("}")
    prefix = _NS_PREFIX.get(ns)
    if prefix is None:
        return f'x:{local} xmlns:x="{escape(ns)}"'
    return f"{prefix}:{local}"


def _prop_names(prop: Element | None) -> list[str]:
    if prop is None:
        return [f"{D}getetag", f"{D}resourcetype", f"{D}getlastmodified", f"{D}getcontentlength"]
    return [child.tag for child in prop]


def _scope(service: FilesService, user: User, basic: Element) -> tuple[Path, str]:
    scope_el = basic.find(f"{D}from/{D}scope")
    href_el = scope_el.find(f"{D}href") if scope_el is not None else None
    if href_el is None or not (href_el.text or "").strip():
        raise SearchError("The search needs a DAV:from/DAV:scope/DAV:href")
    path = unquote(urlsplit(href_el.text.strip()).path)
    path = path.removeprefix("/remote.php/dav")
    prefix = f"/files/{user.id}"
    if path.rstrip("/") != prefix and not path.startswith(prefix + "/"):
        raise SearchError(f"Invalid search scope {path}: only /files/{user.id}/... can be searched")
    try:
        base = service.locate(user, path[len(prefix) :])
    except ValueError:
        raise SearchError("Invalid search scope") from None
    if not os.path.isdir(base):
        raise SearchError(f"The search scope {path} is not a folder")
    depth_el = scope_el.find(f"{D}depth") if scope_el is not None else None
    depth = (depth_el.text or "infinity").strip().lower() if depth_el is not None else "infinity"
    return base, depth


def _walk(base: Path, depth: str) -> list[Path]:
    if depth != "infinity":
        return sorted(p for p in base.iterdir() if not p.is_symlink())
    found: list[Path] = []
    for dirpath, dirs, files in os.walk(base):
        dirs.sort()
        for name in sorted([*dirs, *files]):
            found.append(Path(dirpath) / name)
    return sorted(found)


def _value(service: FilesService, user: User, fp: Path, name: str) -> Any:
    text = prop_text(service, user, fp, name)
    if text is None:
        return None
    if name in _INT_PROPS:
        return int(text)
    if name == f"{D}getlastmodified":
        return fp.stat().st_mtime
    if name == FAVORITE:
        return text == "1"
    return text


def _literal(name: str, text: str) -> Any:
    text = text.strip()
    if name in _INT_PROPS:
        return int(text)
    if name == f"{D}getlastmodified":
        if text.isdigit():
            return float(text)
        try:
            return parsedate_to_datetime(text).timestamp()
        except (TypeError, ValueError):
            from datetime import datetime

            return datetime.fromisoformat(text).timestamp()
    if name == FAVORITE:
        return text in ("1", "true")
    return text


def _like(value: str, pattern: str) -> bool:
    import re

    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL) is not None


def _matches(service: FilesService, user: User, fp: Path, cond: Element) -> bool:
    op = cond.tag.removeprefix(D)
    if op == "and":
        return all(_matches(service, user, fp, c) for c in cond)
    if op == "or":
        return any(_matches(service, user, fp, c) for c in cond)
    if op == "not":
        return not _matches(service, user, fp, cond[0])
    if op == "is-collection":
        return fp.is_dir()
    prop = cond.find(f"{D}prop")
    literal = cond.find(f"{D}literal")
    if prop is None or len(prop) == 0 or literal is None:
        raise SearchError(f"The {op} comparison needs a DAV:prop and a DAV:literal")
    name = prop[0].tag
    if name not in _SEARCHABLE:
        raise SearchError(f"The property {name} is not searchable")
    value = _value(service, user, fp, name)
    if value is None:
        return False
    if op == "like":
        return _like(str(value), (literal.text or "").strip())
    target = _literal(name, literal.text or "")
    if op == "eq":
        return value == target
    if op == "gt":
        return value > target
    if op == "gte":
        return value >= target
    if op == "lt":
        return value < target
    if op == "lte":
        return value <= target
    raise SearchError(f"The operator {op} is not supported")


def _order(service: FilesService, user: User, paths: list[Path], orderby: Element | None) -> list[Path]:
    if orderby is None:
        return paths
    orders = orderby.findall(f"{D}order") or ([orderby] if orderby.find(f"{D}prop") is not None else [])
    for order in reversed(orders):
        prop = order.find(f"{D}prop")
        if prop is None or len(prop) == 0:
            continue
        name = prop[0].tag
        descending = order.find(f"{D}descending") is not None

        def key(fp: Path, name: str = name) -> tuple[int, Any]:
            value = _value(service, user, fp, name)
            return (value is None, value if value is not None else 0)

        paths = sorted(paths, key=key, reverse=descending)
    return paths
