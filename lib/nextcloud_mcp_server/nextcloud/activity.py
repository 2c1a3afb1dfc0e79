"""The Activity app's stream (`/ocs/v2.php/apps/activity/api/v2/activity[/{filter}]`), typed.

Why a cursor of ids and not pages: the stream is paged by the id of the last activity seen
(`since`), newest first by default; each answer names the id to continue from
(`X-Activity-Last-Given`) and says with a `Link: ...; rel="next"` header whether there is more.
Nothing beyond the cursor is an answer of 304 (no body), as is an answer equal to the caller's
ETag; a user who chose to see no activity types gets 204. A `since` that belongs to someone else
is refused with 403; an unknown filter is 404 (activity docs/endpoint-v2.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nextcloud_mcp_server.nextcloud.errors import BadResponse, InvalidInput, not_found
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/apps/activity/api/v2/activity"
MAX_LIMIT = 200
"""The app serves at most this many activities per request (Data::get)."""
Sort = Literal["desc", "asc"]


class Activity(BaseModel):
    """One entry of the stream (fields the app marks optional may be missing or null)."""

    model_config = ConfigDict(extra="ignore")

    activity_id: int
    app: str = ""
    type: str = ""
    user: str | None = None
    """Who caused it (empty for a public-link or remote action)."""
    subject: str = ""
    message: str | None = None
    link: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    object_name: str | None = None
    datetime: str = ""
    """ISO 8601, e.g. 2015-11-20T12:49:31+00:00."""

    @field_validator("user", "message", "link", "object_type", "object_id", "object_name", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return value or None


class ActivityFilter(BaseModel):
    """One stream filter the user's Nextcloud offers (`all`, `self`, `by`, `files`, ...)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    name: str = ""
    priority: int = Field(default=0)


@dataclass(frozen=True)
class ActivityPage:
    """One answer of the stream: its activities and where to continue."""

    activities: list[Activity]
    last_given: int | None
    """The id to pass as `since` for the next page (the caller's own `since` when nothing came)."""
    has_more: bool
    """Nextcloud sent a `Link: rel="next"`: more activities lie beyond `last_given`."""
    first_known: int | None = None
    """Sent when `since` was not given or not known: the first activity in this sort order."""


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name, "").strip()
    return int(value) if value.isdigit() else None


class ActivityAPI:
    """The Activity app of one Nextcloud user."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def stream(
        self,
        *,
        filter: str = "all",
        since_id: int | None = None,
        limit: int = 50,
        sort: Sort = "desc",
        object_type: str | None = None,
        object_id: int | None = None,
    ) -> ActivityPage:
        """One page of the stream after `since_id` in `sort` order (desc: older ones; asc: newer ones).

        `object_type` with `object_id` narrows the stream to one object (a file: "files" and its id);
        Nextcloud honours it only under the filter named `filter`, which this then uses."""
        params: dict[str, Any] = {"limit": max(1, min(limit, MAX_LIMIT)), "sort": sort}
        if since_id:
            params["since"] = since_id
        if object_type and object_id:
            filter = "filter"
            params.update(object_type=object_type, object_id=object_id)
        response = await self._client.request(
            "GET", f"{BASE}/{filter}", headers=OCS_HEADERS, params=params, ok=(204, 304, 403, 404)
        )
        status = response.status_code
        if status == 404:
            raise not_found(f"activity filter '{filter}'")
        if status == 403:  # the only 403 for a signed-in user: `since` is someone else's activity
            raise InvalidInput("since_id", "is not an activity of yours; pass an id from an earlier result or omit it")
        first_known = _int_header(response, "X-Activity-First-Known")
        if status in (204, 304):  # no activity types chosen / nothing beyond `since`
            return ActivityPage([], since_id, False, first_known)
        data = unwrap(response)
        if not isinstance(data, list):
            raise BadResponse("the activity stream is not a list")
        try:
            activities = [Activity.model_validate(item) for item in data]
        except ValidationError:
            raise BadResponse("the activity stream holds an entry that is not an activity") from None
        last_given = _int_header(response, "X-Activity-Last-Given")
        if last_given is None and activities:
            last_given = activities[-1].activity_id
        has_more = 'rel="next"' in response.headers.get("Link", "")
        return ActivityPage(activities, last_given, has_more, first_known)

    async def filters(self) -> list[ActivityFilter]:
        """The stream filters this Nextcloud offers, in the app's order (by priority)."""
        response = await self._client.request("GET", f"{BASE}/filters", headers=OCS_HEADERS)
        data = unwrap(response)
        if not isinstance(data, list):
            raise BadResponse("the activity filters are not a list")
        try:
            return [ActivityFilter.model_validate(item) for item in data]
        except ValidationError:
            raise BadResponse("the activity filters are not in the documented shape") from None
