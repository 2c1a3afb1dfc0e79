"""CookbookAPI against a scripted transport: path segments encoded twice (Cookbook decodes twice),
an update that sends the whole recipe with its id in the body, a delete that reads first (Cookbook
answers success for an unknown id), and Cookbook's error bodies passed on as its own words."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI, segment
from nextcloud_mcp_server.nextcloud.errors import NotFound, Refused, ServerError

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
API = "/index.php/apps/cookbook/api/v1"
STORED = {"id": "7", "name": "Soup", "recipeIngredient": ["water"], "keywords": "warm", "image": "", "tool": []}


def api(handler: Callable[[httpx.Request], httpx.Response]) -> CookbookAPI:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("u", "p"), transport=httpx.MockTransport(handler))
    return CookbookAPI(NextcloudClient(http, "u", BASE))


def test_a_segment_survives_the_router_and_urldecode() -> None:
    from urllib.parse import unquote, unquote_plus

    for value in ("a+b", "50% off", "Soups & Stews/Hot", "é"):
        assert unquote_plus(unquote(segment(value))) == value


async def test_search_and_keywords_send_segments_encoded_twice() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, json=[{"recipe_id": 7, "id": "7", "name": "Soup", "keywords": "a+b,c"}])

    cookbook = api(handler)
    found = await cookbook.search("a+b soup")
    await cookbook.with_keywords(["a+b", "c d"])
    await cookbook.in_category("_")
    assert [stub.id for stub in found] == [7]
    assert seen == [
        f"{API}/search/a%252Bb%2520soup",
        f"{API}/tags/a%252Bb%252Cc%2520d",
        f"{API}/category/_",
    ]


async def test_update_sends_the_whole_recipe_with_its_id_in_the_body() -> None:
    sent: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=STORED)
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=7)

    assert await api(handler).update(7, {"name": "Broth", "keywords": ""}) == 7
    assert sent == [{**STORED, "name": "Broth", "keywords": "", "id": "7"}]


async def test_delete_reads_first_so_an_unknown_id_is_not_found() -> None:
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        return httpx.Response(404, json=9)

    with pytest.raises(NotFound) as caught:
        await api(handler).delete(9)
    assert caught.value.subject == "recipe 9"
    assert methods == ["GET"]  # Cookbook would have answered the DELETE with success


async def test_cookbook_error_bodies_are_its_own_words() -> None:
    def conflict(request: httpx.Request) -> httpx.Response:
        return httpx.Response(409, json={"msg": "Another recipe with that name already exists", "file": "x", "line": 1})

    with pytest.raises(Refused) as taken:
        await api(conflict).create({"name": "Soup"})
    assert (taken.value.status, taken.value.detail, taken.value.subject) == (
        409,
        "Another recipe with that name already exists",
        "recipe 'Soup'",
    )

    def no_recipe(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json="No parser found for the given import.")

    with pytest.raises(Refused) as unparsable:
        await api(no_recipe).import_url("https://example.org/r")
    assert unparsable.value.detail == "No parser found for the given import."

    def failing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json="SQLException: Something went wrong.")

    with pytest.raises(ServerError) as broken:
        await api(failing).search("x")
    assert broken.value.detail == "SQLException: Something went wrong."


async def test_categories_sent_as_an_object_are_read_as_a_list() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"0": {"name": "Dinner", "recipe_count": 2}, "2": {"name": "*", "recipe_count": 1}}
        )

    assert [(c.name, c.recipe_count) for c in await api(handler).categories()] == [("Dinner", 2), ("*", 1)]


async def test_the_version_is_read_outside_the_v1_api_and_written_as_dotted_numbers() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        body = {"cookbook_version": [0, 11, 10, "-alpha1"], "api_version": {"epoch": 0, "major": 1, "minor": 3}}
        return httpx.Response(200, json=body)

    version = await api(handler).version()
    assert (version.app, version.api) == ("0.11.10-alpha1", "0.1.3")
    assert paths == ["/index.php/apps/cookbook/api/version"]
