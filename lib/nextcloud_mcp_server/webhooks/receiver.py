"""`POST /webhooks/nextcloud`: authenticate, store in the inbox, then answer.

Why store first: Nextcloud's webhook_listeners gives a delivery 3 s and does not redeliver an
event it got a 200 for, so a 200 is a promise that the event is safe on disk. Processing
happens later, from the inbox (see processor.py); this handler only wakes the processor.

Standalone authentication is a shared secret in the `X-Webhook-Secret` header (the
registration's `authMethod: header` makes Nextcloud send it), compared in constant time.
Without WEBHOOK_SECRET the route is not mounted at all. Nextcloud sends the JSON body
without a Content-Type header, so none is required.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from nextcloud_mcp_server.webhooks.events import MalformedDelivery, dedupe_key, owner_of, parse_delivery

if TYPE_CHECKING:
    from pydantic import SecretStr

    from nextcloud_mcp_server.store import Store

log = logging.getLogger(__name__)

PATH = "/webhooks/nextcloud"
SECRET_HEADER = "X-Webhook-Secret"  # noqa: S105 (a header name)
MAX_BODY_BYTES = 1024 * 1024


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def routes(secret: SecretStr, store: Callable[[], Store | None], stored: Callable[[int], None]) -> list[Route]:
    """The receiver route. `store()` is the open Store (None before start-up); `stored(id)` wakes processing."""
    expected = secret.get_secret_value().encode("utf-8")

    async def receive(request: Request) -> JSONResponse:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            return _error(401, f"missing or wrong {SECRET_HEADER} header")
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return _error(413, f"the body is over {MAX_BODY_BYTES} bytes")
        try:
            body = await request.body()
        except ClientDisconnect:
            return _error(400, "the body was not received completely")
        if len(body) > MAX_BODY_BYTES:
            return _error(413, f"the body is over {MAX_BODY_BYTES} bytes")
        try:
            envelope = parse_delivery(body)
        except MalformedDelivery as exc:
            return _error(400, f"not a webhook_listeners delivery: {exc}")
        inbox_store = store()
        if inbox_store is None:
            return _error(503, "the server is starting; retry")
        from nextcloud_mcp_server.store import StoreError

        try:
            event_class = envelope["event"]["class"]
            owner = owner_of(event_class, envelope)
            event_id = await inbox_store.inbox.add(dedupe_key(envelope), event_class, envelope, owner=owner)
        except StoreError as exc:
            log.error("A webhook delivery could not be stored: %s", exc)
            return _error(503, "the event could not be stored; retry")
        if event_id is None:
            return JSONResponse({"status": "duplicate"})
        stored(event_id)
        return JSONResponse({"status": "stored", "id": event_id})

    return [Route(PATH, receive, methods=["POST"])]
