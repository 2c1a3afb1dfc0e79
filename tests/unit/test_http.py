"""The outbound client factory: user agent, TLS policy, and retries that are safe.

Retries are counted with httpx.MockTransport; waits are recorded by the `sleep` the
RetryTransport is given, so nothing here really sleeps.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
import trustme

from nextcloud_mcp_server import PRODUCT, __version__
from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import MAX_RETRY_AFTER, USER_AGENT, RetryTransport, make_client, tls_verify

pytestmark = pytest.mark.anyio

Handler = Callable[[httpx.Request], httpx.Response]


def settings(**values: object) -> Settings:
    return Settings(nextcloud_url="https://nc.example", nextcloud_retry_backoff=0, **values)


class Counter:
    """A MockTransport handler answering from a script, counting the attempts."""

    def __init__(self, *answers: int | Exception, headers: dict[str, str] | None = None) -> None:
        self.answers = list(answers)
        self.headers = headers or {}
        self.attempts = 0
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = self.answers[min(self.attempts, len(self.answers) - 1)]
        self.attempts += 1
        if isinstance(answer, Exception):
            raise type(answer)(str(answer), request=request)  # type: ignore[call-arg]
        return httpx.Response(answer, headers=self.headers, content=b"body")


def client_for(handler: Handler, **values: object) -> httpx.AsyncClient:
    return make_client(settings(**values), base_url="https://nc.example", transport=httpx.MockTransport(handler))


class Recorder:
    """A `sleep` for RetryTransport that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def recording_client(handler: Handler, retries: int = 3, backoff: float = 0.25) -> tuple[httpx.AsyncClient, Recorder]:
    recorder = Recorder()
    transport = RetryTransport(httpx.MockTransport(handler), retries=retries, backoff=backoff, sleep=recorder)
    return httpx.AsyncClient(base_url="https://nc.example", transport=transport), recorder


async def test_the_user_agent_names_the_product_and_its_version() -> None:
    counter = Counter(200)
    async with client_for(counter) as client:
        await client.get("/status.php")
    assert counter.seen[0].headers["User-Agent"] == f"{PRODUCT}/{__version__}"
    assert counter.seen[0].headers["User-Agent"] == USER_AGENT


async def test_the_client_never_follows_redirects_and_uses_the_configured_timeout() -> None:
    async with client_for(Counter(302), nextcloud_timeout=7.5) as client:
        response = await client.get("/index.php")
        assert response.status_code == 302
        assert client.timeout.read == 7.5
        assert client.timeout.connect == 7.5


@pytest.mark.parametrize("status", [423, 429, 502, 503, 504])
async def test_a_get_is_retried_on_each_transient_status_until_it_succeeds(status: int) -> None:
    counter = Counter(status, status, 200)
    async with client_for(counter) as client:
        response = await client.get("/remote.php/dav/files/u/")
    assert response.status_code == 200
    assert counter.attempts == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412, 500, 507])
async def test_a_status_that_retrying_cannot_fix_is_returned_at_once(status: int) -> None:
    counter = Counter(status, 200)
    async with client_for(counter) as client:
        response = await client.get("/x")
    assert response.status_code == status
    assert counter.attempts == 1


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PROPFIND", "REPORT", "SEARCH", "HEAD", "OPTIONS"])
async def test_every_idempotent_method_with_a_replayable_body_is_retried(method: str) -> None:
    counter = Counter(503, 201)
    async with client_for(counter) as client:
        response = await client.request(method, "/remote.php/dav/files/u/a.txt", content=b"same bytes")
    assert response.status_code == 201
    assert counter.attempts == 2
    assert [r.content for r in counter.seen] == [b"same bytes", b"same bytes"]


@pytest.mark.parametrize("method", ["POST", "PATCH", "MKCOL", "MOVE", "COPY"])
async def test_a_non_idempotent_request_is_never_retried(method: str) -> None:
    counter = Counter(503, 201)
    async with client_for(counter) as client:
        response = await client.request(method, "/index.php/apps/notes/api/v1/notes", content=b"{}")
    assert response.status_code == 503
    assert counter.attempts == 1


async def test_a_post_is_not_retried_after_a_connection_failure() -> None:
    counter = Counter(httpx.ConnectError("refused"), 200)
    async with client_for(counter) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post("/ocs/v2.php/x", content=b"{}")
    assert counter.attempts == 1


async def test_a_streamed_body_is_never_retried_because_it_cannot_be_replayed() -> None:
    counter = Counter(503, 201)

    async def body() -> AsyncIterator[bytes]:
        yield b"chunk-1"
        yield b"chunk-2"

    async with client_for(counter) as client:
        response = await client.put("/remote.php/dav/files/u/big.bin", content=body())
    assert response.status_code == 503
    assert counter.attempts == 1


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow")])
async def test_a_get_is_retried_after_a_connection_failure(failure: Exception) -> None:
    counter = Counter(failure, failure, 200)
    async with client_for(counter) as client:
        response = await client.get("/status.php")
    assert response.status_code == 200
    assert counter.attempts == 3


async def test_a_certificate_failure_is_not_retried_because_it_is_permanent() -> None:
    attempts = 0

    def refuse(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        cause = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
        raise httpx.ConnectError(str(cause), request=request) from cause

    async with client_for(refuse) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/status.php")
    assert attempts == 1


async def test_retries_stop_after_the_configured_number_and_the_last_answer_is_returned() -> None:
    counter = Counter(503)
    async with client_for(counter, nextcloud_retries=2) as client:
        response = await client.get("/x")
    assert response.status_code == 503
    assert counter.attempts == 3


async def test_a_connection_failure_is_raised_once_retries_are_used_up() -> None:
    counter = Counter(httpx.ConnectError("refused"))
    async with client_for(counter, nextcloud_retries=1) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/x")
    assert counter.attempts == 2


async def test_zero_retries_means_one_attempt() -> None:
    counter = Counter(503, 200)
    async with client_for(counter, nextcloud_retries=0) as client:
        assert (await client.get("/x")).status_code == 503
    assert counter.attempts == 1


async def test_backoff_doubles_from_the_base_with_jitter() -> None:
    client, recorder = recording_client(Counter(503, 503, 503, 200), retries=3, backoff=0.1)
    async with client:
        assert (await client.get("/x")).status_code == 200
    assert len(recorder.delays) == 3
    for attempt, delay in enumerate(recorder.delays, start=1):
        base = 0.1 * 2 ** (attempt - 1)
        assert 0.5 * base <= delay < 1.5 * base


async def test_retry_after_in_seconds_is_honoured() -> None:
    client, recorder = recording_client(Counter(429, 200, headers={"Retry-After": "2"}))
    async with client:
        assert (await client.get("/x")).status_code == 200
    assert recorder.delays == [2.0]


async def test_a_long_retry_after_is_bounded() -> None:
    client, recorder = recording_client(Counter(503, 200, headers={"Retry-After": "3600"}))
    async with client:
        await client.get("/x")
    assert recorder.delays == [MAX_RETRY_AFTER]


async def test_retry_after_as_an_http_date_is_honoured() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    client, recorder = recording_client(Counter(503, 200, headers={"Retry-After": when}))
    async with client:
        await client.get("/x")
    assert len(recorder.delays) == 1
    assert 3.0 <= recorder.delays[0] <= 5.0


async def test_an_unreadable_retry_after_falls_back_to_backoff() -> None:
    client, recorder = recording_client(Counter(503, 200, headers={"Retry-After": "soonish"}), backoff=0.01)
    async with client:
        await client.get("/x")
    assert len(recorder.delays) == 1
    assert 0.005 <= recorder.delays[0] < 0.015


def test_verification_is_on_by_default_with_hostname_checks() -> None:
    verify = tls_verify(settings())
    assert isinstance(verify, ssl.SSLContext)
    assert verify.verify_mode == ssl.CERT_REQUIRED
    assert verify.check_hostname is True


def test_a_ca_bundle_is_loaded_into_the_context(tmp_path: Path) -> None:
    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    verify = tls_verify(settings(nextcloud_ca_bundle=bundle))
    assert isinstance(verify, ssl.SSLContext)
    subjects = [cert.get("subject") for cert in verify.get_ca_certs()]
    assert any("Testing CA" in str(subject) for subject in subjects)


def test_turning_verification_off_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="nextcloud_mcp_server.http"):
        assert tls_verify(settings(nextcloud_verify_ssl=False)) is False
    assert any("NEXTCLOUD_VERIFY_SSL=false" in record.getMessage() for record in caplog.records)
