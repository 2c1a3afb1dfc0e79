"""OCS emulation: capabilities and the current user, with Nextcloud's v1 and v2 envelopes.

v2: the HTTP status carries the result, `meta.statuscode` equals it (200 on success).
v1: HTTP 200 for everything but 401, `meta.statuscode` 100 on success (997 not logged
in, 998 not found, ...), and `totalitems`/`itemsperpage` present as strings.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from tests.standin.core import NEXTCLOUD_VERSION_STRING, Receive, Scope, Send, User, header, merged, send_json

if TYPE_CHECKING:
    from tests.standin.core import StandIn

_V1_CODES = {401: 997, 404: 998, 403: 997, 400: 400, 500: 996}


def envelope(version: int, status: int, data: Any, message: str = "") -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) of an OCS answer for the given API version."""
    ok = 200 <= status < 300
    if version == 1:
        meta = {
            "status": "ok" if ok else "failure",
            "statuscode": 100 if ok else _V1_CODES.get(status, status),
            "message": message or ("OK" if ok else ""),
            "totalitems": "",
            "itemsperpage": "",
        }
        http_status = 401 if status == 401 else 200
    else:
        meta = {"status": "ok" if ok else "failure", "statuscode": status, "message": message or ("OK" if ok else "")}
        http_status = status
    return http_status, {"ocs": {"meta": meta, "data": data if ok else []}}


def api_version(scope: Scope) -> int:
    return 1 if scope["path"].startswith("/ocs/v1.php") else 2


async def ocs_reply(scope: Scope, send: Send, status: int, data: Any, message: str = "") -> None:
    http_status, body = envelope(api_version(scope), status, data, message)
    await send_json(send, http_status, body)


async def ocs_error(scope: Scope, send: Send, status: int, message: str) -> None:
    await ocs_reply(scope, send, status, None, message)


def capabilities(apps: dict[str, Any] | None = None) -> dict[str, Any]:
    """The capabilities document: the server's own, plus what the user's apps contribute (`apps`)."""
    major, minor, micro = (int(x) for x in NEXTCLOUD_VERSION_STRING.split("."))
    document: dict[str, Any] = {
        "version": {
            "major": major,
            "minor": minor,
            "micro": micro,
            "string": NEXTCLOUD_VERSION_STRING,
            "edition": "",
            "extendedSupport": False,
        },
        "capabilities": {
            "core": {
                "pollinterval": 60,
                "webdav-root": "remote.php/webdav",
                "reference-api": True,
                "reference-regex": "",
                "mod-rewrite-working": False,
            },
            "dav": {"chunking": "1.0", "bulkupload": "1.0", "search_supports_creation_time": True},
            # files/lib/Capabilities.php + DirectEditingCapabilities (Nextcloud 31); `undelete` and
            # `versioning` come from the emulated files_trashbin and files_versions (apps/), per user.
            "files": {
                "$comment": '"blacklisted_files" is deprecated as of Nextcloud 30, use "forbidden_filenames" instead',
                "bigfilechunking": True,
                "blacklisted_files": [".htaccess"],
                "forbidden_filenames": [".htaccess"],
                "forbidden_filename_basenames": [],
                "forbidden_filename_characters": ["\\", "/"],
                "forbidden_filename_extensions": [".filepart"],
                "chunked_upload": {"max_size": 100 * 1024 * 1024, "max_parallel_count": 5},
                "file_conversions": [],
                "directEditing": {
                    "url": "/ocs/v2.php/apps/files/api/v1/directEditing",
                    "etag": "c748e8fc588b54fc5af38c4481a19d20",
                    "supportsFileId": True,
                },
            },
        },
    }
    document["capabilities"] = merged(document["capabilities"], apps or {})
    return document


def user_details(standin: StandIn, user: User) -> dict[str, Any]:
    used = standin.used_bytes(user)
    if user.quota is None:
        quota: dict[str, Any] = {
            "free": 10_000_000_000,
            "used": used,
            "total": 10_000_000_000 + used,
            "relative": 0.0,
            "quota": -3,
        }
    else:
        total = user.quota
        quota = {
            "free": max(0, total - used),
            "used": used,
            "total": total,
            "relative": round(100.0 * used / total, 2) if total else 0.0,
            "quota": total,
        }
    details = {
        "enabled": True,
        "storageLocation": str(standin.files_root(user)),
        "id": user.id,
        "lastLogin": 0,
        "backend": "Database",
        "subadmin": [],
        "quota": quota,
        "manager": "",
        "email": user.email,
        "additional_mail": [],
        "displayname": user.display_name,
        "display-name": user.display_name,
        "phone": "",
        "address": "",
        "website": "",
        "twitter": "",
        "fediverse": "",
        "organisation": "",
        "role": "",
        "headline": "",
        "biography": "",
        "profile_enabled": "1",
        "pronouns": "",
        "groups": [],
        "language": "en",
        "locale": "",
        "notify_email": None,
        "backendCapabilities": {"setDisplayName": True, "setPassword": True},
    }
    accounts = standin.services.get("provisioning_api")  # groups, group admin rights, profile, enabled
    if accounts is not None:
        details.update(accounts.account_fields(user))
    return details


class OcsService:
    """`/ocs/v1.php/...` and `/ocs/v2.php/...` for the core endpoints."""

    def __init__(self, standin: StandIn) -> None:
        self.standin = standin
        self.capabilities_requests: Counter[str] = Counter()
        """Capabilities requests per user (tests check that clients cache them)."""

    def provision(self, user: User) -> None:
        return None

    async def handle(self, scope: Scope, receive: Receive, send: Send, user: User) -> None:
        path = scope["path"]
        rest = path.split(".php/", 1)[1] if ".php/" in path else ""
        if header(scope, "ocs-apirequest") != "true":
            # Nextcloud refuses OCS calls without this CSRF header for session-less clients.
            await ocs_error(scope, send, 401, "CSRF check failed")
            return
        if scope["method"] != "GET":
            await ocs_error(scope, send, 405, "Method not allowed")
            return
        if rest == "cloud/capabilities":
            self.capabilities_requests[user.id] += 1
            await ocs_reply(scope, send, 200, capabilities(self.standin.app_capabilities(user)))
        elif rest == "cloud/user":
            await ocs_reply(scope, send, 200, user_details(self.standin, user))
        else:
            await ocs_error(
                scope,
                send,
                404,
                "Invalid query, please check the syntax. API specifications are here: "
                "http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.",
            )
