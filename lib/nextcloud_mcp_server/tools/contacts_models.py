"""What the contacts tools return: addressbooks and contacts as output-schema models.

Module level on purpose (the SDK reads tool return types with get_type_hints), and apart
from tools/contacts.py so that it holds the argument checks and the tools themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from nextcloud_mcp_server.tools._base import Page

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.carddav import AddressBook, Card
    from nextcloud_mcp_server.nextcloud.vcard import TypedValue


class AddressBookInfo(BaseModel):
    name: str = Field(description="URI slug: pass it as `addressbook` to the other contacts tools.")
    display_name: str = Field(description="The name shown in Nextcloud's Contacts app.")
    description: str | None = Field(default=None, description="The addressbook's description, if any.")
    ctag: str | None = Field(default=None, description="Changes whenever any card in the addressbook changes.")

    @classmethod
    def of(cls, book: AddressBook) -> AddressBookInfo:
        return cls(name=book.name, display_name=book.display_name, description=book.description, ctag=book.ctag)


class Entry(BaseModel):
    value: str = Field(description="The address, number or URL.")
    types: list[str] = Field(default_factory=list, description="Labels such as 'work', 'home', 'cell'.")
    preferred: bool = Field(default=False, description="Whether this entry is marked preferred.")


class Address(BaseModel):
    street: str = Field(default="", description="Street and number.")
    locality: str = Field(default="", description="City.")
    region: str = Field(default="", description="State or region.")
    postal_code: str = Field(default="", description="Postal code.")
    country: str = Field(default="", description="Country.")
    types: list[str] = Field(default_factory=list, description="Labels such as 'work' or 'home'.")


class ContactInfo(BaseModel):
    uid: str = Field(description="The contact's UID: pass it to update or delete the contact.")
    addressbook: str = Field(description="The addressbook holding the contact.")
    etag: str | None = Field(description="Version of the card; pass it as `etag` for a conditional update or delete.")
    href: str = Field(description="The card's CardDAV path in Nextcloud.")
    fn: str = Field(description="Full display name.")
    given_name: str | None = Field(default=None, description="Given name.")
    family_name: str | None = Field(default=None, description="Family name.")
    nickname: str | None = Field(default=None, description="Nickname(s).")
    organization: str | None = Field(default=None, description="Organization (departments after '; ').")
    title: str | None = Field(default=None, description="Job title.")
    note: str | None = Field(default=None, description="Note.")
    birthday: str | None = Field(default=None, description="Birthday as stored (e.g. 1990-04-23).")
    emails: list[Entry] = Field(default_factory=list, description="Email addresses.")
    phones: list[Entry] = Field(default_factory=list, description="Phone numbers.")
    urls: list[Entry] = Field(default_factory=list, description="Web pages.")
    addresses: list[Address] = Field(default_factory=list, description="Postal addresses.")
    categories: list[str] = Field(default_factory=list, description="Groups the contact belongs to.")
    has_photo: bool = Field(default=False, description="Whether the card carries a photo (kept on update).")
    custom_fields: dict[str, list[str]] = Field(default_factory=dict, description="X- properties, by name.")

    @classmethod
    def of(cls, card: Card) -> ContactInfo:
        c = card.contact

        def entries(items: list[TypedValue]) -> list[Entry]:
            return [Entry(value=i.value, types=i.types, preferred=i.preferred) for i in items]

        return cls(
            uid=c.uid,
            addressbook=card.addressbook,
            etag=card.etag,
            href=card.href,
            fn=c.fn,
            given_name=c.given_name,
            family_name=c.family_name,
            nickname=c.nickname,
            organization=c.org,
            title=c.title,
            note=c.note,
            birthday=c.bday,
            emails=entries(c.emails),
            phones=entries(c.phones),
            urls=entries(c.urls),
            addresses=[
                Address(
                    street=a.street,
                    locality=a.locality,
                    region=a.region,
                    postal_code=a.postal_code,
                    country=a.country,
                    types=a.types,
                )
                for a in c.addresses
            ],
            categories=c.categories,
            has_photo=c.has_photo,
            custom_fields=c.extra,
        )


class AddressBookList(BaseModel):
    addressbooks: list[AddressBookInfo] = Field(description="Addressbooks on this page.")
    page: Page = Field(description="Pagination facts.")


class ContactList(BaseModel):
    addressbook: str = Field(description="The addressbook listed or searched ('*' for all).")
    contacts: list[ContactInfo] = Field(description="Contacts on this page, sorted by name.")
    page: Page = Field(description="Pagination facts.")


class AddressBookResult(BaseModel):
    addressbook: AddressBookInfo = Field(description="The addressbook created.")


class AddressBookDeleted(BaseModel):
    name: str = Field(description="The addressbook deleted.")
    deleted: bool = Field(description="True once Nextcloud removed it.")


class ContactResult(BaseModel):
    contact: ContactInfo = Field(description="The contact as now stored, with its new etag.")


class ContactDeleted(BaseModel):
    addressbook: str = Field(description="The addressbook the contact was in.")
    uid: str = Field(description="The UID of the deleted contact.")
    deleted: bool = Field(description="True once Nextcloud removed it.")
