"""Paths inside a user's tree, built so that nothing a caller types can leave it.

A caller's path is a sequence of literal names: `..`, `.`, empty segments, NUL and
control characters and backslashes are refused; each name is percent-encoded on its own
when a URL is built, so `%2e%2e` stays a literal name and never becomes `..`.
Hrefs that Nextcloud returns go the other way with `relative_to_root`.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

MAX_NAME_BYTES = 255


class UnsafePath(ValueError):
    """A path that is empty, malformed, or would leave the user's tree; `argument` names it when known."""

    argument: str | None = None


def split_user_path(path: str, *, allow_root: bool = True) -> list[str]:
    """The names of `path` relative to the user's root ('/' and '' are the root itself)."""
    if not isinstance(path, str):
        raise UnsafePath("path must be a string")
    if "\x00" in path or any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        raise UnsafePath("path contains a control character")
    if "\\" in path:
        raise UnsafePath("path contains a backslash; use '/' between folder names")
    names = [name for name in path.split("/") if name not in ("", ".")]
    for name in names:
        if name == "..":
            raise UnsafePath("path contains '..'; give a path inside your files, e.g. 'Documents/report.md'")
        if name.strip() != name and name.strip() == "":
            raise UnsafePath("path contains a name made only of spaces")
        if len(name.encode("utf-8")) > MAX_NAME_BYTES:
            raise UnsafePath(f"the name {name[:40]!r}... is longer than {MAX_NAME_BYTES} bytes")
    if not names and not allow_root:
        raise UnsafePath("path is empty; name a file or folder, e.g. 'Documents/report.md'")
    return names


def normalize(path: str, *, allow_root: bool = True, argument: str | None = None) -> str:
    """The canonical form shown to users: no leading or trailing slash, '' for the root.

    `argument` names the tool argument the path came from, so a refusal can say which one.
    """
    try:
        return "/".join(split_user_path(path, allow_root=allow_root))
    except UnsafePath as exc:
        exc.argument = argument
        raise


def encode(names: list[str]) -> str:
    """Percent-encode each name; the result never contains an encoded or literal '..' segment."""
    return "/".join(quote(name, safe="") for name in names)


def join_url(root: str, path: str, *, collection: bool = False, allow_root: bool = True) -> str:
    """`root` (already encoded, ending with '/') plus the safely encoded user path."""
    names = split_user_path(path, allow_root=allow_root)
    url = root + encode(names)
    if collection and names:
        url += "/"
    return url


def relative_to_root(href: str, root: str) -> str | None:
    """Turn an href from a DAV answer into a user path below `root`, or None if it is outside."""
    href_path = unquote(urlsplit(href).path)
    root_path = unquote(urlsplit(root).path)
    if not href_path.startswith(root_path.rstrip("/")):
        return None
    rest = href_path[len(root_path.rstrip("/")) :]
    if rest and not rest.startswith("/"):
        return None
    names = [name for name in rest.split("/") if name]
    if any(name in (".", "..") for name in names):
        return None
    return "/".join(names)
