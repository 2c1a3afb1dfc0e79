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
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from tests.standin.core import Receive, Scope, Send, User, header, read_body, send_response
from tests.standin.radicale_bridge import (
    IF_NONE_MATCH_FAILED,
    SABRE_EXCEPTIONS,
    radicale_configuration,
    run_asgi,
    send_sabre_error,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from tests.standin.core import StandIn

MOUNT = "/remote.php/dav/addressbooks/users"
_UID_EXISTS = "VCard object with uid already exists in this addressbook collection."

_SABRE = {
    **SABRE_EXCEPTIONS,
    404: ("Sabre\\DAV\\Exception\\NotFound", "Card not found"),
    409: ("Sabre\\DAV\\Exception\\Conflict", "Files cannot be created in non-existent collections"),
    415: (
        "Sabre\\DAV\\Exception\\UnsupportedMediaType",
        "This resource only supports valid vCard data. Parse error.",
    ),
}


class ContactsService:
    """CardDAV under /remote.php/dav/addressbooks/, served by Radicale behind a Nextcloud-shaped front."""

    def __init__(self, standin: StandIn) -> None:
        import radicale
        from a2wsgi import WSGIMiddleware

        self.folder = standin.data_dir / "carddav"
        configuration = radicale_configuration(
            self.folder,
            auth={"type": "remote_user"},
            rights={"type": "owner_only", "permit_delete_collection": "True"},
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
                message = IF_NONE_MATCH_FAILED
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
        return await run_asgi(self.asgi, inner, body)

    async def _error(self, send: Send, status: int, exception: str, message: str) -> None:
        await send_sabre_error(send, status, exception, message)
