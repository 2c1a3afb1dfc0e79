"""MCP tools for contacts (CardDAV): addressbooks, listing, search, create/update/delete.

Names and arguments follow the `nextcloud-mcp-server` package (addressbook, uid,
contact_data, etag). Updates merge into the stored vCard, so a photo, custom X- fields
and everything the caller did not mention survive.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeAliasType

from nextcloud_mcp_server.registry import Toolset
from nextcloud_mcp_server.tools._base import (
    CREATE,
    DELETE,
    READ,
    UPDATE,
    Limit,
    Offset,
    invalid,
    paginate,
)
from nextcloud_mcp_server.tools.contacts_models import (
    AddressBookDeleted,
    AddressBookInfo,
    AddressBookList,
    AddressBookResult,
    ContactDeleted,
    ContactInfo,
    ContactList,
    ContactResult,
)
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.carddav import Card
    from nextcloud_mcp_server.nextcloud.vcard import ContactInput, TypedValue

_EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
_TYPE_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,30}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

AddressbookArg = Annotated[str, Field(description="URI slug, e.g. 'contacts'.")]
UidArg = Annotated[str, Field(description="The contact's UID.")]
EtagArg = Annotated[str, Field(description="Only if it still has this etag.")]

TOOLSET = Toolset(
    "contacts",
    "Contacts",
    "Address books and contacts (CardDAV): list, search, create, change and delete contacts.",
)


# -- arguments ---------------------------------------------------------------------------


class TypedEntry(BaseModel):
    # An email address or phone number with an optional label.
    #
    # The contact models carry no docstrings and describe only fields whose name and type
    # do not say it all: every client sends this schema to its model in every session,
    # twice (create and update).

    model_config = ConfigDict(extra="forbid")

    value: str
    type: str | None = Field(default=None, description="Label, e.g. 'work'.")
    preferred: bool = False


# Named unions: each becomes one `$defs` entry, not a copy in every field's schema.
Entries = TypeAliasType("Entries", str | list[str | TypedEntry])
Strings = TypeAliasType("Strings", str | list[str])


class ContactData(BaseModel):
    # Contact fields. On update, a field left out is kept; an empty string or list removes it
    # (the update tool's `contact_data` description says so).

    model_config = ConfigDict(extra="forbid")

    fn: str | None = Field(default=None, description="Full name.")
    given_name: str | None = None
    family_name: str | None = None
    email: Entries | None = None
    tel: Entries | None = None
    phone: Entries | None = Field(default=None, description="Alias of tel.")
    org: Strings | None = Field(default=None, description="A list adds departments.")
    organization: Strings | None = Field(default=None, description="Alias of org.")
    title: str | None = Field(default=None, description="Job title.")
    note: str | None = None
    nickname: Strings | None = None
    bday: str | None = Field(default=None, description="YYYY-MM-DD or --MM-DD.")
    categories: Strings | None = Field(default=None, description="Groups, comma-separated.")
    url: Strings | None = None


def _entries(argument: str, value: Entries | None, *, email: bool = False) -> list[TypedValue] | None:
    from nextcloud_mcp_server.nextcloud.vcard import TypedValue

    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    out = []
    for item in items:
        entry = TypedEntry(value=item) if isinstance(item, str) else item
        text = entry.value.strip()
        if not text:
            if isinstance(value, str):
                return []  # "" clears the field
            raise invalid(argument, "contains an empty entry")
        if email and not _EMAIL.match(text):
            raise invalid(argument, f"{text!r} is not an email address like 'ann@example.com'")
        if entry.type is not None and not _TYPE_LABEL.match(entry.type):
            raise invalid(argument, f"label {entry.type!r} must be a single word such as 'work' or 'home'")
        out.append(TypedValue(text, [entry.type] if entry.type else [], entry.preferred))
    return out


def _strings(value: Strings | None, *, split: bool = False) -> list[str] | None:
    if value is None:
        return None
    items = value.split(",") if split and isinstance(value, str) else [value] if isinstance(value, str) else value
    return [item.strip() for item in items if item.strip()]


def to_input(data: ContactData, *, creating: bool) -> ContactInput:
    """Validate `contact_data` and turn it into the vCard layer's input (no request is sent)."""
    from nextcloud_mcp_server.nextcloud.vcard import ContactInput

    if data.tel is not None and data.phone is not None:
        raise invalid("contact_data", "give 'tel' or 'phone', not both")
    if data.org is not None and data.organization is not None:
        raise invalid("contact_data", "give 'org' or 'organization', not both")
    if data.fn is not None and not data.fn.strip():
        raise invalid("contact_data.fn", "a contact's name cannot be empty")
    if data.bday:
        _check_birthday(data.bday)
    result = ContactInput(
        fn=data.fn.strip() if data.fn else None,
        given_name=data.given_name,
        family_name=data.family_name,
        emails=_entries("contact_data.email", data.email, email=True),
        phones=_entries("contact_data.tel", data.tel if data.tel is not None else data.phone),
        org=_strings(data.org if data.org is not None else data.organization),
        title=data.title,
        note=data.note,
        nickname=_strings(data.nickname, split=True),
        bday=data.bday,
        categories=_strings(data.categories, split=True),
        urls=_strings(data.url),
    )
    if result.is_empty():
        raise invalid("contact_data", 'names no field; give at least \'fn\', e.g. {"fn": "Ann Lee"}')
    if creating and not result.has_identity():
        raise invalid("contact_data", "a new contact needs a name ('fn'), an organization, an email or a phone")
    return result


def _check_birthday(value: str) -> None:
    try:
        if value.startswith("--"):
            dt.date.fromisoformat("2000-" + value[2:])
        else:
            dt.date.fromisoformat(value)
    except ValueError:
        raise invalid("contact_data.bday", f"{value!r} is not a date like 1990-04-23 (or --04-23)") from None


def check_name(argument: str, value: str, *, strict: bool = False) -> str:
    """A safe single path segment; `strict` for names this server creates."""
    if not value or not value.strip():
        raise invalid(argument, "must not be empty")
    bad = "/" in value or "\\" in value or value in (".", "..") or any(ord(ch) < 32 or ord(ch) == 127 for ch in value)
    if bad or len(value.encode()) > 255:
        raise invalid(argument, f"{value[:40]!r} is not a plain name (no '/', '\\', '..' or control characters)")
    if strict and not _NAME.match(value):
        raise invalid(argument, f"{value[:40]!r}: use letters, digits, '.', '_' and '-' only, e.g. 'work-contacts'")
    return value


def _sorted(cards: list[Card]) -> list[Card]:
    return sorted(cards, key=lambda card: (card.contact.fn.casefold(), card.contact.uid))


# -- tools -------------------------------------------------------------------------------


@tool(TOOLSET, READ, title="List addressbooks")
async def nc_contacts_list_addressbooks(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> AddressBookList:
    """List addressbooks; `name` is the `addressbook` argument ('contacts' always exists)."""
    books = sorted(await nc.carddav.list_addressbooks(), key=lambda b: b.name)
    chunk, page = paginate(books, offset, limit)
    return AddressBookList(addressbooks=[AddressBookInfo.of(b) for b in chunk], page=page)


@tool(TOOLSET, READ, title="List contacts")
async def nc_contacts_list_contacts(
    nc: Nextcloud, addressbook: AddressbookArg, limit: Limit = 50, offset: Offset = 0
) -> ContactList:
    """List the contacts of an addressbook, sorted by name."""
    check_name("addressbook", addressbook)
    chunk, page = paginate(_sorted(await nc.carddav.list_cards(addressbook)), offset, limit)
    return ContactList(addressbook=addressbook, contacts=[ContactInfo.of(c) for c in chunk], page=page)


@tool(TOOLSET, READ, title="Search contacts")
async def nc_contacts_search_contacts(
    nc: Nextcloud,
    query: Annotated[str, Field(description="Text to find (any case).")],
    addressbook: Annotated[str | None, Field(description="Addressbook to search; default all.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ContactList:
    """Find contacts whose name, nickname, email, phone or organization contains `query`."""
    text = query.strip()
    if not text:
        raise invalid("query", "must not be empty; use nc_contacts_list_contacts to list everyone")
    if addressbook is not None:
        check_name("addressbook", addressbook)
    books = [addressbook] if addressbook else [b.name for b in await nc.carddav.list_addressbooks()]
    found: list[Card] = []
    for book in books:
        found.extend(await nc.carddav.search(book, text))
    chunk, page = paginate(_sorted(found), offset, limit)
    return ContactList(addressbook=addressbook or "*", contacts=[ContactInfo.of(c) for c in chunk], page=page)


@tool(TOOLSET, CREATE, title="Create addressbook")
async def nc_contacts_create_addressbook(
    nc: Nextcloud,
    name: Annotated[str, Field(description="URI slug, e.g. 'work-contacts'.")],
    display_name: Annotated[str, Field(description="e.g. 'Work contacts'.")],
    description: Annotated[str | None, Field(description="Free text.")] = None,
) -> AddressBookResult:
    """Create an addressbook; fails if the name is taken."""
    check_name("name", name, strict=True)
    if not display_name.strip():
        raise invalid("display_name", "must not be empty")
    book = await nc.carddav.create_addressbook(name, display_name.strip(), description)
    return AddressBookResult(addressbook=AddressBookInfo.of(book))


@tool(TOOLSET, DELETE, title="Delete addressbook")
async def nc_contacts_delete_addressbook(
    nc: Nextcloud,
    name: Annotated[str, Field(description="URI slug.")],
) -> AddressBookDeleted:
    """Delete an addressbook and all its contacts, irreversibly."""
    check_name("name", name)
    await nc.carddav.delete_addressbook(name)
    return AddressBookDeleted(name=name, deleted=True)


@tool(TOOLSET, CREATE, title="Create contact")
async def nc_contacts_create_contact(
    nc: Nextcloud,
    addressbook: AddressbookArg,
    contact_data: Annotated[ContactData, Field(description='e.g. {"fn":"Ann Lee","email":"ann@example.com"}.')],
    uid: Annotated[str | None, Field(description="UID to use; default a random UUID.")] = None,
) -> ContactResult:
    """Create a contact (vCard 3.0); it needs at least fn, org, email or tel."""
    check_name("addressbook", addressbook)
    if uid is not None:
        check_name("uid", uid)
    fields = to_input(contact_data, creating=True)
    card = await nc.carddav.create_contact(addressbook, fields, uid)
    return ContactResult(contact=ContactInfo.of(card))


@tool(TOOLSET, UPDATE, title="Update contact")
async def nc_contacts_update_contact(
    nc: Nextcloud,
    addressbook: AddressbookArg,
    uid: UidArg,
    contact_data: Annotated[ContactData, Field(description='Fields to change; "" or [] removes one.')],
    etag: EtagArg = "",
) -> ContactResult:
    """Change fields of a contact; the rest (photo, addresses, custom fields) is kept."""
    check_name("addressbook", addressbook)
    if not uid.strip():
        raise invalid("uid", "must not be empty")
    fields = to_input(contact_data, creating=False)
    card = await nc.carddav.update_contact(addressbook, uid, fields, etag or None)
    return ContactResult(contact=ContactInfo.of(card))


@tool(TOOLSET, DELETE, title="Delete contact")
async def nc_contacts_delete_contact(
    nc: Nextcloud, addressbook: AddressbookArg, uid: UidArg, etag: EtagArg = ""
) -> ContactDeleted:
    """Delete a contact from an addressbook."""
    check_name("addressbook", addressbook)
    if not uid.strip():
        raise invalid("uid", "must not be empty")
    await nc.carddav.delete_contact(addressbook, uid, etag or None)
    return ContactDeleted(addressbook=addressbook, uid=uid, deleted=True)
