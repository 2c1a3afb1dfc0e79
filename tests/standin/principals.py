"""The DAV root and principals, answered the way Nextcloud (Sabre) answers discovery.

PROPFIND /remote.php/dav/                       -> d:current-user-principal
PROPFIND /remote.php/dav/principals/users/<u>/  -> calendar-home-set, addressbook-home-set,
                                                   calendar-user-address-set, displayname
Radicale has its own principal layout, so discovery is emulated here and the homes point
at the Radicale mounts under Nextcloud's paths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote
from xml.sax.saxutils import escape

from tests.standin.core import Receive, Scope, Send, User, read_body, send_response

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
        await read_body(receive)
        method = scope["method"]
        path = scope["path"]
        if method == "OPTIONS":
            await send_response(send, 200, headers=[*MULTISTATUS_HEADERS, ("Allow", "OPTIONS, GET, PROPFIND")])
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
