"""vCard summarise, build and merge at the level of content lines (RFC 6350 §3.3, RFC 2426).

Why not vobject: a contact update must keep every line the caller did not mention
byte for byte (PHOTO, X- properties, grouped Apple labels, vCard 4.0 data: URIs), and
vobject re-encodes what it reads (it truncates a 4.0 `PHOTO:data:...;base64,...` at the
comma, and upper-cases X- names). Here an untouched line is written back as it came.
New cards are vCard 3.0, what Nextcloud's Contacts app writes; 4.0 is read and merged.
The line syntax (folding, escaping, parsing a card into lines) lives in vcard_syntax.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from nextcloud_mcp_server.nextcloud.vcard_syntax import (
    ContentLine,
    VCard,
    VCardError,
    escape_text,
    parse,
    split_escaped,
    unescape_text,
)

# -- typed summaries ---------------------------------------------------------------------


@dataclass
class TypedValue:
    """An email, phone or URL with its TYPE labels."""

    value: str
    types: list[str] = field(default_factory=list)
    preferred: bool = False


@dataclass
class PostalAddress:
    street: str = ""
    locality: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    po_box: str = ""
    extended: str = ""
    types: list[str] = field(default_factory=list)


@dataclass
class ContactSummary:
    """What a contact says, typed; `extra` holds the X- properties by name."""

    uid: str
    fn: str
    version: str
    given_name: str | None = None
    family_name: str | None = None
    nickname: str | None = None
    org: str | None = None
    title: str | None = None
    note: str | None = None
    bday: str | None = None
    emails: list[TypedValue] = field(default_factory=list)
    phones: list[TypedValue] = field(default_factory=list)
    urls: list[TypedValue] = field(default_factory=list)
    addresses: list[PostalAddress] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    has_photo: bool = False
    extra: dict[str, list[str]] = field(default_factory=dict)


def _typed(line: ContentLine, strip_scheme: str = "") -> TypedValue:
    types = [t.lower() for t in line.param("TYPE")]
    preferred = "pref" in types or bool(line.param("PREF"))
    value = unescape_text(line.value)
    if strip_scheme and value.lower().startswith(strip_scheme):
        value = value[len(strip_scheme) :]
    return TypedValue(value, [t for t in types if t not in ("pref", "internet")], preferred)


def summarize(card: VCard | str) -> ContactSummary:
    """Typed view of a card (3.0 or 4.0)."""
    if isinstance(card, str):
        card = parse(card)
    uid = card.text("UID") or ""
    n = split_escaped(card.first("N").value, ";") if card.first("N") else []  # type: ignore[union-attr]
    org = card.first("ORG")
    summary = ContactSummary(
        uid=uid,
        fn=card.text("FN") or "",
        version=card.version,
        family_name=(n[0] if len(n) > 0 else "") or None,
        given_name=(n[1] if len(n) > 1 else "") or None,
        nickname=card.text("NICKNAME"),
        org="; ".join(p for p in split_escaped(org.value, ";") if p) if org else None,
        title=card.text("TITLE"),
        note=card.text("NOTE"),
        bday=card.text("BDAY"),
        emails=[_typed(line, "mailto:") for line in card.all("EMAIL")],
        phones=[_typed(line, "tel:") for line in card.all("TEL")],
        urls=[_typed(line) for line in card.all("URL")],
        categories=[c for line in card.all("CATEGORIES") for c in split_escaped(line.value, ",") if c],
        has_photo=card.first("PHOTO") is not None,
    )
    for line in card.all("ADR"):
        parts = [*split_escaped(line.value, ";"), "", "", "", "", "", "", ""][:7]
        types = [t.lower() for t in line.param("TYPE") if t.lower() != "pref"]
        summary.addresses.append(
            PostalAddress(parts[2], parts[3], parts[4], parts[5], parts[6], parts[0], parts[1], types)
        )
    for line in card.lines:
        if line.name.startswith("X-"):
            summary.extra.setdefault(line.name, []).append(unescape_text(line.value))
    return summary


# -- building and merging ----------------------------------------------------------------


@dataclass
class ContactInput:
    """Fields a caller sets; None means 'not mentioned' (kept on update), [] or '' clears."""

    fn: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    emails: list[TypedValue] | None = None
    phones: list[TypedValue] | None = None
    org: list[str] | None = None
    title: str | None = None
    note: str | None = None
    nickname: list[str] | None = None
    bday: str | None = None
    categories: list[str] | None = None
    urls: list[str] | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in self.__dataclass_fields__)

    def has_identity(self) -> bool:
        """Something that can name the contact (FN is required by vCard)."""
        return bool(self.fn or self.given_name or self.family_name or self.org or self.emails or self.phones)


def new_uid() -> str:
    return str(uuid.uuid4())


def _typed_lines(name: str, values: list[TypedValue], version: str) -> list[ContentLine]:
    lines = []
    for item in values:
        types = [t.upper() for t in item.types]
        params: list[tuple[str, list[str]]] = []
        if version.startswith("4"):
            if types:
                params.append(("TYPE", [t.lower() for t in types]))
            if item.preferred:
                params.append(("PREF", ["1"]))
        else:
            if name == "EMAIL":
                types = ["INTERNET", *[t for t in types if t != "INTERNET"]]
            if item.preferred:
                types.append("PREF")
            if types:
                params.append(("TYPE", types))
        lines.append(ContentLine(name, escape_text(item.value), params))
    return lines


def _display_name(data: ContactInput, fallback: str = "") -> str:
    named = " ".join(p for p in (data.given_name, data.family_name) if p)
    if named:
        return named
    if data.org:
        return data.org[0]
    if data.emails:
        return data.emails[0].value
    if data.phones:
        return data.phones[0].value
    return fallback


def _n_value(data: ContactInput, fn: str) -> str:
    """N for a new card: the given parts, or FN split so its last word is the family name."""
    family, given = data.family_name or "", data.given_name or ""
    if not family and not given:
        words = fn.split()
        family, given = (words[-1], " ".join(words[:-1])) if len(words) > 1 else (fn, "")
    return ";".join(escape_text(p) for p in (family, given, "", "", ""))


def _replacements(data: ContactInput, version: str) -> dict[str, list[ContentLine]]:
    """New lines for every property the caller mentioned (an empty list removes it)."""
    out: dict[str, list[ContentLine]] = {}
    if data.emails is not None:
        out["EMAIL"] = _typed_lines("EMAIL", data.emails, version)
    if data.phones is not None:
        out["TEL"] = _typed_lines("TEL", data.phones, version)
    if data.urls is not None:
        out["URL"] = [ContentLine("URL", " ".join(u.splitlines())) for u in data.urls]  # a URI, not TEXT
    if data.org is not None:
        out["ORG"] = [ContentLine("ORG", ";".join(escape_text(p) for p in data.org))] if data.org else []
    if data.nickname is not None:
        nick = ",".join(escape_text(n) for n in data.nickname)
        out["NICKNAME"] = [ContentLine("NICKNAME", nick)] if nick else []
    if data.categories is not None:
        cats = ",".join(escape_text(c) for c in data.categories)
        out["CATEGORIES"] = [ContentLine("CATEGORIES", cats)] if cats else []
    for name, value in (("TITLE", data.title), ("NOTE", data.note), ("BDAY", data.bday)):
        if value is not None:
            out[name] = [ContentLine(name, escape_text(value))] if value else []
    return out


def _rev() -> ContentLine:
    return ContentLine("REV", dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ"))


def build(data: ContactInput, uid: str | None = None) -> str:
    """A new vCard 3.0 for `data`."""
    fn = data.fn or _display_name(data)
    if not fn:
        raise VCardError("a contact needs at least a name, an organization, an email or a phone")
    lines = [
        ContentLine("VERSION", "3.0"),
        ContentLine("PRODID", "-//Nextcloud MCP Server//EN"),
        ContentLine("UID", escape_text(uid or new_uid())),
        ContentLine("FN", escape_text(fn)),
        ContentLine("N", _n_value(data, fn)),
    ]
    for replacement in _replacements(data, "3.0").values():
        lines.extend(replacement)
    lines.append(_rev())
    return VCard(lines).serialize()


def merge(existing: str, data: ContactInput) -> str:
    """`existing` with the mentioned properties replaced and everything else kept verbatim."""
    card = parse(existing)
    version = card.version
    replacements = _replacements(data, version)
    names_given = data.given_name is not None or data.family_name is not None
    if data.fn is not None or names_given:
        current_n = card.first("N")
        n_parts = [*(split_escaped(current_n.value, ";") if current_n else []), "", "", "", "", ""][:5]
        if data.family_name is not None:
            n_parts[0] = data.family_name
        if data.given_name is not None:
            n_parts[1] = data.given_name
        # A new FN wins; new name parts without one make FN follow them.
        fn = data.fn or " ".join(p for p in (n_parts[1], n_parts[0]) if p) or card.text("FN") or ""
        replacements["FN"] = [ContentLine("FN", escape_text(fn))]
        if names_given:
            replacements["N"] = [ContentLine("N", ";".join(escape_text(p) for p in n_parts))]
        elif current_n is None:
            replacements["N"] = [ContentLine("N", _n_value(ContactInput(fn=fn), fn))]
    replacements["REV"] = [_rev()]
    result: list[ContentLine] = []
    placed: set[str] = set()
    for line in card.lines:
        new = replacements.get(line.name)
        if new is None:
            result.append(line)
            continue
        if line.name not in placed:  # new lines take the place of the first old one
            result.extend(new)
            placed.add(line.name)
        # grouped companions (e.g. item1.X-ABLabel) of a removed line go with it
    dropped_groups = {line.group for line in card.lines if line.group and line.name in replacements}
    result = [line for line in result if not (line.group in dropped_groups and line.name.startswith("X-AB"))]
    for name, new in replacements.items():
        if name not in placed:
            result.extend(new)
    return VCard(result).serialize()
