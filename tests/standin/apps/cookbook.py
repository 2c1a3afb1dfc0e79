"""The Cookbook app's API v1 (nextcloud/cookbook 0.11.6), as its controllers and RecipeService behave.

Storage is Cookbook's own: each recipe is a folder named after it (`/\\:?!"'|&^#` become `_`) in
the user's recipes folder (`/Recipes` unless the settings say otherwise), holding `recipe.json`
(and `import.html` for an imported one). A recipe's id is its folder's file id, so the recipes are
also plain files over WebDAV. Lists come from a per-user search index, rebuilt when it is older
than the user's `update_interval` (5 minutes) or on `POST reindex`; recipes written beside
Cookbook appear in the lists only then.

- GET `recipes`: every indexed recipe as a stub, by name (case-insensitive).
- POST `recipes`: 422 `{"msg", "file", "line"}` without a name, 409 when a folder of that name
  exists; the new id (the folder's id).
- GET `recipes/{id}`: 404 with the id as the body for an unknown one.
- PUT `recipes/{id}`: saves the recipe whose id is in the *body* (the URL's id is not used); the
  whole recipe is replaced; a new name moves the folder (409 if taken); without an id in the body
  it creates one (Cookbook's behaviour). 422 without a name.
- DELETE `recipes/{id}`: 200 "Recipe {id} deleted successfully", also for an unknown id.
- POST `import` `{"url"}`: fetches the page server-side (a real HTTP GET), takes the first
  `application/ld+json` schema.org Recipe (in `@graph` or a list too); 400 with Cookbook's message
  (a JSON string) for a missing url, a failed download, a page without a recipe or a recipe without
  a name; 409 for a taken name.
- A recipe's `image` (a URL, or a path in the user's files), when new or changed, is fetched and
  kept in its folder as `full.jpg`, `thumb.jpg` and `thumb16.jpg` (here the bytes as fetched:
  Cookbook converts to JPEG and scales the thumbnails); an empty `image` removes them. GET
  `recipes/{id}/image?size=full|thumb|thumb16` sends it as `image/jpeg`; without one, Cookbook's
  SVG placeholder to a client that accepts SVG, else 406 `{"msg": ...}`.
- GET `search/{query}`: recipes whose name, keywords or category contain any word (`[ ,]`-split,
  case-insensitive); GET `category/{category}` (`_`: none) and `tags/{keywords}` (all of the
  comma-separated keywords). Path parameters are decoded twice, as Cookbook's `urldecode` does.
- PUT `category/{category}` `{"name"}`: renames it in each recipe; 400 "New category name not found
  in data" (a JSON string) without a name.
- GET `categories` (by name, then `*` with the count of recipes without one), GET `keywords`.
- GET/POST `config`, POST `reindex`.

Answers add `imageUrl` and `imagePlaceholderUrl` to a recipe and to the import, as the contract's
Recipe schema requires (Cookbook itself sends only `imageUrl` with a recipe).

`RecipeSite` is a third-party recipe web site for imports: public pages that tests publish
(`recipe_site().publish(html)`), served over HTTP on their own port, for Cookbook to fetch.

Capabilities (Cookbook 0.11.5 and later): `{"cookbook": {"version": [0, 11, 6, ""],
"api-version": {"epoch": 0, "major": 1, "minor": 2}}}`.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import httpx

from tests.standin.core import User, send_response
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "nextcloud-31/cookbook.openapi.json"
API = "/index.php/apps/cookbook/api/v1"
VERSION = [0, 11, 6, ""]
API_VERSION = {"epoch": 0, "major": 1, "minor": 2}
DEFAULT_CONFIG: dict[str, Any] = {
    "folder": "/Recipes",
    "update_interval": 5,
    "print_image": True,
    "visibleInfoBlocks": {
        "preparation-time": True,
        "cooking-time": True,
        "total-time": True,
        "nutrition-information": True,
        "tools": True,
    },
}
FOLDER_NAME = re.compile(r"[\\/:?!\"'|&^#]")
LD_JSON = re.compile(r"<script[^>]*type=[\"']application/ld\+json[\"'][^>]*>(.*?)</script>", re.S | re.I)
IMAGES = {"full": "full.jpg", "thumb": "thumb.jpg", "thumb16": "thumb16.jpg"}
PLACEHOLDER = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="6"/></svg>'
SOURCE = "/var/www/html/custom_apps/cookbook/lib/Service/RecipeService.php"


def now_iso() -> str:
    """PHP's `date(DATE_ISO8601)`."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def folder_name(name: str) -> str:
    """RecipeNameHelper::getFolderName."""
    cleaned = FOLDER_NAME.sub("_", name)
    return cleaned[:97] + "___" if len(cleaned) > 100 else cleaned


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("text") or value.get("name") or "")
    return str(value)


def _strings(value: Any) -> list[str]:
    """A schema.org list field (a string, a list, HowToStep or HowToSection objects) as strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [line.strip() for line in value.split("\n") if line.strip()]
    items: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict) and isinstance(item.get("itemListElement"), list):
            items += _strings(item["itemListElement"])
        elif _text(item).strip():
            items.append(_text(item).strip())
    return items


def _yield(value: Any) -> int | None:
    """FixRecipeYieldFilter: an int, the largest number in a text, 1 when none; null when absent."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, float):
        return int(value)
    text = " ".join(map(str, value)) if isinstance(value, list) else str(value)
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    return max(numbers) if numbers else 1


def checked(data: dict[str, Any]) -> dict[str, Any]:
    """RecipeService::checkRecipe: the JSON filters that give every recipe Cookbook's shape."""
    recipe = dict(data)
    recipe["@context"] = "http://schema.org"
    recipe["@type"] = "Recipe"
    recipe["name"] = str(recipe["name"]).strip()
    for key in ("description", "url"):
        recipe[key] = str(recipe.get(key) or "").strip()
    image = recipe.get("image")
    if isinstance(image, list):
        image = image[0] if image else ""
    recipe["image"] = _text({"text": image.get("url")} if isinstance(image, dict) else image or "")
    category = recipe.get("recipeCategory")
    category = category[0] if isinstance(category, list) and category else category
    recipe["recipeCategory"] = category.strip() if isinstance(category, str) else ""
    keywords = recipe.get("keywords")
    parts = keywords if isinstance(keywords, list) else str(keywords or "").split(",")
    recipe["keywords"] = ",".join(dict.fromkeys(" ".join(str(k).split()) for k in parts if str(k).strip()))
    recipe["recipeYield"] = _yield(recipe.get("recipeYield"))
    for key in ("tool", "recipeIngredient", "recipeInstructions"):
        recipe[key] = _strings(recipe.get(key))
    for key in ("prepTime", "cookTime", "totalTime"):
        value = recipe.get(key)
        recipe[key] = value.strip() if isinstance(value, str) and value.strip() else None
    nutrition = recipe.get("nutrition")
    recipe["nutrition"] = {k: v for k, v in nutrition.items() if v} if isinstance(nutrition, dict) else {}
    return recipe


def find_recipe(document: Any) -> dict[str, Any] | None:
    """HttpJsonLdParser: the Recipe of one JSON-LD document (itself, in its `@graph`, or in a list)."""
    candidates = document.get("@graph") if isinstance(document, dict) and "@graph" in document else document
    for item in candidates if isinstance(candidates, list) else [candidates]:
        kind = item.get("@type") if isinstance(item, dict) else None
        if kind == "Recipe" or (isinstance(kind, list) and "Recipe" in kind):
            return {**item, "@type": "Recipe"}
    return None


def recipe_page(recipe: dict[str, Any], *, title: str = "A recipe", graph: bool = False) -> str:
    """An HTML page describing `recipe` (schema.org keys) as JSON-LD, as recipe sites publish them."""
    body: dict[str, Any] = {"@context": "https://schema.org", "@type": "Recipe", **recipe}
    if graph:
        body = {"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "name": title}, body]}
    return (
        f"<!doctype html><html><head><title>{title}</title>"
        f'<script type="application/ld+json">{json.dumps(body)}</script></head>'
        f"<body><h1>{title}</h1></body></html>"
    )


class RecipeSite:
    """A public recipe web site (no login): the pages tests publish, for Cookbook's imports to fetch."""

    def __init__(self) -> None:
        self.url = ""
        self.pages: dict[str, tuple[int, str, bytes]] = {}

    def publish(self, content: str | bytes, *, status: int = 200, content_type: str = "text/html") -> str:
        """Serve `content` (with `status`) at a new address; its URL."""
        path = f"/recipes/{uuid.uuid4().hex[:12]}.{content_type.rsplit('/', 1)[-1]}"
        self.pages[path] = (status, content_type, content.encode() if isinstance(content, str) else content)
        return self.url + path

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        status, kind, body = self.pages.get(scope["path"], (404, "text/html", b"<html><body>Not found</body></html>"))
        await send_response(send, status, body, [("Content-Type", kind)])


_site: RecipeSite | None = None
_site_lock = threading.Lock()
_site_stack = contextlib.ExitStack()


def recipe_site() -> RecipeSite:
    """The one recipe web site of this test run, served from its first use until the process ends."""
    global _site
    with _site_lock:
        if _site is None:
            from tests.standin.server import serve_in_thread

            site = RecipeSite()
            site.url = _site_stack.enter_context(serve_in_thread(site, lifespan="on"))
            atexit.register(_site_stack.close)
            _site = site
        return _site


@dataclass
class Indexed:
    """One recipe in a user's search index."""

    id: int
    name: str
    keywords: list[str]
    category: str
    created: str
    modified: str


@dataclass
class Cookbook:
    """One user's Cookbook: settings and search index."""

    config: dict[str, Any] = field(default_factory=lambda: json.loads(json.dumps(DEFAULT_CONFIG)))
    index: dict[int, Indexed] = field(default_factory=dict)
    indexed_at: float = 0.0


class CookbookApp(EmulatedApp):
    """The Cookbook app (see the module docstring)."""

    app_id = "cookbook"
    prefixes = ("/index.php/apps/cookbook/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()
        self.books: dict[str, Cookbook] = {}

    def capabilities(self, user: User) -> dict[str, Any]:
        return {"cookbook": {"version": list(VERSION), "api-version": dict(API_VERSION)}}

    # -- storage -----------------------------------------------------------------------
    def book(self, user: User | str) -> Cookbook:
        user_id = user.id if isinstance(user, User) else user
        with self._lock:
            return self.books.setdefault(user_id, Cookbook())

    def folder(self, user: User | str) -> Path:
        """The user's recipes folder on disk (created when missing, as Cookbook does)."""
        relative = str(self.book(user).config["folder"]).strip("/")
        path = self.standin.files_root(user) / relative
        path.mkdir(parents=True, exist_ok=True)
        return path

    def recipe_folders(self, user: User | str) -> list[Path]:
        return [p for p in self.folder(user).iterdir() if p.is_dir() and self._recipe_file(p) is not None]

    @staticmethod
    def _recipe_file(folder: Path) -> Path | None:
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".json")
        return next((p for p in files if p.name == "recipe.json"), files[0] if files else None)

    def find(self, user: User | str, recipe_id: int) -> Path | None:
        """The recipe folder whose file id is `recipe_id` (in the user's recipes folder)."""
        return next((p for p in self.recipe_folders(user) if self.standin.file_id(p) == recipe_id), None)

    def read(self, folder: Path) -> dict[str, Any] | None:
        """RecipeService::parseRecipeFile: the stored JSON with its id and dates."""
        file = self._recipe_file(folder)
        try:
            data = json.loads(file.read_text()) if file is not None else None
        except ValueError:
            return None
        if not isinstance(data, dict) or not data.get("name"):
            return None
        stamp = datetime.fromtimestamp(folder.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
        data.setdefault("dateCreated", stamp)
        data.setdefault("dateModified", stamp)
        data["id"] = self.standin.file_id(folder)
        return checked(data)

    def save(
        self, user: User | str, data: dict[str, Any], *, imported_html: str | None = None, image: bytes | None = None
    ) -> int:
        """RecipeService::addRecipe: create (no `id`) or update the recipe's folder; its id.

        Raises Failure 422 without a name, 409 when another recipe has the name."""
        if not data or not data.get("name"):
            raise _exception(422, "No recipe name was given. A unique name is required to store the recipe.")
        recipe = checked(data)
        stamp = now_iso()
        recipe["dateModified"] = stamp
        with self._lock:
            root = self.folder(user)
            target = root / folder_name(recipe["name"])
            if recipe.get("id"):
                current = self.find(user, int(recipe["id"]))
                if current is None:
                    raise Failure(500, "Unexpected node received for recipe folder.")
                if current != target:
                    if target.exists():
                        raise _exception(409, "Another recipe with that name already exists")
                    current.rename(target)
            else:
                recipe["dateCreated"] = stamp
                if target.exists():
                    raise _exception(409, "Another recipe with that name already exists")
                target.mkdir()
            recipe.pop("id", None)
            (target / "recipe.json").write_text(json.dumps(recipe))
            if imported_html is not None:
                (target / "import.html").write_text(imported_html)
            if not recipe["image"]:  # ImageService::dropImage
                for picture in IMAGES.values():
                    (target / picture).unlink(missing_ok=True)
            elif image is not None:  # Cookbook stores a JPEG and its thumbnails; here the bytes as fetched
                for picture in IMAGES.values():
                    (target / picture).write_bytes(image)
            (target / ".nomedia").touch()
            recipe_id = self.standin.file_id(target)
            self._index_one(user, recipe_id, {**recipe, "id": recipe_id})
            return recipe_id

    def delete(self, user: User | str, recipe_id: int) -> None:
        with self._lock:
            found = next((p for p in self.folder(user).iterdir() if self.standin.file_id(p) == recipe_id), None)
            if found is not None:
                shutil.rmtree(found) if found.is_dir() else found.unlink()
            self.book(user).index.pop(recipe_id, None)

    # -- the search index --------------------------------------------------------------
    def _index_one(self, user: User | str, recipe_id: int, recipe: dict[str, Any]) -> None:
        self.book(user).index[recipe_id] = Indexed(
            recipe_id,
            recipe["name"],
            [k for k in str(recipe.get("keywords") or "").split(",") if k],
            str(recipe.get("recipeCategory") or ""),
            str(recipe.get("dateCreated") or ""),
            str(recipe.get("dateModified") or ""),
        )

    def reindex(self, user: User | str) -> None:
        """DbCacheService::updateCache: the index rebuilt from the recipe files."""
        with self._lock:
            book = self.book(user)
            book.index.clear()
            for folder in self.recipe_folders(user):
                recipe = self.read(folder)
                if recipe is not None:
                    self._index_one(user, int(recipe["id"]), recipe)
            book.indexed_at = time.time()

    def trigger_check(self, user: User) -> dict[int, Indexed]:
        """DbCacheService::triggerCheck: rebuild the index when older than the update interval."""
        book = self.book(user)
        if time.time() - book.indexed_at >= 60 * int(book.config.get("update_interval") or 5):
            self.reindex(user)
        return book.index

    def stub(self, entry: Indexed) -> dict[str, Any]:
        return {
            "recipe_id": entry.id,
            "id": str(entry.id),
            "name": entry.name,
            "keywords": ",".join(entry.keywords),
            "category": entry.category or None,
            "dateCreated": entry.created,
            "dateModified": entry.modified,
            "imageUrl": f"{API}/recipes/{entry.id}/image?size=thumb",
            "imagePlaceholderUrl": f"{API}/recipes/{entry.id}/image?size=thumb16",
        }

    def stubs(self, entries: Any) -> list[dict[str, Any]]:
        return [self.stub(e) for e in sorted(entries, key=lambda e: (e.name.casefold(), e.id))]

    def answer(self, user: User, recipe: dict[str, Any]) -> dict[str, Any]:
        """A recipe as the API sends it (RecipeJSONOutputFilter), with the contract's image URLs."""
        recipe_id = recipe["id"]
        nutrition = dict(recipe.get("nutrition") or {})
        nutrition.setdefault("@type", "NutritionInformation")
        return {
            **recipe,
            "id": str(recipe_id),
            "nutrition": nutrition,
            "printImage": bool(self.book(user).config.get("print_image", True)),
            "imageUrl": f"{API}/recipes/{recipe_id}/image?size=full",
            "imagePlaceholderUrl": f"{API}/recipes/{recipe_id}/image?size=thumb16",
        }

    # -- routes ------------------------------------------------------------------------
    async def image_of(self, user: User, recipe: dict[str, Any], old: dict[str, Any] | None) -> bytes | None:
        """The picture a saved recipe's `image` names, fetched when it is new or changed: a URL
        (downloaded; None when that fails) or a path in the user's files."""
        image = checked({**recipe, "name": recipe.get("name") or "x"})["image"]
        if not image or (old is not None and old.get("image") == image):
            return None
        if re.match(r"https?://", image):
            try:
                async with httpx.AsyncClient(follow_redirects=True, timeout=20) as http:
                    response = await http.get(image.replace(" ", "%20"))
            except httpx.HTTPError:
                return None
            return response.content if response.is_success else None
        local = self.standin.files_root(user) / image.lstrip("/")
        return local.read_bytes() if local.is_file() else None

    def stored_json(self, user: User, data: Any) -> dict[str, Any] | None:
        """The stored recipe an update names by the id in its body (None: a new one)."""
        if not isinstance(data, dict) or not data.get("id"):
            return None
        folder = self.find(user, _int(str(data["id"])))
        return self.read(folder) if folder is not None else None

    @route("GET", API + "/recipes/{id}/image", contract=CONTRACT)
    async def image(self, request: Request) -> Reply:
        """RecipeImplementation::image: the JPEG; without one the SVG placeholder if accepted, else 406."""
        self.trigger_check(request.user)
        raw = request.params["id"]
        if not raw.isdigit():
            raise Failure(404, "")  # the route requires digits
        folder = self.find(request.user, int(raw))
        name = IMAGES.get(request.query.get("size", "full"))
        picture = folder / name if folder is not None and name is not None else None
        if picture is not None and picture.is_file():
            headers = [("Content-Type", "image/jpeg"), ("Cache-Control", "public, max-age=604800")]
            return Reply(200, raw=picture.read_bytes(), headers=headers)
        accept = (request.header("accept") or "").lower()
        if any(kind in accept for kind in ("image/svg+xml", "image/*", "*/*")):
            return Reply(200, raw=PLACEHOLDER, headers=[("Content-Type", "image/svg+xml")])
        raise Failure(406, "", {"msg": "No image with the matching MIME type was found on the server."})

    @route("GET", API + "/recipes", contract=CONTRACT)
    async def list_recipes(self, request: Request) -> Reply:
        return Reply(200, self.stubs(self.trigger_check(request.user).values()))

    @route("POST", API + "/recipes", contract=CONTRACT)
    async def create(self, request: Request) -> Reply:
        self.trigger_check(request.user)
        body = request.json()
        data = body if isinstance(body, dict) else {}
        return Reply(200, self.save(request.user, data, image=await self.image_of(request.user, data, None)))

    @route("GET", API + "/recipes/{id}", contract=CONTRACT)
    async def show(self, request: Request) -> Reply:
        self.trigger_check(request.user)
        recipe_id = _int(request.params["id"])
        folder = self.find(request.user, recipe_id)
        recipe = self.read(folder) if folder is not None else None
        if recipe is None:
            raise Failure(404, "", recipe_id)
        return Reply(200, self.answer(request.user, recipe))

    @route("PUT", API + "/recipes/{id}", contract=CONTRACT)
    async def update(self, request: Request) -> Reply:
        self.trigger_check(request.user)
        body = request.json()
        data = body if isinstance(body, dict) else {}
        old = self.stored_json(request.user, data)
        return Reply(200, self.save(request.user, data, image=await self.image_of(request.user, data, old)))

    @route("DELETE", API + "/recipes/{id}", contract=CONTRACT)
    async def destroy(self, request: Request) -> Reply:
        self.trigger_check(request.user)
        recipe_id = _int(request.params["id"])
        self.delete(request.user, recipe_id)
        return Reply(200, f"Recipe {recipe_id} deleted successfully")

    @route("POST", API + "/import", contract=CONTRACT)
    async def import_recipe(self, request: Request) -> Reply:
        self.trigger_check(request.user)
        body = request.json()
        url = body.get("url") if isinstance(body, dict) else None
        if url is None:
            raise Failure(400, "", 'Field "url" is required')
        recipe, html = await self._download(str(url))
        recipe["url"] = str(url)
        picture = await self.image_of(request.user, recipe, None)
        recipe_id = self.save(request.user, recipe, imported_html=html, image=picture)
        folder = self.find(request.user, recipe_id)
        stored = self.read(folder) if folder is not None else None
        assert stored is not None
        return Reply(200, self.answer(request.user, stored))

    async def _download(self, url: str) -> tuple[dict[str, Any], str]:
        """HtmlDownloadService + RecipeExtractionService: the page's recipe; Failure 400 with Cookbook's words."""
        try:
            async with httpx.AsyncClient(follow_redirects=True, timeout=20) as http:
                response = await http.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        except (httpx.HTTPError, ValueError) as exc:
            message = f"Downloading of a file failed returned the following error message: {exc or type(exc).__name__}"
            raise Failure(400, "", f"Exception while downloading recipe from {url}.: {message}") from None
        if not 200 <= response.status_code < 300:
            raise Failure(
                400,
                "",
                f"Download from {url} failed as HTTP status code {response.status_code} is not in expected range.",
            )
        html = response.text
        for block in LD_JSON.findall(html):
            try:
                found = find_recipe(json.loads(" ".join(block.split())))
            except ValueError:
                continue
            if found is not None:
                if not found.get("name"):
                    raise Failure(400, "", 'Field "name" is required')
                return found, html
        raise Failure(400, "", "No parser found for the given import.")

    @route("GET", API + "/search/{query}", contract=CONTRACT)
    async def search(self, request: Request) -> Reply:
        entries = self.trigger_check(request.user).values()
        words = re.findall(r"[^ ,]+", unquote_plus(request.params["query"]).lower())
        if not words:
            return Reply(200, self.stubs(entries))

        def hit(entry: Indexed) -> bool:
            fields = [entry.name.lower(), entry.category.lower(), *(k.lower() for k in entry.keywords)]
            return any(word in text for word in words for text in fields)

        return Reply(200, self.stubs(e for e in entries if hit(e)))

    @route("GET", API + "/category/{category}", contract=CONTRACT)
    async def category(self, request: Request) -> Reply:
        entries = self.trigger_check(request.user).values()
        wanted = unquote_plus(request.params["category"])
        chosen = [e for e in entries if (e.category == "" if wanted == "_" else e.category == wanted)]
        return Reply(200, self.stubs(chosen))

    @route("PUT", API + "/category/{category}", contract=CONTRACT)
    async def rename_category(self, request: Request) -> Reply:
        self.trigger_check(request.user)
        body = request.json()
        name = body.get("name") if isinstance(body, dict) else None
        if not name:
            raise Failure(400, "", "New category name not found in data")
        old = unquote_plus(request.params["category"])
        for entry in [e for e in self.book(request.user).index.values() if e.category == old]:
            folder = self.find(request.user, entry.id)
            recipe = self.read(folder) if folder is not None else None
            if recipe is not None:
                self.save(request.user, {**recipe, "recipeCategory": name})
        self.reindex(request.user)
        return Reply(200, name)

    @route("GET", API + "/tags/{keywords}", contract=CONTRACT)
    async def tags(self, request: Request) -> Reply:
        entries = self.trigger_check(request.user).values()
        wanted = set(unquote_plus(request.params["keywords"]).split(","))
        return Reply(200, self.stubs(e for e in entries if wanted <= set(e.keywords)))

    @route("GET", API + "/categories", contract=CONTRACT)
    async def categories(self, request: Request) -> Reply:
        entries = list(self.trigger_check(request.user).values())
        counts: dict[str, int] = {}
        for entry in entries:
            if entry.category:
                counts[entry.category] = counts.get(entry.category, 0) + 1
        found = [{"name": name, "recipe_count": count} for name, count in sorted(counts.items())]
        found.append({"name": "*", "recipe_count": sum(1 for e in entries if not e.category)})
        return Reply(200, found)

    @route("GET", API + "/keywords", contract=CONTRACT)
    async def keywords(self, request: Request) -> Reply:
        counts: dict[str, int] = {}
        for entry in self.trigger_check(request.user).values():
            for keyword in entry.keywords:
                counts[keyword] = counts.get(keyword, 0) + 1
        ordered = sorted(counts.items(), key=lambda item: item[0].casefold())
        return Reply(200, [{"name": name, "recipe_count": count} for name, count in ordered])

    @route("GET", API + "/config", contract=CONTRACT)
    async def get_config(self, request: Request) -> Reply:
        self.trigger_check(request.user)
        config = self.book(request.user).config
        return Reply(200, {**config, "folder": "/" + str(config["folder"]).strip("/")})

    @route("POST", API + "/config", contract=CONTRACT)
    async def set_config(self, request: Request) -> Reply:
        body = request.json()
        data = body if isinstance(body, dict) else {}
        config = self.book(request.user).config
        if "folder" in data:
            config["folder"] = "/" + str(data["folder"]).strip("/")
            self.reindex(request.user)
        if "update_interval" in data:
            config["update_interval"] = _int(str(data["update_interval"]))
        if "print_image" in data:
            config["print_image"] = bool(data["print_image"])
        if isinstance(data.get("visibleInfoBlocks"), dict):
            config["visibleInfoBlocks"] = dict(data["visibleInfoBlocks"])
        self.trigger_check(request.user)
        return Reply(200, "OK")

    @route("GET", "/index.php/apps/cookbook/api/version", contract=CONTRACT)
    async def version(self, request: Request) -> Reply:
        """UtilApiController::getApiVersion: the app's release and the API version (no user state)."""
        return Reply(200, {"cookbook_version": list(VERSION), "api_version": dict(API_VERSION)})

    @route("POST", API + "/reindex", contract=CONTRACT)
    async def reindex_route(self, request: Request) -> Reply:
        self.reindex(request.user)
        return Reply(200, "Search index rebuilt successfully")


def _int(raw: str) -> int:
    """PHP's `(int)` of a route parameter declared `@param int`."""
    match = re.match(r"\s*-?\d+", raw)
    return int(match.group()) if match else 0


def _exception(status: int, message: str) -> Failure:
    """Cookbook's JSON for a caught exception: `{"msg", "file", "line"}`."""
    return Failure(status, message, {"msg": message, "file": SOURCE, "line": 223})


# -- contract samples ------------------------------------------------------------------
def _app(context: Any) -> CookbookApp:
    app: CookbookApp = context.app
    return app


def _alice_recipes(context: Any) -> dict[str, str]:
    """Two recipes of alice's (one in a category, one without) and one of bob's."""
    app, tag = _app(context), uuid.uuid4().hex[:8]
    alice, bob = context.users["alice"], context.users["bob"]
    soup = {"name": f"Soup {tag}", "recipeCategory": f"Dinner {tag}", "keywords": f"warm,k{tag}",
            "recipeIngredient": ["1 l water"], "recipeInstructions": ["Boil"], "recipeYield": 2}  # fmt: skip
    soup_id = app.save(alice, soup)
    bread = app.save(alice, {"name": f"Bread {tag}", "keywords": f"k{tag}", "recipeYield": 1})
    bobs = app.save(bob, {"name": f"Bob's {tag}", "recipeYield": 1})
    return {"tag": tag, "soup": str(soup_id), "bread": str(bread), "bobs": str(bobs)}


JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
"""The start and end of a JPEG: what the stand-in keeps and serves as a recipe's picture."""


def _with_image(context: Any) -> dict[str, str]:
    names = _alice_recipes(context)
    pictured = _app(context).save(
        context.users["alice"], {"name": f"Pictured {names['tag']}", "image": "https://example.org/p.jpg"}, image=JPEG
    )
    return {**names, "pictured": str(pictured)}


def _page(context: Any) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    recipe = {"name": f"Imported {tag}", "recipeYield": "4 servings", "recipeIngredient": ["2 eggs"],
              "recipeInstructions": [{"@type": "HowToStep", "text": "Whisk"}],
              "keywords": ["quick", "eggs"]}  # fmt: skip
    site = recipe_site()
    return {
        "url": site.publish(recipe_page(recipe, graph=True)),
        "empty": site.publish("<html><body>No recipe here</body></html>"),
        "taken": site.publish(recipe_page({"name": f"Soup {tag}", "recipeYield": 1})),
        "tag": tag,
    }


def _page_and_taken(context: Any) -> dict[str, str]:
    names = _page(context)
    _app(context).save(context.users["alice"], {"name": f"Soup {names['tag']}"})
    return names


RECIPE = {"name": "Chips {tag}", "description": "Quick", "recipeIngredient": ["1 pack of chips"], "recipeYield": 2}
SAMPLES = [
    Sample("GET", API + "/recipes", 200, setup=_alice_recipes),
    Sample("POST", API + "/recipes", 200, json=RECIPE, setup=_alice_recipes),
    Sample("POST", API + "/recipes", 409, json={"name": "Soup {tag}"}, setup=_alice_recipes, note="name taken"),
    Sample("POST", API + "/recipes", 422, json={"description": "no name"}),
    Sample("GET", API + "/recipes/{soup}", 200, setup=_alice_recipes),
    Sample("GET", API + "/recipes/{bobs}", 404, setup=_alice_recipes, note="another user's"),
    Sample("GET", API + "/recipes/999999999", 404),
    Sample(
        "PUT",
        API + "/recipes/{soup}",
        200,
        json={"id": "{soup}", "name": "Soup {tag} v2", "recipeYield": 3},
        setup=_alice_recipes,
    ),
    Sample("PUT", API + "/recipes/{soup}", 422, json={"id": "{soup}", "name": ""}, setup=_alice_recipes),
    Sample("GET", API + "/recipes/{pictured}/image", 200, query={"size": "thumb"}, setup=_with_image),
    Sample("GET", API + "/recipes/{soup}/image", 406, setup=_alice_recipes, note="no image, SVG not accepted"),
    Sample("DELETE", API + "/recipes/{bread}", 200, setup=_alice_recipes),
    Sample("DELETE", API + "/recipes/999999999", 200, note="Cookbook: success for an unknown id too"),
    Sample("POST", API + "/import", 200, json={"url": "{url}"}, setup=_page),
    Sample("POST", API + "/import", 400, json={}, note='Field "url" is required'),
    Sample("POST", API + "/import", 400, json={"url": "{empty}"}, setup=_page, note="no recipe on the page"),
    Sample("POST", API + "/import", 409, json={"url": "{taken}"}, setup=_page_and_taken),
    Sample("GET", API + "/search/warm", 200, setup=_alice_recipes),
    Sample("GET", API + "/category/Dinner%20{tag}", 200, setup=_alice_recipes),
    Sample("GET", API + "/category/_", 200, setup=_alice_recipes),
    Sample("PUT", API + "/category/Dinner%20{tag}", 200, json={"name": "Supper {tag}"}, setup=_alice_recipes),
    Sample("PUT", API + "/category/Dinner%20{tag}", 400, json={}, setup=_alice_recipes),
    Sample("GET", API + "/tags/warm,k{tag}", 200, setup=_alice_recipes),
    Sample("GET", API + "/categories", 200, setup=_alice_recipes),
    Sample("GET", API + "/keywords", 200, setup=_alice_recipes),
    Sample("GET", API + "/config", 200),
    Sample("GET", "/index.php/apps/cookbook/api/version", 200),
    Sample("POST", API + "/config", 200, json={"update_interval": 10, "print_image": False}),
    Sample("POST", API + "/reindex", 200, setup=_alice_recipes),
]
