"""The Notes app's rules that the stand-in follows: file naming (NoteUtil), which files are
notes (NotesService::isNote), PHP's json_encode, routes (appinfo/routes.php) and request
parameters (Nextcloud merges the query string with a JSON or form body)."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

NOTE_EXTENSIONS = ("txt", "org", "markdown", "md", "note")
MAX_TITLE_LENGTH = 100
_ILLEGAL = str.maketrans("", "", '*|/\\:"<>?')


class NotesError(Exception):
    """An error the Notes app answers with `{"errorType": ...}` and a status."""

    def __init__(self, status: int, error_type: str) -> None:
        super().__init__(error_type)
        self.status = status
        self.error_type = error_type


def php_json(value: Any) -> str:
    """json_encode as PHP does by default (compact, \\u escapes, escaped slashes)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")


def sanitise_path(text: str) -> str:
    """Remove characters illegal in file names and leading dots/spaces (NoteUtil::sanitisePath)."""
    text = text.translate(_ILLEGAL)
    text = re.sub(r"^[.\s]+", "", text, flags=re.M)
    return text.strip()


def safe_title(title: str) -> str:
    """The file-name-safe title (NoteUtil::getSafeTitle): first line, max 100 chars, never empty."""
    title = sanitise_path(title)
    title = re.split(r"\r\n|\n|\r", title, maxsplit=1)[0].strip()
    title = re.sub(r"\s", " ", title)[:MAX_TITLE_LENGTH]
    return title or "New note"


def is_note(path: Path, custom_suffix: str) -> bool:
    ext = path.suffix.lstrip(".").lower()
    return path.is_file() and (ext in NOTE_EXTENSIONS or ext == custom_suffix.lstrip("."))


_ROUTES = [
    ("GET", re.compile(r"(v0\.2|v1)/notes/?"), "index"),
    ("GET", re.compile(r"(v0\.2|v1)/notes/(\d+)"), "get"),
    ("POST", re.compile(r"(v1)/notes/?"), "create"),
    ("PUT", re.compile(r"(v1)/notes/(\d+)"), "update"),
    ("DELETE", re.compile(r"(v0\.2|v1)/notes/(\d+)"), "destroy"),
    ("GET", re.compile(r"(v1|v1\.4)/settings"), "get_settings"),
    ("PUT", re.compile(r"(v1)/settings"), "set_settings"),
    ("GET", re.compile(r"(v1\.4)/attachment/(\d+)"), "get_attachment"),
    ("POST", re.compile(r"(v1\.4)/attachment/(\d+)"), "upload_attachment"),
]

SECURE_MIME_TYPES = {"image/svg+xml": "text/plain", "text/html": "text/plain", "application/javascript": "text/plain"}
"""What Nextcloud serves these as (IMimeTypeDetector::getSecureMimeType): never rendered by a browser."""


def multipart_file(body: bytes, content_type: str, field: str) -> tuple[str, bytes] | None:
    """(file name, bytes) of the uploaded file `field` of a multipart/form-data body, as PHP's $_FILES has it."""
    from tests.standin.kit import multipart_parts

    if "multipart/form-data" not in content_type:
        return None
    part = next((p for p in multipart_parts(body, content_type) if p.name == field), None)
    return (part.filename or "", part.data) if part is not None else None


def route(method: str, rest: str) -> tuple[str, int] | None:
    for verb, pattern, name in _ROUTES:
        match = pattern.fullmatch(rest)
        if verb == method and match:
            groups = match.groups()
            return name, int(groups[1]) if len(groups) > 1 else 0
    return None


def params_of(query: dict[str, str], body: bytes, content_type: str) -> dict[str, Any]:
    """Request parameters as Nextcloud merges them: query string, then the body (JSON or form)."""
    params: dict[str, Any] = dict(query)
    if not body.strip():
        return params
    if "json" in content_type:
        try:
            decoded = json.loads(body)
        except ValueError:
            raise NotesError(400, "JsonException") from None
        if not isinstance(decoded, dict):
            raise NotesError(400, "InvalidArgumentException")
        params.update(decoded)
    elif "x-www-form-urlencoded" in content_type:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def string_param(params: dict[str, Any], name: str, default: str | None) -> str | None:
    value = params.get(name, default)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise NotesError(400, "InvalidArgumentException")


def integer_param(params: dict[str, Any], name: str, default: int | None) -> int | None:
    value = params.get(name, default)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise NotesError(400, "InvalidArgumentException")


def boolean_param(params: dict[str, Any], name: str, default: bool | None) -> bool | None:
    value = params.get(name, default)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | str):
        return value not in ("false", "0", "", 0)
    raise NotesError(400, "InvalidArgumentException")


def query_int(query: dict[str, str], name: str) -> int:
    with contextlib.suppress(ValueError):
        return int(query.get(name, "0") or 0)
    return 0


def parse_cursor(text: str) -> tuple[int, int, int] | None:
    match = re.fullmatch(r"(\d+)-(\d+)-(\d+)", text)
    return (int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None
