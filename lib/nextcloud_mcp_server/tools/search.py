"""Nextcloud's unified search: the user's providers, one provider page by page, and all of them at once.

Nextcloud searches one provider per request; `nc_search_unified` asks every provider (or those
named) concurrently over the caller's one HTTP client and stops waiting at `timeout_seconds`:
what arrived is merged (each result names its provider), and the providers that timed out or
failed are named in the answer, never left out silently. Paging is the provider's own: a
provider that pages hands back a cursor, which `nc_search_in_provider` takes for the next page.
Unified search is part of Nextcloud's core, so the toolset needs no app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Toolset
from nextcloud_mcp_server.tools._base import READ, failure_message, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.unified_search import SearchEntry

TOOLSET = Toolset(
    "search",
    "Unified search",
    "Nextcloud's unified search across the user's apps (files, notes, talk, mail, ...), merged or per app.",
    default=False,
)

Query = Annotated[str, Field(description="Words to search for.")]
Cursor = int | str


class SearchHit(BaseModel):
    provider: str = Field(description="The provider that found it.")
    title: str = Field(description="What was found.")
    subline: str = Field(description="Where or what more (a folder, an excerpt).")
    url: str = Field(description="Where Nextcloud shows it.")
    attributes: dict[str, str] = Field(description="Provider details, e.g. fileId and path for files.")

    @classmethod
    def of(cls, provider: str, entry: SearchEntry) -> SearchHit:
        return cls(
            provider=provider,
            title=entry.title,
            subline=entry.subline,
            url=entry.resource_url,
            attributes=entry.attributes,
        )


class ProviderItem(BaseModel):
    id: str = Field(description="Pass in providers or as provider.")
    name: str = Field(description="The provider's name in Nextcloud.")
    app_id: str = Field(description="The app it belongs to.")


class ProviderList(BaseModel):
    providers: list[ProviderItem] = Field(description="In Nextcloud's order.")


class ProviderPage(BaseModel):
    provider: str = Field(description="The provider searched.")
    name: str = Field(description="Its name in Nextcloud.")
    results: list[SearchHit] = Field(description="This page, in the provider's order.")
    next_cursor: Cursor | None = Field(description="Pass as cursor for the next page; null when there is no more.")


class ProviderAnswered(BaseModel):
    provider: str = Field(description="The provider's id.")
    name: str = Field(description="Its name in Nextcloud.")
    count: int = Field(description="Results it gave.")
    next_cursor: Cursor | None = Field(description="For nc_search_in_provider's next page; null when no more.")


class ProviderFailed(BaseModel):
    provider: str = Field(description="The provider's id.")
    error: str = Field(description="What went wrong.")


class UnifiedResult(BaseModel):
    query: str = Field(description="What was searched for.")
    results: list[SearchHit] = Field(description="All providers' results, provider by provider in Nextcloud's order.")
    answered: list[ProviderAnswered] = Field(description="Providers that answered in time.")
    timed_out: list[str] = Field(description="Providers that had not answered within timeout_seconds.")
    failed: list[ProviderFailed] = Field(description="Providers that answered with an error.")


def _query(query: str) -> str:
    if not query.strip():
        raise invalid("query", "give a word or phrase to search for")
    return query.strip()


@tool(TOOLSET, READ, title="List search providers")
async def nc_search_list_providers(nc: Nextcloud) -> ProviderList:
    """The unified search providers of your Nextcloud (one per app that can be searched)."""
    from nextcloud_mcp_server.nextcloud.unified_search import UnifiedSearchAPI

    found = await nc.api(UnifiedSearchAPI).providers()
    return ProviderList(providers=[ProviderItem(id=p.id, name=p.name, app_id=p.app_id) for p in found])


@tool(TOOLSET, READ, title="Search one provider")
async def nc_search_in_provider(
    nc: Nextcloud,
    provider: Annotated[str, Field(description="A provider id, e.g. files.")],
    query: Query,
    limit: Annotated[int, Field(ge=1, le=25)] = 10,
    cursor: Annotated[Cursor | None, Field(description="next_cursor of the previous page.")] = None,
) -> ProviderPage:
    """Search one provider (see nc_search_list_providers), a page at a time with its cursor."""
    from nextcloud_mcp_server.nextcloud.unified_search import UnifiedSearchAPI

    if not provider.strip() or "/" in provider:
        raise invalid("provider", "give a provider id from nc_search_list_providers, e.g. 'files'")
    page = await nc.api(UnifiedSearchAPI).search(provider.strip(), _query(query), limit=limit, cursor=cursor)
    return ProviderPage(
        provider=page.provider,
        name=page.name,
        results=[SearchHit.of(page.provider, e) for e in page.entries],
        next_cursor=page.next_cursor,
    )


@tool(TOOLSET, READ, title="Unified search")
async def nc_search_unified(
    nc: Nextcloud,
    query: Query,
    providers: Annotated[list[str] | None, Field(description="Provider ids; default all.")] = None,
    limit: Annotated[int, Field(ge=1, le=25, description="Per provider.")] = 5,
    timeout_seconds: Annotated[float, Field(ge=0.5, le=10)] = 3.0,
) -> UnifiedResult:
    """Search all your apps at once; slow or failing providers are named, not waited for."""
    from nextcloud_mcp_server.nextcloud.unified_search import UnifiedSearchAPI

    term = _query(query)
    if providers is not None and not providers:
        raise invalid("providers", "name at least one provider id, or leave it out to search all")
    outcomes = await nc.api(UnifiedSearchAPI).search_many(term, providers, limit=limit, budget=timeout_seconds)
    results: list[SearchHit] = []
    answered: list[ProviderAnswered] = []
    failed: list[ProviderFailed] = []
    timed_out: list[str] = []
    for outcome in outcomes:
        pid = outcome.provider.id
        if outcome.page is not None:
            results += [SearchHit.of(pid, e) for e in outcome.page.entries]
            page = outcome.page
            answered.append(
                ProviderAnswered(provider=pid, name=page.name, count=len(page.entries), next_cursor=page.next_cursor)
            )
        elif outcome.error is not None:
            failed.append(ProviderFailed(provider=pid, error=failure_message(outcome.error, f"Searching {pid}")))
        else:
            timed_out.append(pid)
    return UnifiedResult(query=term, results=results, answered=answered, timed_out=timed_out, failed=failed)
