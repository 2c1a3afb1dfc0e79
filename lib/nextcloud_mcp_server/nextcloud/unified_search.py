"""Nextcloud's unified search (`/ocs/v2.php/search/providers[/{id}/search]`), and a fan-out over it.

Why a fan-out here: Nextcloud searches one provider per request (PHP cannot wait on several at
once, so its own web client asks every provider concurrently). `search_many` does the same over
the caller's one HTTP client (its connection pool): every provider at once, and no longer than
the time budget. A provider that has not answered by then is reported as timed out, one that
failed with its error; neither is dropped, and neither holds back the others' results.

Shapes are core.openapi.json's UnifiedSearch*; where Nextcloud differs from it, what it sends
wins: an entry's `attributes` is an object (files: `fileId`, `path`), `[]` when empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nextcloud_mcp_server.nextcloud.errors import (
    BadResponse,
    InvalidInput,
    NextcloudError,
    ServerError,
    Unreachable,
    not_found,
)
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/search/providers"
MAX_LIMIT = 25
"""Nextcloud 31 serves at most 25 entries per request (UnifiedSearchController::search)."""
Cursor = int | str


class SearchProvider(BaseModel):
    """One search provider of the user's Nextcloud (an app's: files, notes, talk, mail, ...)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    name: str = ""
    app_id: str = Field(default="", alias="appId")
    order: int = 0


class SearchEntry(BaseModel):
    """One result of a provider."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    title: str = ""
    subline: str = ""
    resource_url: str = Field(default="", alias="resourceUrl")
    attributes: dict[str, str] = Field(default_factory=dict)

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes(cls, value: Any) -> Any:
        if isinstance(value, list):  # PHP's empty array, or a plain list of values
            return {str(index): str(item) for index, item in enumerate(value)}
        if isinstance(value, dict):
            return {str(key): str(item) for key, item in value.items()}
        return {}


@dataclass(frozen=True)
class SearchPage:
    """One provider's answer: its entries and the cursor of the next page (None: no more)."""

    provider: str
    name: str
    entries: list[SearchEntry]
    next_cursor: Cursor | None


@dataclass(frozen=True)
class ProviderOutcome:
    """What one provider of a fan-out gave: a page, an error, or nothing in time."""

    provider: SearchProvider
    page: SearchPage | None = None
    error: NextcloudError | None = None

    @property
    def timed_out(self) -> bool:
        return self.page is None and self.error is None


class UnifiedSearchAPI:
    """The unified search of one Nextcloud user."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def providers(self) -> list[SearchProvider]:
        """The user's providers in Nextcloud's order."""
        response = await self._client.request("GET", BASE, headers=OCS_HEADERS)
        data = unwrap(response)
        if not isinstance(data, list):
            raise BadResponse("the search providers are not a list")
        try:
            return [SearchProvider.model_validate(item) for item in data]
        except ValidationError:
            raise BadResponse("the search providers are not in the documented shape") from None

    async def search(self, provider: str, term: str, *, limit: int = 10, cursor: Cursor | None = None) -> SearchPage:
        """One page of `provider`'s results for `term`, from `cursor` (the previous page's `next_cursor`).

        A page has a next cursor when the provider pages (`isPaginated`) and this page is full.
        Nextcloud answers an unknown provider with a 500; that is told apart by listing the providers.
        """
        limit = max(1, min(limit, MAX_LIMIT))
        params: dict[str, Any] = {"term": term, "limit": limit}
        if cursor is not None and cursor != "":
            params["cursor"] = cursor
        try:
            response = await self._client.request(
                "GET", f"{BASE}/{provider}/search", headers=OCS_HEADERS, params=params
            )
        except ServerError:
            if provider not in {p.id for p in await self.providers()}:
                raise not_found(f"search provider '{provider}'") from None
            raise
        data = unwrap(response)
        if not isinstance(data, dict):
            raise BadResponse(f"the search provider {provider} answered without a result object")
        try:
            entries = [SearchEntry.model_validate(item) for item in data.get("entries") or []]
        except ValidationError:
            raise BadResponse(f"the search provider {provider} answered entries not in the documented shape") from None
        next_cursor = data.get("cursor")
        more = bool(data.get("isPaginated")) and next_cursor not in (None, "") and len(entries) >= limit
        return SearchPage(provider, str(data.get("name") or provider), entries, next_cursor if more else None)

    async def search_many(
        self, term: str, providers: list[str] | None, *, limit: int, budget: float
    ) -> list[ProviderOutcome]:
        """Search `providers` (None: all the user's) concurrently, for at most `budget` seconds in all.

        The outcomes come in Nextcloud's provider order. Listing the providers counts against the
        budget; a provider still searching when it runs out is cancelled and reported as timed out.
        """
        import anyio

        deadline = anyio.current_time() + budget
        with anyio.CancelScope(deadline=deadline) as listing:
            known = await self.providers()
        if listing.cancelled_caught:
            raise Unreachable(f"Nextcloud did not list its search providers within {budget:g} s")
        if providers is not None:
            unknown = [name for name in providers if name not in {p.id for p in known}]
            if unknown:
                ids = ", ".join(p.id for p in known) or "none"
                raise InvalidInput("providers", f"{', '.join(unknown)} unknown; this Nextcloud has: {ids}")
        chosen = [p for p in known if providers is None or p.id in providers]
        outcomes = {p.id: ProviderOutcome(p) for p in chosen}

        async def one(provider: SearchProvider) -> None:
            try:
                page = await self.search(provider.id, term, limit=limit)
            except NextcloudError as exc:
                outcomes[provider.id] = ProviderOutcome(provider, error=exc)
            else:
                outcomes[provider.id] = ProviderOutcome(provider, page=page)

        with anyio.CancelScope(deadline=deadline):
            async with anyio.create_task_group() as tasks:
                for provider in chosen:
                    tasks.start_soon(one, provider)
        return [outcomes[p.id] for p in chosen]
