"""The DAV root and principals, answered the way Nextcloud (Sabre) answers discovery.

PROPFIND /remote.php/dav/                       -> d:current-user-principal
PROPFIND /remote.php/dav/principals/users/<u>/  -> calendar-home-set, addressbook-home-set,
                                                   calendar-user-address-set, displayname
REPORT   /remote.php/dav/principals/users/      -> principal-property-search (RFC 3744 §9.4)
Radicale has its own principal layout, so discovery is emulated here and the homes point
at the Radicale mounts under Nextcloud's paths.

The principal search is what Nextcloud's Calendar app uses to find attendees. It follows
apps/dav `Connector/Sabre/Principal::searchUserPrincipals` with sharing's default settings
(enumeration allowed): `{DAV:}displayname` matches a display name or user id as a
case-insensitive substring, `{http://sabredav.org/ns}email-address` (and a
`calendar-user-address-set` search, which Nextcloud turns into one) an email exactly; several
property-searches combine by the `test` attribute (`allof` unless `anyof`). Sabre answers only
Depth 0 (400 otherwise) and puts properties a principal lacks in a 404 propstat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from tests.standin.core import Receive, Scope, Send, User, header, read_body, send_response
from tests.standin.radicale_bridge import send_sabre_error

if TYPE_CHECKING:
    from tests.standin.core import StandIn

MULTISTATUS_HEADERS = [
    ("Content-Type", "application/xml; charset=utf-8"),
    ("DAV", "1, 3, extended-mkcol, access-control, calendar-access, addressbook"),
]


def principal_url(user_id: str) -> str:
    return f"/remote.php/dav/principals/users/{quote(user_id)}/"


def calendar_home(user_id: str) -> str:
    return f"/remote.php/dav/calendars/{quote(user_id)}/"


def addressbook_home(user_id: str) -> str:
    return f"/remote.php/dav/addressbooks/users/{quote(user_id)}/"


class PrincipalService:
    """Discovery endpoints: the DAV root and `principals/users/<u>/`."""

    def __init__(self, standin: StandIn) -> None:
        self.standin = standin

    def provision(self, user: User) -> None:
        return None

    async def handle(self, scope: Scope, receive: Receive, send: Send, user: User) -> None:
        body = await read_body(receive)
        method = scope["method"]
        path = scope["path"]
        if method == "OPTIONS":
            await send_response(send, 200, headers=[*MULTISTATUS_HEADERS, ("Allow", "OPTIONS, GET, PROPFIND")])
            return
        if method == "REPORT" and path.rstrip("/") == "/remote.php/dav/principals/users":
            await self._search(scope, send, body)
            return
        if method != "PROPFIND":
            await send_response(send, 405, headers=[("Allow", "OPTIONS, PROPFIND")])
            return
        if path.rstrip("/") in ("/remote.php/dav", "/remote.php/dav/principals"):
            href = path if path.endswith("/") else path + "/"
            props = (
                f"<d:current-user-principal><d:href>{principal_url(user.id)}</d:href></d:current-user-principal>"
                "<d:resourcetype><d:collection/></d:resourcetype>"
            )
            await self._multistatus(send, href, props)
            return
        if path.rstrip("/") + "/" == principal_url(user.id):
            email = f"<d:href>mailto:{escape(user.email)}</d:href>" if user.email else ""
            props = (
                f"<d:current-user-principal><d:href>{principal_url(user.id)}</d:href></d:current-user-principal>"
                f"<d:displayname>{escape(user.display_name)}</d:displayname>"
                "<d:resourcetype><d:principal/></d:resourcetype>"
                f"<cal:calendar-home-set><d:href>{calendar_home(user.id)}</d:href></cal:calendar-home-set>"
                f"<card:addressbook-home-set><d:href>{addressbook_home(user.id)}</d:href></card:addressbook-home-set>"
                f"<cal:calendar-user-address-set>{email}<d:href>{principal_url(user.id)}</d:href>"
                "</cal:calendar-user-address-set>"
            )
            await self._multistatus(send, principal_url(user.id), props)
            return
        await send_response(send, 404, b"", [("Content-Type", "application/xml; charset=utf-8")])

    async def _search(self, scope: Scope, send: Send, body: bytes) -> None:
        """principal-property-search over the users, answering the requested properties of each match."""
        if (header(scope, "depth") or "0") != "0":
            await send_sabre_error(send, 400, _BAD_REQUEST, "This report is only defined when Depth: 0")
            return
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            await send_sabre_error(send, 400, _BAD_REQUEST, "The request body was not valid XML")
            return
        if root.tag != f"{{{_DAV}}}principal-property-search":
            await send_sabre_error(send, 415, _NOT_SUPPORTED, "This report is not supported")
            return
        searches = [
            ([child.tag for child in search.findall(f"{{{_DAV}}}prop/*")], search.findtext(f"{{{_DAV}}}match") or "")
            for search in root.findall(f"{{{_DAV}}}property-search")
        ]
        wanted = [child.tag for child in root.findall(f"{{{_DAV}}}prop/*")]
        results = [set(self._matching(props, match)) for props, match in searches]
        if not results:
            found: set[str] = set()
        elif root.get("test") == "anyof":
            found = set().union(*results)
        else:
            found = set.intersection(*results)
        responses = "".join(self._principal(self.standin.users[uid], wanted) for uid in sorted(found))
        await send_response(send, 207, _MULTISTATUS.format(responses).encode(), MULTISTATUS_HEADERS)

    def _matching(self, props: list[str], match: str) -> list[str]:
        """User ids one property-search matches (Principal::searchUserPrincipals; each prop a separate search)."""
        needle = match.casefold()
        found: list[str] = []
        for prop in props:
            for user in self.standin.users.values():
                if prop == f"{{{_DAV}}}displayname":
                    hit = needle in user.display_name.casefold() or needle in user.id.casefold()
                elif prop in (f"{{{_SABRE}}}email-address", f"{{{_CALDAV}}}calendar-user-address-set"):
                    hit = bool(user.email) and (user.email or "").casefold() == needle.removeprefix("mailto:")
                else:
                    hit = False
                if hit:
                    found.append(user.id)
        return found

    @staticmethod
    def _principal(user: User, wanted: list[str]) -> str:
        values = {
            f"{{{_DAV}}}displayname": f"<d:displayname>{escape(user.display_name)}</d:displayname>",
            f"{{{_CALDAV}}}calendar-user-type": "<cal:calendar-user-type>INDIVIDUAL</cal:calendar-user-type>",
            f"{{{_CALDAV}}}calendar-user-address-set": "<cal:calendar-user-address-set>"
            + (f"<d:href>mailto:{escape(user.email)}</d:href>" if user.email else "")
            + f"<d:href>{principal_url(user.id)}</d:href></cal:calendar-user-address-set>",
        }
        if user.email:
            values[f"{{{_SABRE}}}email-address"] = f"<s:email-address>{escape(user.email)}</s:email-address>"
        found = "".join(values[tag] for tag in wanted if tag in values)
        missing = "".join(_empty(tag) for tag in wanted if tag not in values)
        stats = f"<d:propstat><d:prop>{found}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
        if missing:
            stats += f"<d:propstat><d:prop>{missing}</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>"
        return f"<d:response><d:href>{principal_url(user.id)}</d:href>{stats}</d:response>"

    async def _multistatus(self, send: Send, href: str, props: str) -> None:
        body = (
            '<?xml version="1.0"?>\n<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" '
            'xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" '
            'xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns" '
            'xmlns:card="urn:ietf:params:xml:ns:carddav">'
            f"<d:response><d:href>{href}</d:href><d:propstat><d:prop>{props}</d:prop>"
            "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"
        ).encode()
        await send_response(send, 207, body, MULTISTATUS_HEADERS)


_DAV, _CALDAV, _SABRE = "DAV:", "urn:ietf:params:xml:ns:caldav", "http://sabredav.org/ns"
_BAD_REQUEST = "Sabre\\DAV\\Exception\\BadRequest"
_NOT_SUPPORTED = "Sabre\\DAV\\Exception\\ReportNotSupported"
_MULTISTATUS = (
    '<?xml version="1.0"?>\n<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" '
    'xmlns:cal="urn:ietf:params:xml:ns:caldav">{}</d:multistatus>'
)


def _empty(tag: str) -> str:
    """An empty element for a property a principal lacks (its namespace declared on it)."""
    namespace, _, local = tag[1:].partition("}")
    return f'<x:{local} xmlns:x="{escape(namespace)}"/>'
