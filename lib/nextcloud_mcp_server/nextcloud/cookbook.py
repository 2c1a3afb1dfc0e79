"""The Cookbook app's API v1 (`/index.php/apps/cookbook/api/v1`): recipes, categories, keywords,
import from a web page, the search index and the user's settings.

Why some calls do more than one request:
- Cookbook updates the recipe whose id is in the JSON body (the id in the URL is not used) and
  replaces the whole recipe with the body, so `update` reads the recipe, applies the changes and
  sends it back with its id.
- Cookbook answers the deletion of an unknown id with success (and would delete any other node
  of that id in the recipes folder), so `delete` reads the recipe first: an unknown id is a 404.
- Renaming an unknown category is answered with success too: `rename_category` checks it exists.
- Path segments (search terms, categories, keywords) are decoded twice by Cookbook (the router,
  then `urldecode`, which also turns `+` into a space), so they are encoded twice here.

Errors come as a JSON string (`"Field \\"url\\" is required"`) or as `{"msg": ...}`; that text is
passed on as Nextcloud's own words. A duplicate name (409), a missing name (422) and a page that
cannot be imported (400) are `Refused`: Cookbook names the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nextcloud_mcp_server.nextcloud.errors import (
    BadResponse,
    FileTooLarge,
    NextcloudError,
    Refused,
    error_for,
    not_found,
)

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/index.php/apps/cookbook/api/v1"
HEADERS = {"Accept": "application/json"}
UNCATEGORIZED = "_"
"""The category path segment Cookbook reads as "recipes without a category"."""
REFUSED = (400, 409, 422)
IMAGE_SIZES = ("full", "thumb", "thumb16")
"""Cookbook's image sizes: as stored, 250 px and 16 px thumbnails."""


class RecipeStub(BaseModel):
    """A recipe as Cookbook lists it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: int = Field(alias="recipe_id")
    name: str
    keywords: str | None = ""
    category: str | None = None
    date_created: str | None = Field(default=None, alias="dateCreated")
    date_modified: str | None = Field(default=None, alias="dateModified")


class Recipe(BaseModel):
    """A recipe (schema.org Recipe) as Cookbook stores it; `data` is the whole JSON, for updates."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: int
    name: str
    description: str | None = ""
    url: str | None = ""
    image: str | None = ""
    category: Any = Field(default="", alias="recipeCategory")
    keywords: Any = ""
    recipe_yield: Any = Field(default=None, alias="recipeYield")
    prep_time: str | None = Field(default=None, alias="prepTime")
    cook_time: str | None = Field(default=None, alias="cookTime")
    total_time: str | None = Field(default=None, alias="totalTime")
    ingredients: list[Any] = Field(default_factory=list, alias="recipeIngredient")
    instructions: list[Any] = Field(default_factory=list, alias="recipeInstructions")
    tools: list[Any] = Field(default_factory=list, alias="tool")
    nutrition: Any = None
    date_created: str | None = Field(default=None, alias="dateCreated")
    date_modified: str | None = Field(default=None, alias="dateModified")
    data: dict[str, Any] = Field(default_factory=dict, exclude=True)


class Counted(BaseModel):
    """A category or keyword with the number of recipes that have it (`*`: recipes without a category)."""

    model_config = ConfigDict(extra="ignore")

    name: str
    recipe_count: int


class CookbookConfig(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    folder: str = ""
    update_interval: int | None = None
    print_image: bool | None = None
    visible_info_blocks: dict[str, bool] = Field(default_factory=dict, alias="visibleInfoBlocks")


class CookbookVersion(BaseModel):
    """`/api/version`: the app's release (`[0, 11, 6, ""]`) and its API version."""

    model_config = ConfigDict(extra="ignore")

    cookbook_version: list[Any] = Field(default_factory=list)
    api_version: dict[str, int] = Field(default_factory=dict)

    @property
    def app(self) -> str:
        numbers = ".".join(str(part) for part in self.cookbook_version[:3])
        return numbers + "".join(str(part) for part in self.cookbook_version[3:])

    @property
    def api(self) -> str:
        return ".".join(str(self.api_version.get(key, 0)) for key in ("epoch", "major", "minor"))


def segment(value: str) -> str:
    """A path segment Cookbook decodes twice (router, then PHP's `urldecode`): encoded twice."""
    return quote(quote(value, safe=""), safe="")


def keywords_of(value: Any) -> list[str]:
    """Cookbook's comma-separated keywords (a list on some imports) as a list."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _said(response: httpx.Response) -> str:
    """Cookbook's own words in an error answer: a JSON string, or the `msg` of an object."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, str):
        return body
    if isinstance(body, dict):
        for key in ("msg", "message"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return ""


def _failure(response: httpx.Response, subject: str | None = None) -> NextcloudError:
    detail = _said(response)
    if response.status_code in REFUSED:
        error: NextcloudError = Refused(detail, status=response.status_code)
        error.subject = subject
        return error
    return error_for(response.status_code, detail, subject=subject)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise BadResponse(f"Cookbook answered HTTP {response.status_code} without JSON") from None


def _stubs(response: httpx.Response) -> list[RecipeStub]:
    data = _json(response)
    if not isinstance(data, list):
        raise BadResponse("Cookbook's recipe list is not a list")
    try:
        return [RecipeStub.model_validate(item) for item in data]
    except ValidationError:
        raise BadResponse("a recipe in Cookbook's list is not in the documented shape") from None


def _recipe(data: Any) -> Recipe:
    if not isinstance(data, dict):
        raise BadResponse("Cookbook's recipe is not an object")
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError:
        raise BadResponse("Cookbook's recipe is not in the documented shape") from None
    recipe.data = dict(data)
    return recipe


def _counted(response: httpx.Response) -> list[Counted]:
    data = _json(response)
    items = list(data.values()) if isinstance(data, dict) else data  # PHP may send a filtered array as an object
    if not isinstance(items, list):
        raise BadResponse("Cookbook's list is not a list")
    try:
        return [Counted.model_validate(item) for item in items]
    except ValidationError:
        raise BadResponse("a category or keyword is not in the documented shape") from None


class CookbookAPI:
    """The caller's recipes in the Cookbook app."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _send(self, method: str, path: str, *, subject: str | None = None, **kwargs: Any) -> httpx.Response:
        response = await self._client.request(method, BASE + path, headers=HEADERS, ok=tuple(range(400, 600)), **kwargs)
        if not response.is_success:
            raise _failure(response, subject)
        return response

    async def recipes(self) -> list[RecipeStub]:
        """Every recipe in the search index, by name."""
        return _stubs(await self._send("GET", "/recipes"))

    async def search(self, query: str) -> list[RecipeStub]:
        """Recipes whose name, keywords or category contain any of the words (case-insensitive)."""
        return _stubs(await self._send("GET", f"/search/{segment(query)}"))

    async def in_category(self, category: str) -> list[RecipeStub]:
        """Recipes of a category; `UNCATEGORIZED` for those without one."""
        return _stubs(await self._send("GET", f"/category/{segment(category)}", subject=f"category '{category}'"))

    async def with_keywords(self, keywords: list[str]) -> list[RecipeStub]:
        """Recipes that have all of the keywords."""
        return _stubs(await self._send("GET", f"/tags/{segment(','.join(keywords))}"))

    async def get(self, recipe_id: int) -> Recipe:
        response = await self._client.request("GET", f"{BASE}/recipes/{int(recipe_id)}", headers=HEADERS, ok=(404,))
        if response.status_code == 404:
            raise not_found(f"recipe {recipe_id}")
        return _recipe(_json(response))

    async def create(self, recipe: dict[str, Any]) -> int:
        """Save a new recipe (a folder named after it, with its recipe.json); its id."""
        response = await self._send("POST", "/recipes", json=recipe, subject=f"recipe '{recipe.get('name')}'")
        return _id(_json(response))

    async def update(self, recipe_id: int, changes: dict[str, Any]) -> int:
        """Apply `changes` (schema.org keys) to the recipe and save it whole; its id."""
        current = await self.get(recipe_id)
        body = {**current.data, **changes, "id": str(recipe_id)}
        response = await self._send("PUT", f"/recipes/{int(recipe_id)}", json=body, subject=f"recipe {recipe_id}")
        return _id(_json(response))

    async def image_source(self, path: str) -> str | None:
        """What is at `path` in the user's files ("file", "folder", or None): Cookbook reads a
        recipe's image from there and skips, without a word, one it cannot find."""
        from nextcloud_mcp_server.nextcloud.errors import NotFound

        try:
            info = await self._client.webdav.stat(path)
        except NotFound:
            return None
        return "folder" if info.is_dir else "file"

    async def delete(self, recipe_id: int) -> Recipe:
        """Delete a recipe (its folder); what it was."""
        recipe = await self.get(recipe_id)
        await self._send("DELETE", f"/recipes/{int(recipe_id)}", subject=f"recipe {recipe_id}")
        return recipe

    async def image(self, recipe_id: int, size: str, max_bytes: int) -> tuple[bytes, str]:
        """The recipe's image (bytes, MIME type), no larger than `max_bytes`.

        Only JPEG is accepted: Cookbook answers 406 for a recipe without an image (it would send
        its SVG placeholder to a client that accepts SVG)."""
        subject = f"the image of recipe {recipe_id}"
        url = f"{BASE}/recipes/{int(recipe_id)}/image?size={size}"
        chunks: list[bytes] = []
        async with self._client.stream("GET", url, headers={"Accept": "image/jpeg"}, ok=(404, 406)) as response:
            if response.status_code in (404, 406):
                await response.aread()
                raise not_found(subject, _said(response))
            mime = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            got = 0
            async for chunk in response.aiter_bytes(64 * 1024):
                got += len(chunk)
                if got > max_bytes:
                    raise FileTooLarge(subject, got, max_bytes)
                chunks.append(chunk)
        if not mime.startswith("image/"):
            raise BadResponse(f"{subject} is {mime or 'untyped'}, not an image")
        return b"".join(chunks), mime

    async def import_url(self, url: str) -> Recipe:
        """Let Cookbook fetch a web page and save the schema.org Recipe it describes."""
        return _recipe(_json(await self._send("POST", "/import", json={"url": url}, subject=url)))

    async def categories(self) -> list[Counted]:
        return _counted(await self._send("GET", "/categories"))

    async def keywords(self) -> list[Counted]:
        return _counted(await self._send("GET", "/keywords"))

    async def rename_category(self, category: str, new_name: str) -> str:
        """Rename a category in each of its recipes; the new name. An unknown category is not found
        (Cookbook itself answers success and changes nothing)."""
        if category not in {c.name for c in await self.categories() if c.name != "*"}:
            raise not_found(f"category '{category}'")
        response = await self._send(
            "PUT", f"/category/{segment(category)}", json={"name": new_name}, subject=f"category '{category}'"
        )
        return str(_json(response))

    async def config(self) -> CookbookConfig:
        try:
            return CookbookConfig.model_validate(_json(await self._send("GET", "/config")))
        except ValidationError:
            raise BadResponse("Cookbook's settings are not in the documented shape") from None

    async def set_config(self, changes: dict[str, Any]) -> None:
        """Change only the settings given (`folder`, `update_interval`, `print_image`)."""
        await self._send("POST", "/config", json=changes)

    async def version(self) -> CookbookVersion:
        """The app's release and API version (outside the v1 API: `/api/version`)."""
        response = await self._client.request("GET", "/index.php/apps/cookbook/api/version", headers=HEADERS)
        try:
            return CookbookVersion.model_validate(_json(response))
        except ValidationError:
            raise BadResponse("Cookbook's version is not in the documented shape") from None

    async def reindex(self) -> str:
        """Rebuild the search index from the recipe files; Cookbook's message."""
        return str(_json(await self._send("POST", "/reindex")))


def _id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise BadResponse("Cookbook did not answer with the recipe's id")
    return int(value)
