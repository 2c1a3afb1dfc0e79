"""The kit an emulated Nextcloud app is built on: one module per app in `tests/standin/apps/`.

Why a kit: a dozen apps are emulated (sharing, deck, tables, talk, ...), and each must behave as
Nextcloud does in the same ways: the OCS envelope of the API version asked for (v1 or v2), the
`OCS-APIRequest` CSRF check on OCS routes, 404 for an app the user may not use, 405 for a path
served with another method, capabilities contributed by the app, and every route traceable to
the contract it follows. An app module declares only what is its own:

    class DeckApp(EmulatedApp):
        app_id = "deck"
        prefixes = ("/index.php/apps/deck/", "/ocs/v2.php/apps/deck/")

        def capabilities(self, user: User | None) -> dict[str, Any]:  # None: an anonymous request
            return {"deck": {"version": "1.14.0", "canCreateBoards": True}}

        @route("GET", "/index.php/apps/deck/api/v1.0/boards", contract="apps/deck-API.md")
        async def boards(self, request: Request) -> Reply:
            return Reply(200, [board.json() for board in self.boards_of(request.user)])

Route templates are the full paths a client calls, as the contract writes them
(`/ocs/v2.php/apps/<app>/...`, `/index.php/apps/<app>/...`), with `{name}` for a path segment
(handed to the handler as `request.params[name]`). An OCS route answers on `/ocs/v1.php` too (with
v1's envelope), an `/index.php/apps/` route on `/apps/` too (Nextcloud with pretty URLs).
A handler returns a `Reply` or raises `Failure(status, message)`; both are enveloped here.

The stand-in mounts every `EmulatedApp` subclass found in `tests/standin/apps/` (core.py), so
adding an app touches no central list. Each route names its contract (a file under
`../shared/contracts`); the table-driven contract test (tests/integration/test_app_contracts.py)
calls every route through its `SAMPLES` and fails when a route has none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode

from tests.standin.core import Receive, Scope, Send, User, header, read_body, send_json, send_response
from tests.standin.ocs import envelope

ROUTE = "__standin_route__"
OCS_V1, OCS_V2 = "/ocs/v1.php/", "/ocs/v2.php/"


class Failure(Exception):
    """An error answer: `status` with `message` (in the OCS meta, or as `{"message": ...}` elsewhere).

    `data` replaces the body's data where an app sends more than a message (Deck's 400 bodies,
    Notes' current note with a 412). On an app with `dav = True` the answer is Sabre's XML error."""

    def __init__(self, status: int, message: str, data: Any = None, *, ocs_status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.data = data
        self.ocs_status = ocs_status
        """The OCS `meta.statuscode` where it differs from the HTTP status (v2: HTTP 400 with 102,
        "user already exists"; v1: HTTP 200 with it)."""


@dataclass
class Reply:
    """A success answer: `data` is the OCS `data` (OCS routes) or the JSON body (other routes).

    `raw`: bytes sent as they are (a preview image, a CSV export), with `headers` giving the type."""

    status: int = 200
    data: Any = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw: bytes | None = None


@dataclass
class Request:
    """What a handler gets: the caller, the path parameters, the query and the body."""

    scope: Scope
    user: User
    params: dict[str, str]
    query: dict[str, str]
    body: bytes
    ocs_version: int | None
    """1 or 2 on an OCS route, None elsewhere."""
    query_pairs: list[tuple[str, str]] = field(default_factory=list)
    """Every query parameter in order, repeated keys included (`shareType[]=0&shareType[]=1`)."""

    def query_list(self, name: str) -> list[str]:
        """All values of a repeated query parameter, given as `name[]=` (PHP's style) or `name=`."""
        return [value for key, value in self.query_pairs if key in (name, f"{name}[]")]

    @property
    def method(self) -> str:
        return str(self.scope["method"])

    def header(self, name: str) -> str | None:
        return header(self.scope, name)

    def json(self) -> Any:
        """The JSON body ({} when empty); a body that is not JSON is Nextcloud's 400."""
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise Failure(400, "The request body is not valid JSON") from None

    def args(self) -> dict[str, Any]:
        """A controller's parameters, as Nextcloud reads them: query, then a form or JSON body.

        A `multipart/form-data` body gives its plain fields here (`$_POST`), its files in `files()`."""
        found: dict[str, Any] = _form(urlencode(self.query_pairs).encode())
        content_type = (self.header("content-type") or "").lower()
        if "json" in content_type:
            body = self.json()
            if isinstance(body, dict):
                found.update(body)
        elif content_type.startswith("multipart/form-data"):
            found.update(_form(urlencode(self._multipart()[0]).encode()))
        elif self.body:
            found.update(_form(self.body))
        return found

    def files(self) -> dict[str, tuple[str, str, bytes]]:
        """The uploaded files of a `multipart/form-data` body: {field: (file name, content type, bytes)}.

        What `$this->request->getUploadedFile(field)` gives a controller (PHP's `$_FILES`): parts
        with a `filename` in their Content-Disposition; {} for any other body."""
        return self._multipart()[1]

    def _multipart(self) -> tuple[list[tuple[str, str]], dict[str, tuple[str, str, bytes]]]:
        fields: list[tuple[str, str]] = []
        files: dict[str, tuple[str, str, bytes]] = {}
        for part in multipart_parts(self.body, self.header("content-type") or ""):
            if part.filename is None:
                fields.append((part.name, part.data.decode(part.charset or "utf-8", "replace")))
            else:
                files[part.name] = (part.filename, part.content_type, part.data)
        return fields, files


@dataclass(frozen=True)
class Part:
    """One named part of a multipart/form-data body; `filename` None for a plain field."""

    name: str
    filename: str | None
    content_type: str
    charset: str | None
    data: bytes


def multipart_parts(body: bytes, content_type: str) -> list[Part]:
    """The named parts of a `multipart/form-data` body as PHP reads them ([] for any other body)."""
    if not content_type.lower().startswith("multipart/form-data"):
        return []
    from email.parser import BytesParser
    from email.policy import HTTP

    head = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    found: list[Part] = []
    for part in message.iter_parts() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            found.append(Part(name, part.get_filename(), part.get_content_type(), part.get_content_charset(), data))
    return found


def _form(body: bytes) -> dict[str, Any]:
    """An urlencoded body, with PHP's `name[]=a&name[]=b` lists and `name[key]=v` maps."""
    found: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        if key.endswith("[]"):
            found.setdefault(key[:-2], []).append(value)
        elif (match := re.fullmatch(r"([^\[]+)\[([^\]]+)\]", key)) is not None:
            found.setdefault(match.group(1), {})[match.group(2)] = value
        else:
            found[key] = value
    return found


Handler = Callable[[Any, Request], Awaitable[Reply]]


@dataclass(frozen=True)
class Route:
    """One emulated route: method, the path template as the contract writes it, and that contract."""

    method: str
    template: str
    contract: str
    handler: str
    pattern: re.Pattern[str]

    @property
    def ocs(self) -> bool:
        return self.template.startswith(OCS_V2)

    @property
    def specificity(self) -> tuple[int, int]:
        """Literal segments first, as Nextcloud's router prefers `/activity/filters` to `/activity/{filter}`."""
        segments = self.template.split("/")
        return sum(not part.startswith("{") for part in segments), len(segments)


def route(method: str, template: str, *, contract: str) -> Callable[[Handler], Handler]:
    """Declare a handler method of an `EmulatedApp` the answer to `method template`.

    `contract`: the file under ../shared/contracts the route follows (an OpenAPI document, whose
    path `template` must be, or the app's API description)."""

    def declare(fn: Handler) -> Handler:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        setattr(fn, ROUTE, Route(method.upper(), template, contract, fn.__name__, re.compile(regex + "/?")))
        return fn

    return declare


def canonical(path: str) -> tuple[str, int | None]:
    """(the path as route templates write it, its OCS version): v1 OCS and pretty URLs folded."""
    if path.startswith(OCS_V1):
        return OCS_V2 + path[len(OCS_V1) :], 1
    if path.startswith(OCS_V2):
        return path, 2
    if path.startswith("/apps/"):
        return "/index.php" + path, None
    return path, None


class EmulatedApp:
    """Base of an emulated Nextcloud app: routing, envelopes and the CSRF check, from its route table."""

    app_id: ClassVar[str]
    """Nextcloud's app id: the stand-in can disable it per user (its routes then answer 404)."""
    prefixes: ClassVar[tuple[str, ...]]
    """The path prefixes the app owns (both OCS versions and both URL styles are added)."""
    dav: ClassVar[bool] = False
    """A Sabre (WebDAV) app: failures and the kit's 404/405 are Sabre's XML `<d:error>` bodies."""

    def __init__(self, standin: Any) -> None:
        self.standin = standin

    def provision(self, user: User) -> None:
        """What Nextcloud creates for a new user in this app (nothing by default)."""

    @classmethod
    def routes(cls) -> list[Route]:
        found = [getattr(value, ROUTE) for value in vars_of(cls) if hasattr(value, ROUTE)]
        return sorted(found, key=lambda r: (-r.specificity[0], -r.specificity[1], r.template, r.method))

    @classmethod
    def mount_prefixes(cls) -> tuple[str, ...]:
        """`prefixes` with their other OCS version and URL style."""
        extra: list[str] = []
        for prefix in cls.prefixes:
            if prefix.startswith(OCS_V2):
                extra.append(OCS_V1 + prefix[len(OCS_V2) :])
            elif prefix.startswith("/index.php/apps/"):
                extra.append(prefix[len("/index.php") :])
        return tuple(dict.fromkeys([*cls.prefixes, *extra]))

    async def handle(self, scope: Scope, receive: Receive, send: Send, user: User) -> None:
        path, version = canonical(scope["path"])
        body = await read_body(receive)
        matches = [(r, m) for r in self.routes() if (m := r.pattern.fullmatch(path)) is not None]
        try:
            if version is not None and header(scope, "ocs-apirequest") != "true":
                raise Failure(401, "CSRF check failed")  # session-less OCS calls must say they are API calls
            chosen = next(((r, m) for r, m in matches if r.method == scope["method"]), None)
            if chosen is None:
                raise Failure(405 if matches else 404, "Method not allowed" if matches else "Not found")
            found, match = chosen
            pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            request = Request(scope, user, match.groupdict(), dict(pairs), body, version, pairs)
            reply = await getattr(self, found.handler)(request)
        except Failure as failure:
            if self.dav:
                from tests.standin.files import XML, sabre_body

                await send_response(
                    send, failure.status, sabre_body(failure.status, failure.message), [("Content-Type", XML)]
                )
                return
            await self._send(
                send, version, failure.status, failure.data, failure.message, ocs_status=failure.ocs_status
            )
            return
        if reply.raw is not None:
            await send_response(send, reply.status, reply.raw, reply.headers)
        elif reply.status in (204, 304) and reply.data is None:
            await send_response(send, reply.status, b"", reply.headers)
        else:
            await self._send(send, version, reply.status, reply.data, "", reply.headers)

    @staticmethod
    async def _send(
        send: Send,
        version: int | None,
        status: int,
        data: Any,
        message: str,
        headers: list[tuple[str, str]] | None = None,
        *,
        ocs_status: int | None = None,
    ) -> None:
        if version is None:
            ok = 200 <= status < 300
            body = data if ok or data is not None else {"message": message, "status": status}
            await send_json(send, status, body, headers)
            return
        http_status, document = envelope(version, status, data, message)
        if ocs_status is not None:
            document["ocs"]["meta"]["statuscode"] = ocs_status
        if not 200 <= status < 300 and data is not None:
            document["ocs"]["data"] = data
        await send_json(send, http_status, document, headers)


def vars_of(cls: type) -> list[Any]:
    """Attributes of `cls` and its bases (a subclass's handler replaces its base's of the same name)."""
    seen: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        seen.update(vars(klass))
    return list(seen.values())


@dataclass(frozen=True)
class Sample:
    """One call of a route for the contract test: who calls, with what, and the status it must get.

    `setup` runs first against the stand-in (create what the call needs) and returns values that
    fill `{name}` placeholders in `path`, `headers`, `content` and string values of `json`/`form`."""

    method: str
    path: str
    status: int = 200
    user: str = "alice"
    json: Any = None
    form: dict[str, Any] | None = None
    query: dict[str, str] | None = None
    setup: Callable[[Any], dict[str, str]] | None = None
    note: str = ""
    headers: dict[str, str] | None = None
    """Request headers beyond the OCS ones (a MOVE's `Destination`), filled like the path."""
    content: str | None = None
    """A raw body (a PROPFIND's XML), filled like the path."""
    files: dict[str, tuple[str, bytes, str]] | None = None
    """Files sent as a `multipart/form-data` body, {field: (file name, bytes, content type)}, with
    `form`'s fields beside them (filled like the path)."""
