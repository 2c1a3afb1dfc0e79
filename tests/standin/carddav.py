"""Addressbooks: a real Radicale (its own storage) mounted where Nextcloud serves CardDAV.

Radicale answers CardDAV itself (PROPFIND, addressbook-multiget, addressbook-query with
prop-filter/text-match, extended MKCOL, PUT/GET/DELETE with ETags and If-Match). The
front below covers where Nextcloud (Sabre, Nextcloud 31) differs:

- hrefs are Nextcloud's: /remote.php/dav/addressbooks/users/<user>/<addressbook>/<card>.vcf
  (the mount is Radicale's base prefix through SCRIPT_NAME);
- the front's authenticated user is handed to Radicale as the WSGI REMOTE_USER (nothing a
  client sends can choose it); only the user's own home is reachable (404 otherwise);
- a PROPFIND without Depth is Depth 1;
- addressbook-query on an addressbook with Depth 0 is refused (403 ReportNotSupported),
  as Sabre does: clients must send Depth: 1;
- a second card with an existing UID is 400 BadRequest (Radicale says 409), an unreadable
  vCard is 415, MKCOL on an existing collection is 405, a successful DELETE is 204;
- errors carry Sabre's XML error body (`s:exception`, `s:message`);
- each user gets the `contacts` addressbook ("Contacts") Nextcloud creates at first login.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from tests.standin.core import Receive, Scope, Send, User, header, read_body, send_response

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from tests.standin.core import StandIn

MOUNT = "/remote.php/dav/addressbooks/users"
_XML_HEADERS = [("Content-Type", "application/xml; charset=utf-8")]
_UID_EXISTS = "VCard object with uid already exists in this addressbook collection."

_SABRE = {
    400: ("Sabre\\DAV\\Exception\\BadRequest", "Bad request"),
    403: ("Sabre\\DAV\\Exception\\Forbidden", "Access denied"),
    404: ("Sabre\\DAV\\Exception\\NotFound", "Card not found"),
    405: ("Sabre\\DAV\\Exception\\MethodNotAllowed", "The resource you tried to create already exists"),
    409: ("Sabre\\DAV\\Exception\\Conflict", "Files cannot be created in non-existent collections"),
    412: (
        "Sabre\\DAV\\Exception\\PreconditionFailed",
        "An If-Match header was specified, but none of the specified ETags matched.",
    ),
    415: (
        "Sabre\\DAV\\Exception\\UnsupportedMediaType",
        "This resource only supports valid vCard data. Parse error.",
    ),
    507: ("Sabre\\DAV\\Exception\\InsufficientStorage", "Insufficient storage"),
}


def sabre_error(exception: str, message: str) -> bytes:
    """The XML body Sabre sends with an error status."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">'
        f"<s:exception>{escape(exception)}</s:exception><s:message>{escape(message)}</s:message></d:error>"
    ).encode()


class ContactsService:
    """CardDAV under /remote.php/dav/addressbooks/, served by Radicale behind a Nextcloud-shaped front."""

    def __init__(self, standin: StandIn) -> None:
        import radicale
        import radicale.config
        from a2wsgi import WSGIMiddleware

        self.folder = standin.data_dir / "carddav"
        (self.folder / "collection-root").mkdir(parents=True, exist_ok=True)
        logging.getLogger("radicale").setLevel(logging.ERROR)  # its 404/412 warnings are expected here
        configuration = radicale.config.load()
        configuration.update(
            {
                "server": {"delay_on_error": "0"},
                "auth": {"type": "remote_user", "delay": "0"},
                "rights": {"type": "owner_only", "permit_delete_collection": "True"},
                "storage": {"filesystem_folder": str(self.folder), "_filesystem_fsync": "False"},
                "web": {"type": "none"},
            },
            "nextcloud stand-in",
            privileged=True,
        )
        radicale_app = radicale.Application(configuration)

        def as_front_user(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            environ["REMOTE_USER"] = environ["asgi.scope"]["nextcloud.user"]
            return radicale_app(environ, start_response)

        self.asgi = WSGIMiddleware(as_front_user, workers=4)  # type: ignore[arg-type]

    # -- provisioning ------------------------------------------------------------------
    def addressbook_dir(self, user_id: str, name: str) -> Path:
        return self.folder / "collection-root" / user_id / name

    def provision(self, user: User) -> None:
        """The `contacts` addressbook Nextcloud creates at first login."""
        path = self.addressbook_dir(user.id, "contacts")
        if path.exists():
            return
        path.mkdir(parents=True)
        props = {"tag": "VADDRESSBOOK", "D:displayname": "Contacts"}
        (path / ".Radicale.props").write_text(json.dumps(props), encoding="utf-8")

    # -- requests ----------------------------------------------------------------------
    async def handle(self, scope: Scope, receive: Receive, send: Send, user: User) -> None:
        body = await read_body(receive)
        method: str = scope["method"]
        path: str = scope["path"]
        names = [unquote(part) for part in path[len(MOUNT) :].split("/") if part] if path.startswith(MOUNT) else None
        if not names or names[0] != user.id:
            who = names[0] if names else path
            await self._error(send, 404, "Sabre\\DAV\\Exception\\NotFound", f"Principal with name {who} not found")
            return
        depth = header(scope, "depth")
        if (
            method == "REPORT"
            and b"addressbook-query" in body
            and len(names) == 2
            and (depth is None or depth.strip() == "0")
        ):
            await self._error(
                send,
                403,
                "Sabre\\DAV\\Exception\\ReportNotSupported",
                "The addressbook-query report is not supported on this url with Depth: 0",
            )
            return
        status, headers, payload = await self._radicale(scope, body, user)
        if status >= 400:
            exception, message = _SABRE.get(status, ("Sabre\\DAV\\Exception", "Error"))
            if method == "PUT" and status == 409 and b"no-uid-conflict" in payload:
                status, exception, message = 400, _SABRE[400][0], _UID_EXISTS
            elif method == "PUT" and status == 400:
                status, (exception, message) = 415, _SABRE[415]
            elif status == 412 and header(scope, "if-none-match"):
                message = "An If-None-Match header was specified, but the ETag matched (or * was specified)."
            await self._error(send, status, exception, message)
            return
        if method == "DELETE" and status == 200:
            etag = [(k, v) for k, v in headers if k.lower() == "etag"]
            await send_response(send, 204, b"", etag)
            return
        await send_response(send, status, payload, [(k, v) for k, v in headers if k.lower() != "content-length"])

    async def _radicale(self, scope: Scope, body: bytes, user: User) -> tuple[int, list[tuple[str, str]], bytes]:
        """Run one request through Radicale as `user`; return its whole response."""
        drop = {b"authorization", b"accept-encoding", b"x-script-name", b"x-remote-user"}
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in drop]
        headers = [(k, v) for k, v in headers if not k.lower().startswith(b"x-forwarded-")]
        if scope["method"] == "PROPFIND" and header(scope, "depth") is None:
            headers.append((b"depth", b"1"))
        inner = {**scope, "root_path": MOUNT, "headers": headers, "nextcloud.user": user.id}
        sent = False

        async def inner_receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        result: dict[str, Any] = {"status": 500, "headers": [], "body": []}

        async def inner_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                result["status"] = message["status"]
                result["headers"] = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]]
            elif message["type"] == "http.response.body":
                result["body"].append(message.get("body", b""))

        await self.asgi(inner, inner_receive, inner_send)
        return result["status"], result["headers"], b"".join(result["body"])

    async def _error(self, send: Send, status: int, exception: str, message: str) -> None:
        await send_response(send, status, sabre_error(exception, message), _XML_HEADERS)
