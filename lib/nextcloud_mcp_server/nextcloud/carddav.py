"""CardDAV as Nextcloud serves it: addressbook discovery, addressbooks, vCards, queries.

Why this shape: Nextcloud's hrefs live under /remote.php/dav/addressbooks/users/<u>/,
found by discovery (current-user-principal -> addressbook-home-set) rather than guessed.
Cards are read with PROPFIND + addressbook-multiget (supported by every CardDAV server),
searched with addressbook-query (RFC 6352 §8.6), and written with If-Match /
If-None-Match so a concurrent edit is reported, never overwritten. Sabre sends no ETag
with a 412, so the current one is fetched and put on the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from nextcloud_mcp_server.nextcloud import vcard
from nextcloud_mcp_server.nextcloud.dav import (
    CALSERVER,
    CARDDAV,
    DAV,
    DavResponse,
    element,
    parse_multistatus,
    qname,
    serialize,
)
from nextcloud_mcp_server.nextcloud.discovery import discover_home, propfind, server_path
from nextcloud_mcp_server.nextcloud.errors import Conflict, NotFound, PreconditionFailed, not_found
from nextcloud_mcp_server.nextcloud.paths import UnsafePath, split_user_path
from nextcloud_mcp_server.nextcloud.vcard_syntax import VCardError

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

VCARD_TYPE = "text/vcard; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
SEARCH_PROPERTIES = ("FN", "NICKNAME", "EMAIL", "TEL", "ORG")
_MULTIGET_BATCH = 200


@dataclass
class AddressBook:
    """One addressbook; `name` is the last segment of its href (e.g. 'contacts')."""

    name: str
    href: str
    display_name: str
    description: str | None = None
    ctag: str | None = None
    sync_token: str | None = None


@dataclass
class Card:
    """One vCard object with its href and ETag (pass the ETag back for a conditional write)."""

    addressbook: str
    href: str
    etag: str | None
    data: str

    @cached_property
    def contact(self) -> vcard.ContactSummary:
        """The typed view; a card Nextcloud holds but nobody can parse still lists (by its href)."""
        try:
            return vcard.summarize(self.data)
        except VCardError:
            stem = unquote(urlsplit(self.href).path.rsplit("/", 1)[-1]).removesuffix(".vcf")
            return vcard.ContactSummary(uid=stem, fn="", version="unknown")

    @property
    def uid(self) -> str:
        return self.contact.uid


def segment(name: str, what: str = "addressbook name") -> str:
    """`name` as one safe, percent-encoded path segment (refuses '/', '..', control characters)."""
    if not name or "/" in name:
        raise UnsafePath(f"the {what} must be a single name without '/'")
    names = split_user_path(name, allow_root=False)
    if len(names) != 1 or names[0] != name:
        raise UnsafePath(f"the {what} {name[:40]!r} is not a plain name")
    return quote(name, safe="")


def quote_etag(etag: str) -> str:
    """ETags are quoted strings; accept one a caller passed without the quotes."""
    etag = etag.strip()
    return etag if etag.startswith(('"', "W/")) else f'"{etag}"'


class CardDAV:
    """Addressbooks and contacts of the client's user."""

    def __init__(self, client: NextcloudClient) -> None:
        self.client = client
        self._home: str | None = None

    # -- discovery ---------------------------------------------------------------------
    def _path(self, href: str) -> str:
        """A server-relative path for `client.request` from an href (absolute URL or path)."""
        return server_path(self.client, href)

    async def _propfind(self, path: str, props: list[tuple[str, str]], depth: str) -> list[DavResponse]:
        return await propfind(self.client, path, props, depth)

    async def home(self) -> str:
        """The addressbook home path (discovered once, then cached)."""
        if self._home is None:
            self._home = await discover_home(
                self.client,
                (CARDDAV, "addressbook-home-set"),
                no_principal="Nextcloud did not report current-user-principal during CardDAV discovery",
                no_home="Nextcloud did not report addressbook-home-set during CardDAV discovery",
            )
        return self._home

    async def addressbook_path(self, name: str) -> str:
        return f"{await self.home()}{segment(name)}/"

    # -- addressbooks ------------------------------------------------------------------
    async def list_addressbooks(self) -> list[AddressBook]:
        home = await self.home()
        found = await self._propfind(home, _ADDRESSBOOK_PROPS, "1")
        return [_addressbook(item) for item in found if _is_addressbook(item)]

    async def get_addressbook(self, name: str) -> AddressBook:
        path = await self.addressbook_path(name)
        try:
            found = await self._propfind(path, _ADDRESSBOOK_PROPS, "0")
        except NotFound:
            raise not_found(f"addressbook {name!r}") from None
        if not found or not _is_addressbook(found[0]):
            raise not_found(f"addressbook {name!r}", "a collection, but not an addressbook")
        return _addressbook(found[0])

    async def create_addressbook(self, name: str, display_name: str, description: str | None = None) -> AddressBook:
        """Extended MKCOL (RFC 5689), as Nextcloud's own clients create addressbooks."""
        root = element(DAV, "mkcol")
        prop = element(DAV, "prop", element(DAV, "set", root))
        rtype = element(DAV, "resourcetype", prop)
        element(DAV, "collection", rtype)
        element(CARDDAV, "addressbook", rtype)
        element(DAV, "displayname", prop, display_name)
        if description:
            element(CARDDAV, "addressbook-description", prop, description)
        path = await self.addressbook_path(name)
        await self.client.request("MKCOL", path, headers={"Content-Type": XML_TYPE}, content=serialize(root))
        return await self.get_addressbook(name)

    async def delete_addressbook(self, name: str) -> None:
        path = await self.addressbook_path(name)
        try:
            await self.client.request("DELETE", path)
        except NotFound:
            raise not_found(f"addressbook {name!r}") from None

    # -- cards -------------------------------------------------------------------------
    async def list_cards(self, addressbook: str) -> list[Card]:
        """Every card: PROPFIND for the hrefs, then addressbook-multiget for the data."""
        path = await self.addressbook_path(addressbook)
        try:
            found = await self._propfind(path, [(DAV, "getetag"), (DAV, "resourcetype")], "1")
        except NotFound:
            raise not_found(f"addressbook {addressbook!r}") from None
        hrefs = [item.href for item in found if not item.is_collection and item.status != 404]
        cards: list[Card] = []
        for start in range(0, len(hrefs), _MULTIGET_BATCH):
            root = element(CARDDAV, "addressbook-multiget")
            prop = element(DAV, "prop", root)
            element(DAV, "getetag", prop)
            element(CARDDAV, "address-data", prop)
            for href in hrefs[start : start + _MULTIGET_BATCH]:
                element(DAV, "href", root, href)
            cards.extend(await self._report(addressbook, path, root, depth="1"))
        return cards

    async def search(
        self, addressbook: str, text: str, properties: tuple[str, ...] = SEARCH_PROPERTIES, *, match: str = "contains"
    ) -> list[Card]:
        """Cards where any of `properties` matches `text` (addressbook-query, case-insensitive)."""
        root = element(CARDDAV, "addressbook-query")
        prop = element(DAV, "prop", root)
        element(DAV, "getetag", prop)
        element(CARDDAV, "address-data", prop)
        filt = element(CARDDAV, "filter", root)
        filt.set("test", "anyof")
        for name in properties:
            pfilter = element(CARDDAV, "prop-filter", filt)
            pfilter.set("name", name)
            tmatch = element(CARDDAV, "text-match", pfilter, text)
            tmatch.set("collation", "i;octet" if name == "UID" else "i;unicode-casemap")
            tmatch.set("match-type", match)
        path = await self.addressbook_path(addressbook)
        try:
            return await self._report(addressbook, path, root, depth="1")
        except NotFound:
            raise not_found(f"addressbook {addressbook!r}") from None

    async def _report(self, addressbook: str, path: str, body: Element, depth: str) -> list[Card]:
        headers = {"Depth": depth, "Content-Type": XML_TYPE}
        response = await self.client.request("REPORT", path, headers=headers, content=serialize(body))
        cards = []
        for item in parse_multistatus(response.content):
            data_el = item.props.get(qname(CARDDAV, "address-data"))
            if data_el is None or not (data_el.text or "").strip():
                continue
            cards.append(Card(addressbook, item.href, item.text(DAV, "getetag"), data_el.text or ""))
        return cards

    async def get_card(self, addressbook: str, uid: str) -> Card:
        """The card with this UID: `<uid>.vcf` first (how Nextcloud names cards), else a UID query."""
        book = await self.addressbook_path(addressbook)
        try:
            path = f"{book}{segment(uid, 'contact uid')}.vcf"
        except UnsafePath:
            path = None  # a UID no file can be named after (other clients' cards): query only
        if path is not None:
            try:
                response = await self.client.request("GET", path, headers={"Accept": "text/vcard"})
            except NotFound:
                pass
            else:
                card = Card(addressbook, path, response.headers.get("ETag"), response.text)
                if _uid_of(card) == uid:
                    return card
        matches = [
            card for card in await self.search(addressbook, uid, ("UID",), match="equals") if _uid_of(card) == uid
        ]
        if not matches:
            raise not_found(f"contact UID {uid!r} in addressbook {addressbook!r}")
        return matches[0]

    async def create_card(self, addressbook: str, uid: str, data: str) -> Card:
        """PUT a new `<uid>.vcf` with If-None-Match: * (never replaces an existing card)."""
        path = f"{await self.addressbook_path(addressbook)}{segment(uid, 'contact uid')}.vcf"
        headers = {"Content-Type": VCARD_TYPE, "If-None-Match": "*"}
        try:
            response = await self.client.request("PUT", path, headers=headers, content=data.encode("utf-8"))
        except PreconditionFailed:
            raise Conflict(f"a contact with UID {uid!r} already exists in addressbook {addressbook!r}") from None
        except Conflict:
            raise not_found(f"addressbook {addressbook!r}") from None
        etag = response.headers.get("ETag") or await self._etag_of(path)
        return Card(addressbook, path, etag, data)

    async def put_card(self, card: Card, data: str, etag: str | None) -> Card:
        """Replace `card` only if it still has `etag` (default: the ETag it was read with)."""
        match = quote_etag(etag) if etag else card.etag
        headers = {"Content-Type": VCARD_TYPE, **({"If-Match": match} if match else {})}
        path = self._path(card.href)
        try:
            response = await self.client.request("PUT", path, headers=headers, content=data.encode("utf-8"))
        except PreconditionFailed as exc:
            raise await self._stale(exc, path) from None
        new_etag = response.headers.get("ETag") or await self._etag_of(path)
        return Card(card.addressbook, card.href, new_etag, data)

    async def delete_card(self, card: Card, etag: str | None = None) -> None:
        path = self._path(card.href)
        headers = {"If-Match": quote_etag(etag)} if etag else {}
        try:
            await self.client.request("DELETE", path, headers=headers)
        except PreconditionFailed as exc:
            raise await self._stale(exc, path) from None

    # -- contacts (cards built from typed fields) --------------------------------------
    async def create_contact(self, addressbook: str, fields: vcard.ContactInput, uid: str | None = None) -> Card:
        uid = uid or vcard.new_uid()
        return await self.create_card(addressbook, uid, vcard.build(fields, uid))

    async def update_contact(
        self, addressbook: str, uid: str, changes: vcard.ContactInput, etag: str | None = None
    ) -> Card:
        """Merge `changes` into the current card, keeping everything not mentioned."""
        card = await self.get_card(addressbook, uid)
        if etag and card.etag and quote_etag(etag) != card.etag:
            raise PreconditionFailed("the contact changed since that etag was read", current_etag=card.etag)
        return await self.put_card(card, vcard.merge(card.data, changes), etag)

    async def delete_contact(self, addressbook: str, uid: str, etag: str | None = None) -> Card:
        card = await self.get_card(addressbook, uid)
        await self.delete_card(card, etag)
        return card

    # -- helpers -----------------------------------------------------------------------
    async def _etag_of(self, path: str) -> str | None:
        try:
            found = await self._propfind(path, [(DAV, "getetag")], "0")
        except NotFound:
            return None
        return found[0].text(DAV, "getetag") if found else None

    async def _stale(self, exc: PreconditionFailed, path: str) -> PreconditionFailed | NotFound:
        current = await self._etag_of(path)
        if current is None:
            return not_found("the contact", "deleted since it was read")
        return PreconditionFailed(exc.detail or "the contact changed since it was read", current_etag=current)


_ADDRESSBOOK_PROPS = [
    (DAV, "resourcetype"),
    (DAV, "displayname"),
    (CALSERVER, "getctag"),
    (DAV, "sync-token"),
    (CARDDAV, "addressbook-description"),
]


def _is_addressbook(item: DavResponse) -> bool:
    return qname(CARDDAV, "addressbook") in item.child_names(DAV, "resourcetype")


def _addressbook(item: DavResponse) -> AddressBook:
    name = unquote(urlsplit(item.href).path.rstrip("/").rsplit("/", 1)[-1])
    return AddressBook(
        name=name,
        href=item.href,
        display_name=item.text(DAV, "displayname") or name,
        description=item.text(CARDDAV, "addressbook-description") or None,
        ctag=item.text(CALSERVER, "getctag"),
        sync_token=item.text(DAV, "sync-token"),
    )


def _uid_of(card: Card) -> str | None:
    return card.uid if card.contact.version != "unknown" else None
