"""MCP tools for the Cookbook app: recipes (list, search, read, create, update, delete, import from a
web page), categories, keywords, the search index and the user's Cookbook settings.

Names and arguments are the PyPI `nextcloud-mcp-server`'s (`nc_cookbook_*`); lists are paged.
Beyond it: reading the settings (`nc_cookbook_get_config`), renaming a category, and a recipe's
`image` (a URL Cookbook downloads, or a path in the user's files, checked here first because
Cookbook silently skips one it cannot find). Its resources
are here under `nc://cookbook/...`: a recipe (`nc://cookbook/recipes/{recipe_id}`, the same JSON as
`nc_cookbook_get_recipe`) and the app's version (`nc://cookbook/version`, from `/api/version`).

Why the toolset needs the `cookbook` capability: Cookbook shows itself there (`version`, from
Cookbook 0.11.5 on); where it is missing or disabled for the user the toolset is not offered.
"""

from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from mcp_types import CallToolResult, ImageContent, TextContent
from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, UPDATE, Limit, Offset, Paged, invalid
from nextcloud_mcp_server.tools.declare import Config, Nextcloud, resource, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.cookbook import Recipe, RecipeStub

TOOLSET = Toolset(
    "cookbook",
    "Cookbook",
    "Recipes in the Cookbook app: search, read, write, import from web pages, categories and keywords.",
    default=False,
    requires=Requirement("cookbook", "Cookbook"),
)

RECIPE_URI = "nc://cookbook/recipes/{recipe_id}"
VERSION_URI = "nc://cookbook/version"
RecipeId = Annotated[int, Field(ge=1)]
Duration = Annotated[str | None, Field(description="ISO 8601, e.g. PT30M.")]
Keywords = Annotated[str | None, Field(description="Comma-separated.")]
Image = Annotated[str | None, Field(description="http(s) URL, or a path in your files; '' removes it.")]
DURATION = re.compile(r"P(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?")


class RecipeSummary(BaseModel):
    id: int
    name: str
    category: str | None = Field(default=None, description="Null where the list does not say.")
    keywords: list[str]
    modified: str | None = None

    @classmethod
    def of(cls, stub: RecipeStub) -> Self:
        from nextcloud_mcp_server.nextcloud.cookbook import keywords_of

        return cls(
            id=stub.id,
            name=stub.name,
            category=stub.category,
            keywords=keywords_of(stub.keywords),
            modified=stub.date_modified,
        )


class RecipeResult(BaseModel):
    id: int
    name: str
    description: str
    category: str
    keywords: list[str]
    recipe_yield: int | None = Field(description="Servings.")
    prep_time: str | None
    cook_time: str | None
    total_time: str | None
    ingredients: list[str]
    instructions: list[str]
    tools: list[str]
    url: str = Field(description="Where it was found; '' if nowhere.")
    image: str
    nutrition: dict[str, Any]
    created: str | None
    modified: str | None

    @classmethod
    def of(cls, recipe: Recipe) -> Self:
        from nextcloud_mcp_server.nextcloud.cookbook import keywords_of

        nutrition = recipe.nutrition if isinstance(recipe.nutrition, dict) else {}
        servings = recipe.recipe_yield
        return cls(
            id=recipe.id,
            name=recipe.name,
            description=recipe.description or "",
            category=recipe.category if isinstance(recipe.category, str) else "",
            keywords=keywords_of(recipe.keywords),
            recipe_yield=servings if isinstance(servings, int) and not isinstance(servings, bool) else None,
            prep_time=recipe.prep_time,
            cook_time=recipe.cook_time,
            total_time=recipe.total_time,
            ingredients=[str(item) for item in recipe.ingredients],
            instructions=[_step(item) for item in recipe.instructions],
            tools=[str(item) for item in recipe.tools],
            url=recipe.url or "",
            image=recipe.image or "",
            nutrition={key: value for key, value in nutrition.items() if key != "@type"},
            created=recipe.date_created,
            modified=recipe.date_modified,
        )


def _step(item: Any) -> str:
    return str(item.get("text", "")) if isinstance(item, dict) else str(item)


class Saved(BaseModel):
    id: int = Field(description="The recipe's id (its folder's file id).")
    message: str


class Counted(BaseModel):
    name: str = Field(description="'*' counts the recipes without a category.")
    recipe_count: int


class CountedList(BaseModel):
    items: list[Counted]


class ConfigResult(BaseModel):
    folder: str = Field(description="The recipes folder in your files.")
    update_interval: int | None = Field(description="Minutes between automatic rescans.")
    print_image: bool | None


class Done(BaseModel):
    message: str


class ImageResult(BaseModel):
    """A recipe's image; the picture itself is in the content."""

    recipe_id: int
    size: str
    content_type: str
    bytes: int


def _fields(
    *,
    name: str | None,
    description: str | None,
    ingredients: list[str] | None,
    instructions: list[str] | None,
    url: str | None,
    prep_time: str | None,
    cook_time: str | None,
    total_time: str | None,
    recipe_yield: int | None,
    category: str | None,
    keywords: str | None,
) -> dict[str, Any]:
    """The schema.org keys Cookbook stores for the arguments given (validated)."""
    if name is not None and not name.strip():
        raise invalid("name", "must not be empty; give the recipe a name")
    for argument, value in (("prep_time", prep_time), ("cook_time", cook_time), ("total_time", total_time)):
        if value is not None and value.strip() and not DURATION.fullmatch(value.strip()):
            raise invalid(argument, f"{value!r} is not an ISO 8601 duration; write e.g. PT30M or PT1H15M")
    if url and not re.match(r"https?://", url.strip()):
        raise invalid("url", "must be an http(s) URL, or ''")
    pairs: dict[str, Any] = {
        "name": name.strip() if name is not None else None,
        "description": description,
        "recipeIngredient": [line.strip() for line in ingredients if line.strip()] if ingredients is not None else None,
        "recipeInstructions": [s.strip() for s in instructions if s.strip()] if instructions is not None else None,
        "url": url.strip() if url is not None else None,
        "prepTime": (prep_time.strip() or None) if prep_time is not None else None,
        "cookTime": (cook_time.strip() or None) if cook_time is not None else None,
        "totalTime": (total_time.strip() or None) if total_time is not None else None,
        "recipeYield": recipe_yield,
        "recipeCategory": category.strip() if category is not None else None,
        "keywords": ",".join(k.strip() for k in keywords.split(",") if k.strip()) if keywords is not None else None,
    }
    given = {"prep_time": prep_time, "cook_time": cook_time, "total_time": total_time}
    keys = {"prep_time": "prepTime", "cook_time": "cookTime", "total_time": "totalTime"}
    found = {key: value for key, value in pairs.items() if value is not None}
    found.update({keys[arg]: None for arg, value in given.items() if value is not None and not value.strip()})
    return found


async def _image(nc: Any, image: str | None) -> dict[str, str]:
    """`image` as Cookbook reads it: a URL it downloads, or a file of the user's (checked here:
    Cookbook skips a path it cannot find without saying so)."""
    if image is None:
        return {}
    value = image.strip()
    if not value or re.match(r"https?://\S+$", value):
        return {"image": value}
    if value.lower().startswith("http"):
        raise invalid("image", "give a whole http(s) URL, or the path of an image in your files")
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    path = "/" + value.strip("/")
    found = await nc.api(CookbookAPI).image_source(path)
    if found != "file":
        what = "is a folder" if found else "is not in your files"
        raise invalid("image", f"{path} {what}; give the path of an image file, or an http(s) URL")
    return {"image": path}


@tool(TOOLSET, READ, title="List recipes")
async def nc_cookbook_list_recipes(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[RecipeSummary]:
    """List your recipes by name (without their content)."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    recipes = await nc.api(CookbookAPI).recipes()
    return Paged[RecipeSummary].of([RecipeSummary.of(r) for r in recipes], offset, limit)


@tool(TOOLSET, READ, title="Search recipes")
async def nc_cookbook_search_recipes(
    nc: Nextcloud,
    query: Annotated[str, Field(description="Words; a recipe matches if its name, keywords or category has any.")],
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[RecipeSummary]:
    """Search your recipes by name, keyword and category."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    if not re.sub(r"[\s,]+", "", query):
        raise invalid("query", "must not be empty; give one or more words")
    recipes = await nc.api(CookbookAPI).search(query.strip())
    return Paged[RecipeSummary].of([RecipeSummary.of(r) for r in recipes], offset, limit)


@tool(TOOLSET, READ, title="Get recipe")
async def nc_cookbook_get_recipe(nc: Nextcloud, recipe_id: RecipeId) -> RecipeResult:
    """Read a recipe: ingredients, instructions, times, yield, category and keywords."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    return RecipeResult.of(await nc.api(CookbookAPI).get(recipe_id))


@tool(TOOLSET, CREATE, title="Create recipe")
async def nc_cookbook_create_recipe(
    nc: Nextcloud,
    name: Annotated[str, Field(description="Unique among your recipes.")],
    description: str | None = None,
    ingredients: list[str] | None = None,
    instructions: Annotated[list[str] | None, Field(description="Steps, in order.")] = None,
    url: Annotated[str | None, Field(description="Source web page.")] = None,
    prep_time: Duration = None,
    cook_time: Duration = None,
    total_time: Duration = None,
    recipe_yield: Annotated[int | None, Field(ge=1, description="Servings.")] = None,
    category: str | None = None,
    keywords: Keywords = None,
    image: Image = None,
) -> Saved:
    """Create a recipe; only the name is required."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    if not name.strip():
        raise invalid("name", "must not be empty; give the recipe a name")
    body = _fields(
        name=name, description=description, ingredients=ingredients, instructions=instructions, url=url,
        prep_time=prep_time, cook_time=cook_time, total_time=total_time, recipe_yield=recipe_yield,
        category=category, keywords=keywords,
    )  # fmt: skip
    body.update(await _image(nc, image))
    recipe_id = await nc.api(CookbookAPI).create(body)
    return Saved(id=recipe_id, message=f"Recipe '{body['name']}' created")


@tool(TOOLSET, UPDATE, title="Update recipe")
async def nc_cookbook_update_recipe(
    nc: Nextcloud,
    recipe_id: RecipeId,
    name: str | None = None,
    description: str | None = None,
    ingredients: Annotated[list[str] | None, Field(description="Replaces the list.")] = None,
    instructions: Annotated[list[str] | None, Field(description="Replaces the steps.")] = None,
    url: str | None = None,
    prep_time: Duration = None,
    cook_time: Duration = None,
    total_time: Duration = None,
    recipe_yield: Annotated[int | None, Field(ge=1)] = None,
    category: Annotated[str | None, Field(description="'' for none.")] = None,
    keywords: Keywords = None,
    image: Image = None,
) -> Saved:
    """Change the fields given; the rest stay."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    changes = _fields(
        name=name, description=description, ingredients=ingredients, instructions=instructions, url=url,
        prep_time=prep_time, cook_time=cook_time, total_time=total_time, recipe_yield=recipe_yield,
        category=category, keywords=keywords,
    )  # fmt: skip
    changes.update(await _image(nc, image))
    if not changes:
        raise invalid("name/description/...", "give at least one field to change")
    saved = await nc.api(CookbookAPI).update(recipe_id, changes)
    return Saved(id=saved, message=f"Recipe {saved} updated")


@tool(TOOLSET, READ, title="Get recipe image")
async def nc_cookbook_get_recipe_image(
    nc: Nextcloud,
    limits: Config,
    recipe_id: RecipeId,
    size: Annotated[Literal["full", "thumb", "thumb16"], Field(description="thumb: 250 px, thumb16: 16 px.")] = "thumb",
) -> Annotated[CallToolResult, ImageResult]:
    """Get a recipe's picture."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    data, mime = await nc.api(CookbookAPI).image(recipe_id, size, limits.max_read_bytes)
    result = ImageResult(recipe_id=recipe_id, size=size, content_type=mime, bytes=len(data))
    picture = ImageContent(type="image", data=base64.b64encode(data).decode("ascii"), mime_type=mime)
    return CallToolResult(
        content=[TextContent(type="text", text=result.model_dump_json()), picture],
        structured_content=result.model_dump(mode="json"),
    )


@tool(TOOLSET, DELETE, title="Delete recipe")
async def nc_cookbook_delete_recipe(nc: Nextcloud, recipe_id: RecipeId) -> Saved:
    """Delete a recipe and its folder."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    recipe = await nc.api(CookbookAPI).delete(recipe_id)
    return Saved(id=recipe_id, message=f"Recipe '{recipe.name}' deleted")


@tool(TOOLSET, CREATE, title="Import recipe")
async def nc_cookbook_import_recipe(
    nc: Nextcloud, url: Annotated[str, Field(description="A page with schema.org Recipe data.")]
) -> RecipeResult:
    """Import a recipe from a web page; Nextcloud fetches the page."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    if not re.match(r"https?://[^/\s]+", url.strip()):
        raise invalid("url", "must be an http(s) URL of a recipe page")
    return RecipeResult.of(await nc.api(CookbookAPI).import_url(url.strip()))


@tool(TOOLSET, READ, title="List recipe categories")
async def nc_cookbook_list_categories(nc: Nextcloud) -> CountedList:
    """List your recipe categories with how many recipes each has."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    found = await nc.api(CookbookAPI).categories()
    return CountedList(items=[Counted(name=c.name, recipe_count=c.recipe_count) for c in found])


@tool(TOOLSET, READ, title="Recipes in category")
async def nc_cookbook_get_recipes_in_category(
    nc: Nextcloud,
    category: Annotated[str, Field(description="'_' for recipes without one.")],
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[RecipeSummary]:
    """List the recipes of a category."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    if not category.strip():
        raise invalid("category", "must not be empty; use '_' for recipes without a category")
    recipes = await nc.api(CookbookAPI).in_category(category.strip())
    return Paged[RecipeSummary].of([RecipeSummary.of(r) for r in recipes], offset, limit)


@tool(TOOLSET, UPDATE, title="Rename recipe category")
async def nc_cookbook_rename_category(nc: Nextcloud, category: str, new_name: str) -> Done:
    """Rename a category in all of its recipes."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    if not category.strip():
        raise invalid("category", "must not be empty; see nc_cookbook_list_categories")
    if not new_name.strip():
        raise invalid("new_name", "must not be empty")
    renamed = await nc.api(CookbookAPI).rename_category(category.strip(), new_name.strip())
    return Done(message=f"Category '{category.strip()}' renamed to '{renamed}'")


@tool(TOOLSET, READ, title="List recipe keywords")
async def nc_cookbook_list_keywords(nc: Nextcloud) -> CountedList:
    """List your recipe keywords with how many recipes each has."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    found = await nc.api(CookbookAPI).keywords()
    return CountedList(items=[Counted(name=k.name, recipe_count=k.recipe_count) for k in found])


@tool(TOOLSET, READ, title="Recipes with keywords")
async def nc_cookbook_get_recipes_with_keywords(
    nc: Nextcloud,
    keywords: Annotated[list[str], Field(description="A recipe must have all of them.")],
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[RecipeSummary]:
    """List the recipes that have all of the keywords."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    wanted = [k.strip() for k in keywords]
    if not wanted or not all(wanted):
        raise invalid("keywords", "give one or more keywords, none empty (see nc_cookbook_list_keywords)")
    if any("," in k for k in wanted):
        raise invalid("keywords", "a keyword cannot contain ','; give each as its own item")
    recipes = await nc.api(CookbookAPI).with_keywords(wanted)
    return Paged[RecipeSummary].of([RecipeSummary.of(r) for r in recipes], offset, limit)


@tool(TOOLSET, READ, title="Get Cookbook settings")
async def nc_cookbook_get_config(nc: Nextcloud) -> ConfigResult:
    """Read your Cookbook settings."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    config = await nc.api(CookbookAPI).config()
    return ConfigResult(folder=config.folder, update_interval=config.update_interval, print_image=config.print_image)


@tool(TOOLSET, UPDATE, title="Set Cookbook settings")
async def nc_cookbook_set_config(
    nc: Nextcloud,
    folder: Annotated[str | None, Field(description="Recipes folder in your files, e.g. '/Recipes'.")] = None,
    update_interval: Annotated[int | None, Field(ge=1, description="Minutes between automatic rescans.")] = None,
    print_image: bool | None = None,
) -> ConfigResult:
    """Change the settings given."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    changes: dict[str, Any] = {}
    if folder is not None:
        path = "/" + folder.strip().strip("/")
        if path == "/" or any(part in (".", "..") for part in path.split("/")):
            raise invalid("folder", "give a folder below your files root, e.g. '/Recipes'")
        changes["folder"] = path
    if update_interval is not None:
        changes["update_interval"] = update_interval
    if print_image is not None:
        changes["print_image"] = print_image
    if not changes:
        raise invalid("folder/update_interval/print_image", "give at least one setting to change")
    api = nc.api(CookbookAPI)
    await api.set_config(changes)
    config = await api.config()
    return ConfigResult(folder=config.folder, update_interval=config.update_interval, print_image=config.print_image)


@tool(TOOLSET, UPDATE, title="Reindex recipes")
async def nc_cookbook_reindex(nc: Nextcloud) -> Done:
    """Rebuild the recipe index from the recipe files (after editing them outside Cookbook)."""
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    return Done(message=await nc.api(CookbookAPI).reindex())


@resource(
    TOOLSET,
    RECIPE_URI,
    name="recipe",
    title="Recipe",
    description="One recipe as JSON: ingredients, instructions, times, yield, category, keywords and source.",
    mime_type="application/json",
)
async def recipe_resource(nc: Nextcloud, recipe_id: str) -> str:
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    if not recipe_id.isdigit() or int(recipe_id) < 1:
        raise invalid(
            "recipe_id", f"{recipe_id!r} is not a recipe id; use a positive number from nc_cookbook_list_recipes"
        )
    return RecipeResult.of(await nc.api(CookbookAPI).get(int(recipe_id))).model_dump_json()


@resource(
    TOOLSET,
    VERSION_URI,
    name="cookbook-version",
    title="Cookbook version",
    description="The Cookbook app's release and API version, as JSON.",
    mime_type="application/json",
)
async def version_resource(nc: Nextcloud) -> str:
    from nextcloud_mcp_server.nextcloud.cookbook import CookbookAPI

    version = await nc.api(CookbookAPI).version()
    return json.dumps({"app_version": version.app, "api_version": version.api})
