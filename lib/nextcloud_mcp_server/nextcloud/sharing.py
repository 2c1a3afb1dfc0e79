"""File sharing over OCS (`apps/files_sharing/api/v1`): shares, pending shares and sharees.

Why typed names: Nextcloud speaks in share-type numbers (0 user, 1 group, 3 link, ...) and
permission bit masks (1 read, 2 update, 4 create, 8 delete, 16 share); a model should not have to.
`SHARE_TYPES` and `PERMISSIONS` translate both ways, once, here.

Why `Refused`: the sharing API answers a rule it enforces (a password policy, an enforced expiry
date, a share type the administrator turned off, permissions beyond one's own) with 400, 403 or
404 alike, its meta message naming the rule ("Password needs to be at least 10 characters long",
"Cannot set expiration date more than 7 days in the future"). Creating or changing a share raises
`Refused` with that message, so the one mapping of failures (tools/_base.py) tells the model to
follow the rule rather than that something "does not exist". Reading, accepting or deleting a
share that is not there (or not the caller's) stays `NotFound`, about "share <id>".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from nextcloud_mcp_server.nextcloud.errors import BadResponse, Refused, detail_of, error_for
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/apps/files_sharing/api/v1"

SHARE_TYPES: dict[str, int] = {
    "user": 0,
    "group": 1,
    "link": 3,
    "email": 4,
    "federated": 6,
    "team": 7,
    "federated_group": 9,
    "talk_room": 10,
    "deck": 12,
    "sciencemesh": 15,
}
"""Nextcloud's share types (IShare::TYPE_*) by the names the tools use; `team` is a Circle."""
SHARE_TYPE_NAMES = {code: name for name, code in SHARE_TYPES.items()}

PERMISSIONS: dict[str, int] = {"read": 1, "update": 2, "create": 4, "delete": 8, "share": 16}
"""Nextcloud's share permission bits (OCP\\Constants::PERMISSION_*) by name."""

SHAREE_GROUPS: dict[str, int] = {
    "users": 0,
    "groups": 1,
    "emails": 4,
    "remotes": 6,
    "circles": 7,
    "remote_groups": 9,
    "rooms": 10,
}
"""The keys of a sharees answer and the share type of the entries under each."""


def type_name(code: int) -> str:
    return SHARE_TYPE_NAMES.get(code, f"type_{code}")


def permission_bits(names: list[str]) -> int:
    """The bit mask of permission names (unknown names are the caller's error, refused before this)."""
    bits = 0
    for name in names:
        bits |= PERMISSIONS[name]
    return bits


def permission_names(bits: int) -> list[str]:
    return [name for name, bit in PERMISSIONS.items() if bits & bit]


class Share(BaseModel):
    """One share as `formatShare` answers it (fields this project does not use are ignored)."""

    model_config = ConfigDict(extra="ignore")

    id: int
    share_type: int
    uid_owner: str = ""
    displayname_owner: str = ""
    uid_file_owner: str = ""
    permissions: int = 0
    stime: int = 0
    expiration: str | None = None
    """'YYYY-MM-DD 00:00:00' in the server's time zone, or None."""
    token: str | None = None
    url: str | None = None
    path: str | None = None
    """Where the shared file or folder is in the caller's files ('/Docs/a.md')."""
    item_type: str = "file"
    file_target: str = ""
    share_with: str | None = None
    share_with_displayname: str | None = None
    note: str = ""
    label: str = ""
    password: str | None = None
    hide_download: int = 0
    mail_send: int = 0
    can_edit: bool = False
    can_delete: bool = False

    @property
    def expiration_date(self) -> str | None:
        return self.expiration.split(" ", 1)[0] if self.expiration else None


class Sharee(BaseModel):
    """Someone (or something) a file can be shared with, as the sharee search lists them."""

    share_type: int
    share_with: str
    label: str
    detail: str = ""
    """What tells two of the same label apart: an email address, a server, a status message."""
    exact: bool = False


def _sharees(data: Any) -> list[Sharee]:
    """The sharees of a `sharees` or `sharees_recommended` answer: exact matches first, each once."""
    if not isinstance(data, dict):
        raise BadResponse("the sharee search did not answer an object")
    found: list[Sharee] = []
    seen: set[tuple[int, str]] = set()
    exact = data.get("exact") if isinstance(data.get("exact"), dict) else {}
    for is_exact, source in ((True, exact), (False, data)):
        for key, share_type in SHAREE_GROUPS.items():
            entries = source.get(key) if isinstance(source, dict) else None
            for entry in entries if isinstance(entries, list) else []:
                value = entry.get("value") if isinstance(entry, dict) else None
                if not isinstance(value, dict) or not value.get("shareWith"):
                    continue
                share_with = str(value["shareWith"])
                if (share_type, share_with) in seen:
                    continue
                seen.add((share_type, share_with))
                detail = entry.get("shareWithDisplayNameUnique") or entry.get("subline") or value.get("server") or ""
                found.append(
                    Sharee(
                        share_type=int(value.get("shareType", share_type)),
                        share_with=share_with,
                        label=str(entry.get("label") or share_with),
                        detail=str(detail) if detail != share_with else "",
                        exact=is_exact,
                    )
                )
    return found


def _share(data: Any) -> Share:
    try:
        return Share.model_validate(data)
    except ValidationError:
        raise BadResponse("the sharing API answered with something that is not a share") from None


def _flag(value: bool | None) -> str | None:
    """The sharing API's booleans are the strings 'true' and 'false'."""
    return None if value is None else ("true" if value else "false")


class SharingAPI:
    """The files_sharing app of one Nextcloud user."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _send(
        self,
        method: str,
        path: str,
        *,
        subject: str | None = None,
        refusals: bool = False,
        params: Any = None,
        json: Any = None,
    ) -> Any:
        """One OCS v2 call; its `ocs.data`, or the typed error carrying Nextcloud's meta message.

        `refusals`: the call creates or changes a share, so a 400/403/404 is a rule's refusal (`Refused`).
        """
        response: httpx.Response = await self._client.request(
            method, f"{BASE}{path}", headers=OCS_HEADERS, params=params, json=json, ok=(400, 403, 404)
        )
        status = response.status_code
        if status in (400, 403, 404):
            detail = detail_of(response)
            if refusals:
                error = Refused(detail, status=status)
                error.subject = subject
                raise error
            raise error_for(status, detail, subject=subject)
        return unwrap(response)

    async def shares(
        self, *, path: str | None = None, shared_with_me: bool = False, subfiles: bool = False
    ) -> list[Share]:
        """Shares the caller made (or, `shared_with_me`, received), optionally of one path or the items in a folder."""
        params: dict[str, str] = {}
        if path is not None:
            params["path"] = "/" + path.strip("/")
        if shared_with_me:
            params["shared_with_me"] = "true"
        if subfiles:
            params["subfiles"] = "true"
        data = await self._send("GET", "/shares", params=params, subject=f"'{path}'" if path else None)
        if not isinstance(data, list):
            raise BadResponse("the list of shares is not an array")
        return [_share(item) for item in data]

    async def get(self, share_id: int) -> Share:
        data = await self._send("GET", f"/shares/{int(share_id)}", subject=f"share {share_id}")
        if not isinstance(data, list) or not data:
            raise BadResponse("the share answer is not a one-share array")
        return _share(data[0])

    async def create(
        self,
        path: str,
        share_type: int,
        *,
        share_with: str | None = None,
        permissions: int | None = None,
        password: str | None = None,
        expire_date: str | None = None,
        note: str | None = None,
        label: str | None = None,
        send_mail: bool | None = None,
    ) -> Share:
        """Share `path` (in the caller's files); Nextcloud applies its defaults to what is left out."""
        body: dict[str, Any] = {"path": "/" + path.strip("/"), "shareType": share_type}
        optional = {
            "shareWith": share_with,
            "permissions": permissions,
            "password": password,
            "expireDate": expire_date,
            "note": note,
            "label": label,
            "sendMail": _flag(send_mail),
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        data = await self._send("POST", "/shares", json=body, refusals=True, subject=f"'{path}'")
        return _share(data)

    async def update(
        self,
        share_id: int,
        *,
        permissions: int | None = None,
        password: str | None = None,
        expire_date: str | None = None,
        note: str | None = None,
        label: str | None = None,
        hide_download: bool | None = None,
    ) -> Share:
        """Change the given fields of a share; '' for `password` or `expire_date` removes it."""
        fields = {
            "permissions": permissions,
            "password": password,
            "expireDate": expire_date,
            "note": note,
            "label": label,
            "hideDownload": _flag(hide_download),
        }
        body = {key: value for key, value in fields.items() if value is not None}
        data = await self._send(
            "PUT", f"/shares/{int(share_id)}", json=body, refusals=True, subject=f"share {share_id}"
        )
        return _share(data)

    async def delete(self, share_id: int) -> None:
        """Delete a share (its owner), or decline it (a recipient: a user share goes, a group share leaves them)."""
        await self._send("DELETE", f"/shares/{int(share_id)}", subject=f"share {share_id}")

    async def pending(self) -> list[Share]:
        """Shares offered to the caller and not accepted yet (or declined group shares)."""
        data = await self._send("GET", "/shares/pending")
        if not isinstance(data, list):
            raise BadResponse("the list of pending shares is not an array")
        return [_share(item) for item in data]

    async def accept(self, share_id: int) -> None:
        await self._send("POST", f"/shares/pending/{int(share_id)}", subject=f"share {share_id}")

    async def sharees(self, search: str, *, share_types: list[int] | None = None, per_page: int = 200) -> list[Sharee]:
        """Who matches `search` (users, groups, teams, email addresses, federated ids), exact matches first."""
        params: dict[str, Any] = {"search": search, "itemType": "file", "perPage": per_page, "page": 1}
        if share_types:
            params["shareType[]"] = share_types
        return _sharees(await self._send("GET", "/sharees", params=params))

    async def recommended(self, *, share_types: list[int] | None = None) -> list[Sharee]:
        """Who the caller shared with before, most likely next."""
        params: dict[str, Any] = {"itemType": "file"}
        if share_types:
            params["shareType[]"] = share_types
        return _sharees(await self._send("GET", "/sharees_recommended", params=params))
