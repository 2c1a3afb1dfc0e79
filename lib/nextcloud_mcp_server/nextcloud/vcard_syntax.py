"""vCard text syntax (RFC 6350 §3, RFC 2426): content lines, folding, escaping, and a card
as its lines in their original order.

Why apart from vcard.py: merging keeps every line it does not touch byte for byte, so the
card is modelled as raw content lines; this module knows only that syntax, vcard.py what
the properties mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CRLF = "\r\n"
_FOLD_OCTETS = 75
_NAME = re.compile(r"^(?:(?P<group>[A-Za-z0-9-]+)\.)?(?P<name>[A-Za-z0-9-]+)$")


class VCardError(ValueError):
    """Text that is not a readable vCard."""


# -- content lines ---------------------------------------------------------------------


@dataclass
class ContentLine:
    """One property: `group.NAME;PARAM=a,b:value`, value kept escaped as on the wire."""

    name: str
    value: str
    params: list[tuple[str, list[str]]] = field(default_factory=list)
    group: str | None = None
    raw: str | None = None  # the unfolded original, re-emitted verbatim while untouched

    def param(self, key: str) -> list[str]:
        """All values of a parameter (TYPE values are split on commas)."""
        found: list[str] = []
        for name, values in self.params:
            if name == key.upper():
                for value in values:
                    found.extend(part for part in value.split(",") if part)
        return found

    def render(self) -> str:
        if self.raw is not None:
            return self.raw
        head = f"{self.group}.{self.name}" if self.group else self.name
        for key, values in self.params:
            head += f";{key}=" + ",".join(_param_value(v) for v in values)
        return f"{head}:{self.value}"


def _param_value(value: str) -> str:
    return f'"{value}"' if any(ch in value for ch in ':;,"') else value


def unfold(text: str) -> list[str]:
    """Logical lines: folded continuations (CRLF + space or tab) joined, blank lines dropped."""
    lines: list[str] = []
    for physical in re.split(r"\r\n|\n|\r", text):
        if physical[:1] in (" ", "\t") and lines:
            lines[-1] += physical[1:]
        elif physical.strip():
            lines.append(physical)
    return lines


def fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current, size, limit = "", 0, _FOLD_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = "", 0, _FOLD_OCTETS - 1
        current += ch
        size += width
    out.append(current)
    return (CRLF + " ").join(out)


def parse_line(line: str) -> ContentLine:
    """Split a logical line into group, name, parameters and (escaped) value."""
    head_end, quoted = None, False
    for index, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            head_end = index
            break
    if head_end is None:
        raise VCardError(f"line without ':' separator: {line[:40]!r}")
    head, value = line[:head_end], line[head_end + 1 :]
    parts = _split_unquoted(head, ";")
    match = _NAME.match(parts[0])
    if not match:
        raise VCardError(f"malformed property name {parts[0][:40]!r}")
    params: list[tuple[str, list[str]]] = []
    for part in parts[1:]:
        key, sep, pvalue = part.partition("=")
        if not sep:  # vCard 2.1 style bare TYPE value, e.g. ';WORK'
            key, pvalue = "TYPE", key
        values = [v.strip('"') for v in _split_unquoted(pvalue, ",")]
        params.append((key.upper(), values))
    return ContentLine(match["name"].upper(), value, params, match["group"], raw=line)


def _split_unquoted(text: str, sep: str) -> list[str]:
    parts, current, quoted = [], "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def escape_text(value: str) -> str:
    """TEXT value escaping (backslash, newline, comma, semicolon)."""
    value = value.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n")  # a lone CR would end the line
    return value.replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;")


def unescape_text(value: str) -> str:
    out, index = [], 0
    while index < len(value):
        ch = value[index]
        if ch == "\\" and index + 1 < len(value):
            nxt = value[index + 1]
            out.append("\n" if nxt in "nN" else nxt)
            index += 2
            continue
        out.append(ch)
        index += 1
    return "".join(out)


def split_escaped(value: str, sep: str) -> list[str]:
    """Split a structured or list value on unescaped `sep`, unescaping each part."""
    parts, current, index = [], "", 0
    while index < len(value):
        ch = value[index]
        if ch == "\\" and index + 1 < len(value):
            current += value[index : index + 2]
            index += 2
            continue
        if ch == sep:
            parts.append(unescape_text(current))
            current = ""
        else:
            current += ch
        index += 1
    parts.append(unescape_text(current))
    return parts


# -- cards -------------------------------------------------------------------------------


@dataclass
class VCard:
    """The properties between BEGIN:VCARD and END:VCARD, in their original order."""

    lines: list[ContentLine]

    @property
    def version(self) -> str:
        return next((line.value.strip() for line in self.lines if line.name == "VERSION"), "3.0")

    def all(self, name: str) -> list[ContentLine]:
        return [line for line in self.lines if line.name == name]

    def first(self, name: str) -> ContentLine | None:
        return next((line for line in self.lines if line.name == name), None)

    def text(self, name: str) -> str | None:
        line = self.first(name)
        return None if line is None else unescape_text(line.value)

    def serialize(self) -> str:
        body = [fold(line.render()) for line in self.lines]
        return CRLF.join(["BEGIN:VCARD", *body, "END:VCARD"]) + CRLF


def parse(text: str) -> VCard:
    """The first vCard in `text`."""
    lines = unfold(text)
    try:
        start = next(i for i, line in enumerate(lines) if line.strip().upper() == "BEGIN:VCARD")
    except StopIteration:
        raise VCardError("no BEGIN:VCARD found") from None
    body: list[ContentLine] = []
    for line in lines[start + 1 :]:
        if line.strip().upper() == "END:VCARD":
            return VCard(body)
        body.append(parse_line(line))
    raise VCardError("no END:VCARD found")
