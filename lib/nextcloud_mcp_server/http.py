"""The only factory of outbound httpx clients.

Why one place: TLS verification, the CA bundle, timeouts, pool limits, retries and the
user agent must apply to every call that reaches Nextcloud (and, later, its identity
provider). A test counts `httpx.AsyncClient(` outside this module and expects none.
"""

from __future__ import annotations

import logging
import random
import ssl
from collections.abc import Awaitable, Callable, Iterable
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import anyio
import httpx

from nextcloud_mcp_server import PRODUCT, __version__

if TYPE_CHECKING:
    from nextcloud_mcp_server.config import Settings

log = logging.getLogger(__name__)

USER_AGENT = f"{PRODUCT}/{__version__}"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PROPFIND", "REPORT", "SEARCH", "TRACE"})
RETRY_STATUSES = frozenset({423, 429, 502, 503, 504})
MAX_RETRY_AFTER = 10.0


class RetryTransport(httpx.AsyncBaseTransport):
    """Retry idempotent requests on transient statuses and connection failures, with jittered backoff.

    A request whose body is a stream is never retried: it cannot be replayed. `sleep` is
    how the transport waits between attempts (tests pass one that records the delays).
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        retries: int,
        backoff: float = 0.25,
        *,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self._inner = inner
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep or anyio.sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        replayable = request.method in IDEMPOTENT_METHODS and _body_is_replayable(request)
        attempt = 0
        while True:
            try:
                response = await self._inner.handle_async_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
                if not replayable or attempt >= self._retries or is_certificate_failure(exc):
                    raise
                attempt += 1
                await self._sleep(self._delay(attempt, None))
                continue
            if response.status_code not in RETRY_STATUSES or not replayable or attempt >= self._retries:
                return response
            attempt += 1
            delay = self._delay(attempt, response.headers.get("Retry-After"))
            await response.aclose()
            log.info(
                "Nextcloud answered %s to %s; retry %d in %.2fs", response.status_code, request.method, attempt, delay
            )
            await self._sleep(delay)

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        hinted = _parse_retry_after(retry_after)
        if hinted is not None:
            return float(min(hinted, MAX_RETRY_AFTER))
        return float(self._backoff * (2 ** (attempt - 1)) * (0.5 + random.random()))  # noqa: S311 - jitter, not crypto

    async def aclose(self) -> None:
        await self._inner.aclose()


def is_certificate_failure(exc: BaseException) -> bool:
    """True when the cause chain holds a TLS certificate verification error (retrying cannot help)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _body_is_replayable(request: httpx.Request) -> bool:
    return isinstance(request.stream, httpx.ByteStream)


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    import datetime as dt

    if when.tzinfo is None:  # obsolete date formats carry no zone; HTTP dates are in GMT
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def tls_verify(settings: Settings) -> ssl.SSLContext | bool:
    """What `verify=` must be for Nextcloud-bound calls: a context with the CA bundle, or False."""
    if not settings.nextcloud_verify_ssl:
        log.warning("NEXTCLOUD_VERIFY_SSL=false: TLS certificates of Nextcloud are NOT verified")
        return False
    context = ssl.create_default_context()
    if settings.nextcloud_ca_bundle is not None:
        context.load_verify_locations(cafile=str(settings.nextcloud_ca_bundle))
    return context


def make_client(
    settings: Settings,
    *,
    base_url: str = "",
    auth: httpx.Auth | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> httpx.AsyncClient:
    """An AsyncClient for Nextcloud-bound calls, with every outbound policy applied."""
    timeout = httpx.Timeout(settings.nextcloud_timeout, connect=min(10.0, settings.nextcloud_timeout))
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=20, keepalive_expiry=30.0)
    inner = transport or httpx.AsyncHTTPTransport(verify=tls_verify(settings), limits=limits, http2=False)
    return httpx.AsyncClient(
        base_url=base_url,
        auth=auth,
        transport=RetryTransport(inner, retries=settings.nextcloud_retries, backoff=settings.nextcloud_retry_backoff),
        timeout=timeout,
        headers=[("User-Agent", USER_AGENT), *headers],
        follow_redirects=False,
    )
