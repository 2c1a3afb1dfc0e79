"""PROPFIND and home discovery shared by CalDAV and CardDAV (RFC 6764 §6, RFC 5397).

Why: Nextcloud's calendar and addressbook homes are found, not guessed: PROPFIND the
DAV root for current-user-principal, then PROPFIND the principal for the home set. Both
clients walk the same two steps; each keeps its own cached result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from nextcloud_mcp_server.nextcloud.dav import DAV, DavResponse, parse_multistatus, propfind_body, qname
from nextcloud_mcp_server.nextcloud.errors import BadResponse

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

DAV_ROOT = "/remote.php/dav/"
_XML = {"Content-Type": "application/xml; charset=utf-8"}


def server_path(client: NextcloudClient, href: str) -> str:
    """A server-relative path for `client.request` from an href (absolute URL or path)."""
    path = urlsplit(href).path
    base = urlsplit(client.base_url).path.rstrip("/")
    return path[len(base) :] if base and path.startswith(base + "/") else path


async def discover_home(client: NextcloudClient, home_set: tuple[str, str], *, no_principal: str, no_home: str) -> str:
    """The home collection path named by the principal's `home_set` property (ends in '/').

    `no_principal` and `no_home` are the BadResponse details when a step finds nothing.
    """
    root = await propfind(client, DAV_ROOT, [(DAV, "current-user-principal")], "0")
    principal = _href_in(root, DAV, "current-user-principal")
    if principal is None:
        raise BadResponse(no_principal)
    found = await propfind(client, server_path(client, principal), [home_set], "0")
    home = _href_in(found, *home_set)
    if home is None:
        raise BadResponse(no_home)
    home = server_path(client, home)
    return home if home.endswith("/") else home + "/"


async def propfind(client: NextcloudClient, path: str, props: list[tuple[str, str]], depth: str) -> list[DavResponse]:
    """PROPFIND `props` of `path` (Depth `depth`) and parse the multistatus answer."""
    response = await client.request("PROPFIND", path, headers={**_XML, "Depth": depth}, content=propfind_body(props))
    return parse_multistatus(response.content)


def _href_in(found: list[DavResponse], namespace: str, local: str) -> str | None:
    """The first href inside property `local` of any response, or None."""
    for item in found:
        prop = item.props.get(qname(namespace, local))
        href = None if prop is None else prop.find(qname(DAV, "href"))
        if href is not None and href.text:
            return href.text.strip()
    return None
