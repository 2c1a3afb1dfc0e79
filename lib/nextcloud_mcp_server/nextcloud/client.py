"""One NextcloudClient per identity, with pluggable auth and one API object per Nextcloud app.

Why: every Nextcloud app module (webdav, caldav, notes, ...) shares the pooled HTTP
client, the error mapping and the user id; each is created on first use so that start-up
does not pay for what a session never calls.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from nextcloud_mcp_server.nextcloud.errors import raise_for_status, unreachable

if TYPE_CHECKING:
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.nextcloud.caldav import CalDAV
    from nextcloud_mcp_server.nextcloud.carddav import CardDAV
    from nextcloud_mcp_server.nextcloud.notes import NotesAPI
    from nextcloud_mcp_server.nextcloud.ocs import OCS
    from nextcloud_mcp_server.nextcloud.webdav import WebDAV


T = TypeVar("T")


def multipart(
    fields: Mapping[str, str], field: str, filename: str, content: bytes, content_type: str
) -> tuple[bytes, str]:
    """A multipart/form-data body (`fields`, then one file as PHP's `$_FILES[field]`) and its Content-Type.

    Why by hand: an upload is already in memory, and the apps read it exactly as a browser form sends it."""
    boundary = uuid.uuid4().hex
    quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()
    )
    head += f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{quoted}"\r\n'
    head += f"Content-Type: {content_type}\r\n\r\n"
    return head.encode() + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class NextcloudClient:
    """Requests to one Nextcloud as one user; `http` carries the auth (Basic, Bearer or AppAPI)."""

    def __init__(self, http: httpx.AsyncClient, user: str, base_url: str) -> None:
        self.http = http
        self.user = user
        self.base_url = base_url.rstrip("/")
        self._apis: dict[type[Any], Any] = {}

    def api(self, cls: type[T]) -> T:
        """The API object `cls(self)` of one Nextcloud app, made on first use and kept with this client.

        A new client module needs no edit here: a tool imports its class when it runs and asks
        `nc.api(DeckAPI)`. (The older apps also have a property each: `nc.notes`, `nc.webdav`, ...)
        """
        found = self._apis.get(cls)
        if found is None:
            found = self._apis[cls] = cls(self)  # type: ignore[call-arg]
        return found

    @classmethod
    def with_app_password(
        cls, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> NextcloudClient:
        """Basic auth with the configured user and app password."""
        from nextcloud_mcp_server.http import make_client

        assert settings.nextcloud_username is not None
        assert settings.nextcloud_password is not None
        auth = httpx.BasicAuth(settings.nextcloud_username, settings.nextcloud_password.get_secret_value())
        http = make_client(settings, base_url=settings.nextcloud_base, auth=auth, transport=transport)
        return cls(http, settings.nextcloud_username, settings.nextcloud_base)

    def url(self, path: str) -> str:
        """Absolute URL for a server-relative path such as '/remote.php/dav/files/u/'."""
        return self.base_url + path

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        json: Any = None,
        ok: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send, read the body, and raise the typed error unless 2xx (or a status in `ok`)."""
        try:
            response = await self.http.request(
                method, self.url(path), headers=headers, params=params, content=content, json=json
            )
        except httpx.RequestError as exc:
            raise unreachable(exc, self.base_url) from None
        if response.status_code not in ok:
            raise_for_status(response)
        return response

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: Any = None,
        ok: tuple[int, ...] = (),
    ) -> AsyncIterator[httpx.Response]:
        """A response whose body is read by the caller in chunks (errors are raised after reading them,
        except for a status in `ok`, which the caller reads and maps itself)."""
        try:
            async with self.http.stream(method, self.url(path), headers=headers, content=content) as response:
                if not response.is_success and response.status_code not in ok:
                    await response.aread()
                    raise_for_status(response)
                yield response
        except httpx.RequestError as exc:
            raise unreachable(exc, self.base_url) from None

    async def aclose(self) -> None:
        await self.http.aclose()

    @cached_property
    def ocs(self) -> OCS:
        from nextcloud_mcp_server.nextcloud.ocs import OCS

        return OCS(self)

    @cached_property
    def webdav(self) -> WebDAV:
        from nextcloud_mcp_server.nextcloud.webdav import WebDAV

        return WebDAV(self)

    @cached_property
    def caldav(self) -> CalDAV:
        from nextcloud_mcp_server.nextcloud.caldav import CalDAV

        return CalDAV(self)

    @cached_property
    def carddav(self) -> CardDAV:
        from nextcloud_mcp_server.nextcloud.carddav import CardDAV

        return CardDAV(self)

    @cached_property
    def notes(self) -> NotesAPI:
        from nextcloud_mcp_server.nextcloud.notes import NotesAPI

        return NotesAPI(self)
