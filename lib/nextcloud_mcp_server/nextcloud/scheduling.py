"""CalDAV scheduling against Nextcloud (RFC 6638): the user's own calendar-user addresses, and
Nextcloud users found by name or email (DAV principal-property-search, RFC 3744 §9.4).

Why: Nextcloud schedules implicitly. When an event is written whose ORGANIZER is one of the
writer's calendar-user addresses, Sabre's scheduling sends an iTIP REQUEST (RFC 5546) to each
ATTENDEE: into the calendar of an attendee who is a user of that Nextcloud, and as an iMIP email
(RFC 6047) to every attendee with an email address. When an attendee writes their copy with a
changed PARTSTAT, the REPLY goes back the same ways. A client therefore only writes the right
ORGANIZER and ATTENDEE properties; this module knows who "me" is in those properties and finds
the people to put there. Nextcloud answers the principal search itself (apps/dav
`Connector/Sabre/Principal::searchPrincipals`): a display name matches as a case-insensitive
substring, an email address exactly, and users the sharing settings hide are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from nextcloud_mcp_server.nextcloud.dav import CALDAV, DAV, SABRE, DavResponse, element, parse_multistatus, serialize
from nextcloud_mcp_server.nextcloud.discovery import DAV_ROOT, propfind, server_path
from nextcloud_mcp_server.nextcloud.errors import BadResponse

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

XML = {"Content-Type": "application/xml; charset=utf-8"}
ADDRESS_SET = (CALDAV, "calendar-user-address-set")


def address(value: str) -> str:
    """A calendar-user address as compared: lower case, without `mailto:` (an email), or a principal path."""
    text = value.strip()
    if text.lower().startswith("mailto:"):
        return text[7:].strip().lower()
    return urlsplit(text).path.rstrip("/").lower() + "/" if text.startswith(("/", "http")) else text.lower()


@dataclass(frozen=True)
class Person:
    """Someone to invite: a display name (None when unknown) and an email address."""

    name: str | None
    email: str


@dataclass(frozen=True)
class Me:
    """The calling user as CalDAV scheduling sees them."""

    name: str
    addresses: frozenset[str]
    """Their calendar-user addresses, compared with `address()`."""
    email: str | None
    """The address invitations are sent from (the first `mailto:` of the address set), if any."""

    def is_me(self, value: str) -> bool:
        return address(value) in self.addresses


def _hrefs(item: DavResponse, namespace: str, local: str) -> list[str]:
    prop = item.props.get(f"{{{namespace}}}{local}")
    if prop is None:
        return []
    return [(href.text or "").strip() for href in prop.iter(f"{{{DAV}}}href") if (href.text or "").strip()]


def _first_mailto(hrefs: list[str]) -> str | None:
    return next((h[7:].strip() for h in hrefs if h.lower().startswith("mailto:") and "@" in h), None)


class Scheduling:
    """The scheduling facts of one NextcloudClient's user (discovered once, then cached)."""

    def __init__(self, client: NextcloudClient) -> None:
        self.client = client
        self._principal: str | None = None
        self._me: Me | None = None

    async def principal(self) -> str:
        """The user's principal path, e.g. '/remote.php/dav/principals/users/alice/'."""
        if self._principal is None:
            found = await propfind(self.client, DAV_ROOT, [(DAV, "current-user-principal")], "0")
            hrefs = [href for item in found for href in _hrefs(item, DAV, "current-user-principal")]
            if not hrefs:
                raise BadResponse("the DAV root did not name the current user's principal")
            path = server_path(self.client, hrefs[0])
            self._principal = path if path.endswith("/") else path + "/"
        return self._principal

    async def me(self) -> Me:
        """The user's display name and calendar-user addresses (their email and principal)."""
        if self._me is None:
            principal = await self.principal()
            found = await propfind(self.client, principal, [(DAV, "displayname"), ADDRESS_SET], "0")
            hrefs = [href for item in found for href in _hrefs(item, *ADDRESS_SET)]
            name = next((item.text(DAV, "displayname") for item in found if item.text(DAV, "displayname")), None)
            self._me = Me(
                name=name or principal.rstrip("/").rsplit("/", 1)[-1],
                addresses=frozenset({address(h) for h in hrefs} | {address(principal)}),
                email=_first_mailto(hrefs),
            )
        return self._me

    async def find_users(self, text: str) -> list[Person]:
        """Nextcloud users whose display name contains `text` or whose email is `text`, with an email.

        One principal-property-search REPORT (test="anyof") on the users' principal collection.
        """
        principal = await self.principal()
        collection = principal.rstrip("/").rsplit("/", 1)[0] + "/"
        root = element(DAV, "principal-property-search")
        root.set("test", "anyof")
        for namespace, local in ((DAV, "displayname"), (SABRE, "email-address")):
            search = element(DAV, "property-search", root)
            element(namespace, local, element(DAV, "prop", search))
            element(DAV, "match", search, text)
        prop = element(DAV, "prop", root)
        for namespace, local in ((DAV, "displayname"), (SABRE, "email-address"), ADDRESS_SET):
            element(namespace, local, prop)
        response = await self.client.request(
            "REPORT", collection, headers={**XML, "Depth": "0"}, content=serialize(root), ok=(207,)
        )
        people: list[Person] = []
        for item in parse_multistatus(response.content):
            email = item.text(SABRE, "email-address") or _first_mailto(_hrefs(item, *ADDRESS_SET))
            if email:
                people.append(Person(item.text(DAV, "displayname") or None, email))
        return people
