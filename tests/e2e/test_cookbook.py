"""Cookbook tools end to end through the real MCP client. Effects are checked on the stand-in
independently: the recipe folders and their recipe.json on disk, and raw Cookbook API requests.
Imports fetch pages from a recipe web site served beside the stand-in (schema.org JSON-LD)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from mcp import Client

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique
from tests.standin.apps.cookbook import JPEG, recipe_page, recipe_site

pytestmark = pytest.mark.anyio

API = "/index.php/apps/cookbook/api/v1"
TOOLS = {
    "nc_cookbook_list_recipes", "nc_cookbook_search_recipes", "nc_cookbook_get_recipe", "nc_cookbook_create_recipe",
    "nc_cookbook_update_recipe", "nc_cookbook_delete_recipe", "nc_cookbook_import_recipe",
    "nc_cookbook_list_categories", "nc_cookbook_get_recipes_in_category", "nc_cookbook_rename_category",
    "nc_cookbook_list_keywords", "nc_cookbook_get_recipes_with_keywords", "nc_cookbook_get_config",
    "nc_cookbook_set_config", "nc_cookbook_reindex", "nc_cookbook_get_recipe_image",
}  # fmt: skip


def stored(user: NcUser, name: str) -> dict[str, Any]:
    """The recipe.json Cookbook keeps in the recipe's folder."""
    return json.loads((user.files_root / "Recipes" / name / "recipe.json").read_text())


def raw_recipe(user: NcUser, recipe_id: int) -> tuple[int, Any]:
    with user.raw() as raw:
        response = raw.get(f"{API}/recipes/{recipe_id}")
    return response.status_code, response.json()


def raw_names(user: NcUser) -> set[str]:
    with user.raw() as raw:
        return {stub["name"] for stub in raw.get(f"{API}/recipes").json()}


@pytest.fixture(scope="module")
def other(standin: StandInHandle) -> NcUser:
    return standin.add_user("ucookbook-other", "pw-cookbook-other-1")


async def test_create_get_update_delete_a_recipe(mcp: Any, nc_user: NcUser) -> None:
    name = unique("Pancakes")
    created = await call(
        mcp, "nc_cookbook_create_recipe", name=name, description="Fluffy", ingredients=["2 eggs", "200 g flour"],
        instructions=["Mix", "Fry"], prep_time="PT10M", cook_time="PT15M", recipe_yield=4, category="Breakfast",
        keywords="sweet, quick", url="https://example.org/pancakes",
    )  # fmt: skip
    on_disk = stored(nc_user, name)
    assert created["id"] == nc_user.standin.app.file_id(nc_user.files_root / "Recipes" / name)
    assert (on_disk["recipeIngredient"], on_disk["recipeInstructions"]) == (["2 eggs", "200 g flour"], ["Mix", "Fry"])
    assert (on_disk["keywords"], on_disk["recipeCategory"], on_disk["recipeYield"]) == ("sweet,quick", "Breakfast", 4)

    got = await call(mcp, "nc_cookbook_get_recipe", recipe_id=created["id"])
    assert (got["name"], got["description"], got["prep_time"], got["cook_time"]) == (name, "Fluffy", "PT10M", "PT15M")
    assert (got["keywords"], got["category"], got["url"]) == (
        ["sweet", "quick"],
        "Breakfast",
        "https://example.org/pancakes",
    )

    renamed = unique("Crepes")
    updated = await call(
        mcp, "nc_cookbook_update_recipe", recipe_id=created["id"], name=renamed, recipe_yield=6, keywords="thin"
    )
    assert updated["id"] == created["id"]
    status, raw = raw_recipe(nc_user, created["id"])
    assert status == 200
    assert (raw["name"], raw["recipeYield"], raw["keywords"]) == (renamed, 6, "thin")
    assert raw["recipeIngredient"] == ["2 eggs", "200 g flour"]  # what was not given stays
    assert raw["description"] == "Fluffy"
    assert not (nc_user.files_root / "Recipes" / name).exists()  # the folder moved with the name

    cleared = await call(mcp, "nc_cookbook_update_recipe", recipe_id=created["id"], category="", cook_time="")
    assert cleared["id"] == created["id"]
    status, raw = raw_recipe(nc_user, created["id"])
    assert (raw["recipeCategory"], raw["cookTime"], raw["prepTime"]) == ("", None, "PT10M")

    deleted = await call(mcp, "nc_cookbook_delete_recipe", recipe_id=created["id"])
    assert deleted == {"id": created["id"], "message": f"Recipe '{renamed}' deleted"}
    assert raw_recipe(nc_user, created["id"])[0] == 404
    assert not (nc_user.files_root / "Recipes" / renamed).exists()


async def test_list_search_categories_and_keywords(mcp: Any, nc_user: NcUser) -> None:
    tag = unique("t").replace("-", "")
    soup = await call(mcp, "nc_cookbook_create_recipe", name=f"Soup {tag}", category=f"Dinner {tag}",
                      keywords=f"warm,{tag}")  # fmt: skip
    stew = await call(mcp, "nc_cookbook_create_recipe", name=f"Stew {tag}", category=f"Dinner {tag}",
                      keywords=f"warm,{tag},meat")  # fmt: skip
    salad = await call(mcp, "nc_cookbook_create_recipe", name=f"Salad {tag}", keywords=f"cold+fresh {tag}")

    listed = await call(mcp, "nc_cookbook_list_recipes", limit=500)
    mine = [item for item in listed["items"] if tag in item["name"]]
    assert [item["name"] for item in mine] == [f"Salad {tag}", f"Soup {tag}", f"Stew {tag}"]  # by name
    assert mine[1]["keywords"] == ["warm", tag]
    assert raw_names(nc_user) >= {f"Soup {tag}", f"Stew {tag}", f"Salad {tag}"}

    found = await call(mcp, "nc_cookbook_search_recipes", query=f"{tag} nothing-else")
    assert {item["id"] for item in found["items"]} == {soup["id"], stew["id"], salad["id"]}
    by_category = await call(mcp, "nc_cookbook_search_recipes", query=f"dinner {tag}", limit=1)
    assert by_category["page"]["total"] >= 3
    assert len(by_category["items"]) == 1

    in_category = await call(mcp, "nc_cookbook_get_recipes_in_category", category=f"Dinner {tag}")
    assert [item["id"] for item in in_category["items"]] == [soup["id"], stew["id"]]
    uncategorized = await call(mcp, "nc_cookbook_get_recipes_in_category", category="_", limit=500)
    assert salad["id"] in {item["id"] for item in uncategorized["items"]}

    tagged = await call(mcp, "nc_cookbook_get_recipes_with_keywords", keywords=["warm", "meat", tag])
    assert [item["id"] for item in tagged["items"]] == [stew["id"]]
    plus = await call(mcp, "nc_cookbook_get_recipes_with_keywords", keywords=[f"cold+fresh {tag}"])
    assert [item["id"] for item in plus["items"]] == [salad["id"]]  # '+' and ' ' survive Cookbook's double decoding

    categories = {c["name"]: c["recipe_count"] for c in (await call(mcp, "nc_cookbook_list_categories"))["items"]}
    assert categories[f"Dinner {tag}"] == 2
    assert categories["*"] >= 1
    keywords = {k["name"]: k["recipe_count"] for k in (await call(mcp, "nc_cookbook_list_keywords"))["items"]}
    assert (keywords[tag], keywords[f"cold+fresh {tag}"]) == (2, 1)

    renamed = await call(mcp, "nc_cookbook_rename_category", category=f"Dinner {tag}", new_name=f"Supper {tag}")
    assert renamed == {"message": f"Category 'Dinner {tag}' renamed to 'Supper {tag}'"}
    assert stored(nc_user, f"Soup {tag}")["recipeCategory"] == f"Supper {tag}"
    assert (await call(mcp, "nc_cookbook_get_recipes_in_category", category=f"Dinner {tag}"))["items"] == []
    unknown = await error_of(mcp, "nc_cookbook_rename_category", category=f"Dinner {tag}", new_name="Lunch")
    assert f"category 'Dinner {tag}'" in unknown
    assert "does not exist" in unknown


async def test_import_from_a_page_with_schema_org_json_ld(mcp: Any, nc_user: NcUser) -> None:
    name = unique("Shakshuka")
    recipe = {
        "name": name,
        "description": "Eggs in tomato sauce",
        "recipeYield": "4 servings",
        "totalTime": "PT35M",
        "recipeCategory": ["Brunch"],
        "keywords": "eggs, tomato",
        "recipeIngredient": ["6 eggs", "800 g tomatoes"],
        "recipeInstructions": [
            {"@type": "HowToSection", "name": "Sauce", "itemListElement": [{"@type": "HowToStep", "text": "Simmer"}]},
            {"@type": "HowToStep", "text": "Crack the eggs in"},
        ],
        "nutrition": {"@type": "NutritionInformation", "calories": "250 kcal"},
    }
    url = recipe_site().publish(recipe_page(recipe, title=name, graph=True))
    imported = await call(mcp, "nc_cookbook_import_recipe", url=url)
    assert (imported["name"], imported["recipe_yield"], imported["total_time"]) == (name, 4, "PT35M")
    assert (imported["category"], imported["keywords"], imported["url"]) == ("Brunch", ["eggs", "tomato"], url)
    assert imported["instructions"] == ["Simmer", "Crack the eggs in"]
    assert imported["nutrition"] == {"calories": "250 kcal"}
    folder = nc_user.files_root / "Recipes" / name
    assert imported["id"] == nc_user.standin.app.file_id(folder)
    assert stored(nc_user, name)["url"] == url
    assert "application/ld+json" in (folder / "import.html").read_text()  # Cookbook keeps the page

    again = await error_of(mcp, "nc_cookbook_import_recipe", url=url)
    assert "Another recipe with that name already exists" in again
    empty = await error_of(mcp, "nc_cookbook_import_recipe", url=recipe_site().publish("<html>No recipe</html>"))
    assert "No parser found for the given import" in empty
    gone = await error_of(mcp, "nc_cookbook_import_recipe", url=recipe_site().url + "/recipes/missing.html")
    assert "HTTP status code 404 is not in expected range" in gone
    bad = await error_of(mcp, "nc_cookbook_import_recipe", url="not a url")
    assert "Invalid argument 'url'" in bad


async def test_an_imported_recipe_brings_its_picture(mcp: Any, nc_user: NcUser) -> None:
    name = unique("Pictured")
    picture = JPEG + name.encode()
    image = recipe_site().publish(picture, content_type="image/jpeg")
    imported = await call(
        mcp, "nc_cookbook_import_recipe", url=recipe_site().publish(recipe_page({"name": name, "image": image}))
    )
    assert imported["image"] == image
    assert (nc_user.files_root / "Recipes" / name / "full.jpg").read_bytes() == picture  # Cookbook downloaded it
    result = await mcp.call_tool("nc_cookbook_get_recipe_image", {"recipe_id": imported["id"], "size": "thumb16"})
    assert not result.is_error, result.content[0].text
    assert result.structured_content == {
        "recipe_id": imported["id"], "size": "thumb16", "content_type": "image/jpeg", "bytes": len(picture)
    }  # fmt: skip
    assert base64.b64decode(result.content[1].data) == picture
    assert result.content[1].mime_type == "image/jpeg"

    plain = await call(mcp, "nc_cookbook_create_recipe", name=unique("Plain"))
    without = await error_of(mcp, "nc_cookbook_get_recipe_image", recipe_id=plain["id"])
    assert f"the image of recipe {plain['id']}" in without
    assert "No image with the matching MIME type was found on the server" in without
    bad = await error_of(mcp, "nc_cookbook_get_recipe_image", recipe_id=plain["id"], size="huge")
    assert "size" in bad


async def test_reindex_picks_up_recipes_written_beside_cookbook(mcp: Any, nc_user: NcUser) -> None:
    name = unique("Written by hand")
    dav = f"/remote.php/dav/files/{nc_user.id}/Recipes"
    await call(mcp, "nc_cookbook_list_recipes")  # the index is fresh: lists come from it until it is rebuilt
    with nc_user.raw() as raw:
        assert raw.request("MKCOL", f"{dav}/{name}").status_code == 201
        body = json.dumps({"name": name, "keywords": "handmade", "recipeYield": 1}).encode()
        assert raw.put(f"{dav}/{name}/recipe.json", content=body).status_code == 201
    before = await call(mcp, "nc_cookbook_list_recipes", limit=500)
    assert name not in {item["name"] for item in before["items"]}
    done = await call(mcp, "nc_cookbook_reindex")
    assert done == {"message": "Search index rebuilt successfully"}
    after = await call(mcp, "nc_cookbook_list_recipes", limit=500)
    assert name in {item["name"] for item in after["items"]}


async def test_settings_read_and_change(mcp: Any, nc_user: NcUser) -> None:
    config = await call(mcp, "nc_cookbook_get_config")
    assert config["folder"] == "/Recipes"
    changed = await call(mcp, "nc_cookbook_set_config", update_interval=30, print_image=False)
    assert (changed["update_interval"], changed["print_image"], changed["folder"]) == (30, False, "/Recipes")
    with nc_user.raw() as raw:
        assert raw.get(f"{API}/config").json()["update_interval"] == 30
    moved = await call(mcp, "nc_cookbook_set_config", folder="Cooking/Mine")
    try:
        assert moved["folder"] == "/Cooking/Mine"
        name = unique("Elsewhere")
        await call(mcp, "nc_cookbook_create_recipe", name=name)
        assert (nc_user.files_root / "Cooking" / "Mine" / name / "recipe.json").is_file()
    finally:
        await call(mcp, "nc_cookbook_set_config", folder="/Recipes", update_interval=5, print_image=True)
    assert name not in {item["name"] for item in (await call(mcp, "nc_cookbook_list_recipes", limit=500))["items"]}


async def test_bad_inputs_are_refused_with_what_to_do(mcp: Any, nc_user: NcUser) -> None:
    name = unique("Taken")
    made = await call(mcp, "nc_cookbook_create_recipe", name=name)
    duplicate = await error_of(mcp, "nc_cookbook_create_recipe", name=name)
    assert f"recipe '{name}'" in duplicate
    assert "Another recipe with that name already exists" in duplicate
    other = await call(mcp, "nc_cookbook_create_recipe", name=unique("Other"))
    clash = await error_of(mcp, "nc_cookbook_update_recipe", recipe_id=other["id"], name=name)
    assert "Another recipe with that name already exists" in clash
    assert "Invalid argument 'name'" in await error_of(mcp, "nc_cookbook_create_recipe", name="  ")
    assert "Invalid argument 'prep_time'" in await error_of(
        mcp, "nc_cookbook_create_recipe", name="x", prep_time="10 min"
    )
    assert "Invalid argument 'url'" in await error_of(mcp, "nc_cookbook_create_recipe", name="x", url="example.org")
    assert "at least one field" in await error_of(mcp, "nc_cookbook_update_recipe", recipe_id=made["id"])
    assert "Invalid argument 'name'" in await error_of(mcp, "nc_cookbook_update_recipe", recipe_id=made["id"], name="")
    for tool in ("nc_cookbook_get_recipe", "nc_cookbook_delete_recipe"):
        missing = await error_of(mcp, tool, recipe_id=999_999_999)
        assert "recipe 999999999" in missing
        assert "does not exist" in missing
    missing = await error_of(mcp, "nc_cookbook_update_recipe", recipe_id=999_999_999, name="y")
    assert "recipe 999999999" in missing
    assert "Invalid argument 'query'" in await error_of(mcp, "nc_cookbook_search_recipes", query=" , ")
    assert "Invalid argument 'category'" in await error_of(mcp, "nc_cookbook_get_recipes_in_category", category=" ")
    assert "Invalid argument 'keywords'" in await error_of(mcp, "nc_cookbook_get_recipes_with_keywords", keywords=[])
    assert "Invalid argument 'keywords'" in await error_of(
        mcp, "nc_cookbook_get_recipes_with_keywords", keywords=["a,b"]
    )
    assert "Invalid argument 'new_name'" in await error_of(
        mcp, "nc_cookbook_rename_category", category="x", new_name=" "
    )
    assert "at least one setting" in await error_of(mcp, "nc_cookbook_set_config")
    assert "Invalid argument 'folder'" in await error_of(mcp, "nc_cookbook_set_config", folder="/")
    assert "Invalid argument 'folder'" in await error_of(mcp, "nc_cookbook_set_config", folder="../x")
    assert stored(nc_user, name)["name"] == name  # nothing was changed by the refused calls


async def test_another_user_cannot_see_or_change_my_recipes(mcp: Any, nc_user: NcUser, other: NcUser) -> None:
    secret = unique("Secret sauce")
    with other.raw() as raw:
        theirs = raw.post(f"{API}/recipes", json={"name": secret, "keywords": "secret"})
    assert theirs.status_code == 200, theirs.text
    their_id = theirs.json()
    listed = await call(mcp, "nc_cookbook_list_recipes", limit=500)
    assert secret not in {item["name"] for item in listed["items"]}
    assert (await call(mcp, "nc_cookbook_search_recipes", query="secret"))["items"] == []
    assert "does not exist" in await error_of(mcp, "nc_cookbook_get_recipe", recipe_id=their_id)
    assert "does not exist" in await error_of(mcp, "nc_cookbook_delete_recipe", recipe_id=their_id)
    assert "does not exist" in await error_of(mcp, "nc_cookbook_update_recipe", recipe_id=their_id, name="Mine now")
    status, recipe = raw_recipe(other, their_id)
    assert (status, recipe["name"]) == (200, secret)
    assert secret in raw_names(other)


async def test_a_recipe_reads_as_a_resource_like_the_tool(mcp: Any, nc_user: NcUser, other: NcUser) -> None:
    from mcp.shared.exceptions import MCPError

    name = unique("Soup")
    created = await call(
        mcp, "nc_cookbook_create_recipe", name=name, ingredients=["1 l water", "salt"], category="Dinner",
        keywords="warm", total_time="PT40M",
    )  # fmt: skip
    read = await mcp.read_resource(f"nc://cookbook/recipes/{created['id']}")
    (content,) = read.contents
    assert (content.uri, content.mime_type) == (f"nc://cookbook/recipes/{created['id']}", "application/json")
    recipe = json.loads(content.text)
    assert recipe == await call(mcp, "nc_cookbook_get_recipe", recipe_id=created["id"])
    on_disk = stored(nc_user, name)
    assert (recipe["name"], recipe["ingredients"], recipe["category"], recipe["total_time"]) == (
        on_disk["name"],
        on_disk["recipeIngredient"],
        on_disk["recipeCategory"],
        on_disk["totalTime"],
    )
    templates = await mcp.list_resource_templates()
    assert "nc://cookbook/recipes/{recipe_id}" in {t.uri_template for t in templates.resource_templates}

    with other.raw() as raw:  # another user's recipe is not found for me
        theirs = raw.post(f"{API}/recipes", json={"name": unique("Their stew")}).json()
    with pytest.raises(MCPError) as foreign:
        await mcp.read_resource(f"nc://cookbook/recipes/{theirs}")
    assert "does not exist" in str(foreign.value)
    assert raw_recipe(other, theirs)[0] == 200
    with pytest.raises(MCPError) as bad:
        await mcp.read_resource("nc://cookbook/recipes/soup")
    assert "'soup' is not a recipe id" in str(bad.value)


async def test_the_cookbook_version_reads_as_a_resource(mcp: Any, nc_user: NcUser) -> None:
    with nc_user.raw() as raw:
        answer = raw.get("/index.php/apps/cookbook/api/version").json()
    read = await mcp.read_resource("nc://cookbook/version")
    version = json.loads(read.contents[0].text)
    release = answer["cookbook_version"]
    api = answer["api_version"]
    assert version == {
        "app_version": ".".join(str(n) for n in release[:3]) + "".join(release[3:]),
        "api_version": f"{api['epoch']}.{api['major']}.{api['minor']}",
    }
    assert version["app_version"] == "0.11.6"


async def test_the_toolset_is_gone_for_a_user_without_cookbook(standin: StandInHandle) -> None:
    from mcp.shared.exceptions import MCPError

    user = standin.add_user(unique("ucookbook-gated"), "pw-gated-1")
    with own_server(user, capabilities_ttl=0) as url:
        async with Client(url) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(user.id, "cookbook", False)
            try:
                without = {t.name for t in (await client.list_tools()).tools}
                refused = await client.call_tool("nc_cookbook_list_recipes", {})
                try:
                    resource = (await client.read_resource("nc://cookbook/version")).contents[0].text
                except MCPError as exc:
                    resource = str(exc)
            finally:
                standin.app.set_app_enabled(user.id, "cookbook", True)
            again = {t.name for t in (await client.list_tools()).tools}
    assert {name for name in before if name.startswith("nc_cookbook_")} == TOOLS
    assert TOOLS.isdisjoint(without)
    assert "nc_webdav_list_directory" in without
    assert refused.is_error
    assert "needs the Nextcloud app 'Cookbook' (cookbook)" in refused.content[0].text
    assert "needs the Nextcloud app 'Cookbook' (cookbook)" in resource
    assert again >= TOOLS


async def test_a_recipe_gets_its_picture_from_a_url_or_a_file_and_loses_it_with_empty(
    mcp: Any, nc_user: NcUser
) -> None:
    name = unique("Photographed")
    picture = JPEG + name.encode()
    url = recipe_site().publish(picture, content_type="image/jpeg")
    created = await call(mcp, "nc_cookbook_create_recipe", name=name, image=url)
    folder = nc_user.files_root / "Recipes" / name
    assert stored(nc_user, name)["image"] == url
    assert (folder / "full.jpg").read_bytes() == picture  # Cookbook downloaded it
    with nc_user.raw() as raw:  # Cookbook's own API serves it
        served = raw.get(
            f"{API}/recipes/{created['id']}/image", params={"size": "full"}, headers={"Accept": "image/jpeg"}
        )
    assert (served.status_code, served.content) == (200, picture)

    own = JPEG + b"from my files"
    (nc_user.files_root / "Photos").mkdir(exist_ok=True)
    (nc_user.files_root / "Photos" / "soup.jpg").write_bytes(own)
    await call(mcp, "nc_cookbook_update_recipe", recipe_id=created["id"], image="Photos/soup.jpg")
    assert stored(nc_user, name)["image"] == "/Photos/soup.jpg"
    assert (folder / "full.jpg").read_bytes() == own
    assert stored(nc_user, name)["name"] == name  # the other fields stay

    await call(mcp, "nc_cookbook_update_recipe", recipe_id=created["id"], image="")
    assert stored(nc_user, name)["image"] == ""
    assert not (folder / "full.jpg").exists()


async def test_a_picture_that_cannot_be_taken_is_refused_with_what_to_do(
    mcp: Any, nc_user: NcUser, other: NcUser
) -> None:
    name = unique("Unpictured")
    (nc_user.files_root / "Photos").mkdir(exist_ok=True)
    (other.files_root / "theirs.jpg").write_bytes(JPEG)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"image": "http//example.org/x.jpg"}, "image"),
        ({"image": "/Photos"}, "folder"),
        ({"image": "/no/such/picture.jpg"}, "/no/such/picture.jpg is not in your files"),
        ({"image": "/theirs.jpg"}, "/theirs.jpg is not in your files"),  # another user's file
    ]
    for arguments, expected in cases:
        message = await error_of(mcp, "nc_cookbook_create_recipe", name=name, **arguments)
        assert expected in message, (arguments, message)
    assert name not in raw_names(nc_user)
    created = await call(mcp, "nc_cookbook_create_recipe", name=name)
    missing = await error_of(mcp, "nc_cookbook_update_recipe", recipe_id=created["id"], image="gone.jpg")
    assert "gone.jpg" in missing
    assert stored(nc_user, name)["image"] == ""
