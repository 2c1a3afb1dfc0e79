"""The stand-in behind TLS with a private CA (trustme): Nextcloud-bound calls are refused
without NEXTCLOUD_CA_BUNDLE, with a message about certificate verification, and work
with the bundle, or with verification off (which logs a warning)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import UntrustedCertificate
from tests.standin import StandIn, serve_in_thread

pytestmark = pytest.mark.anyio

USER = "tlsuser"
PASSWORD = "tls-app-password"


@dataclass
class TlsStandIn:
    url: str
    ca_bundle: Path


@pytest.fixture(scope="module")
def tls_standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsStandIn]:
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile, bundle = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    cert.private_key_pem.write_to_path(str(keyfile))
    for blob in cert.cert_chain_pems:
        blob.write_to_path(str(certfile), append=True)
    ca.cert_pem.write_to_path(str(bundle))
    app = StandIn(folder / "data")
    app.add_user(USER, PASSWORD)
    with serve_in_thread(app, ssl_certfile=str(certfile), ssl_keyfile=str(keyfile)) as url:
        yield TlsStandIn(url, bundle)


def settings_for(standin: TlsStandIn, **values: Any) -> Settings:
    return Settings(
        nextcloud_url=standin.url, nextcloud_username=USER, nextcloud_password=PASSWORD, **values
    ).check_for_serving()


async def capabilities(settings: Settings) -> dict[str, Any]:
    client = NextcloudClient.with_app_password(settings)
    try:
        return await client.ocs.capabilities()
    finally:
        await client.aclose()


async def test_the_stand_in_is_served_over_https(tls_standin: TlsStandIn) -> None:
    assert tls_standin.url.startswith("https://127.0.0.1:")


async def test_without_the_ca_bundle_the_call_is_refused_naming_certificate_verification(
    tls_standin: TlsStandIn,
) -> None:
    with pytest.raises(UntrustedCertificate) as err:
        await capabilities(settings_for(tls_standin))
    message = str(err.value)
    assert message.startswith(f"cannot reach Nextcloud at {tls_standin.url}: certificate verification failed")
    assert "NEXTCLOUD_CA_BUNDLE" in message
    assert PASSWORD not in message


async def test_with_the_ca_bundle_the_capabilities_are_read(tls_standin: TlsStandIn) -> None:
    data = await capabilities(settings_for(tls_standin, nextcloud_ca_bundle=tls_standin.ca_bundle))
    assert data["version"]["string"] == "31.0.9"


async def test_with_verification_off_the_call_works_and_a_warning_is_logged(
    tls_standin: TlsStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="nextcloud_mcp_server.http"):
        data = await capabilities(settings_for(tls_standin, nextcloud_verify_ssl=False))
    assert data["version"]["string"] == "31.0.9"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "NOT verified" in r.getMessage()]
    assert len(warnings) == 1


async def test_the_readiness_check_reports_the_certificate_problem(tls_standin: TlsStandIn) -> None:
    from nextcloud_mcp_server.app import check_nextcloud
    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess

    refused = AppPasswordAccess(settings_for(tls_standin))
    trusted = AppPasswordAccess(settings_for(tls_standin, nextcloud_ca_bundle=tls_standin.ca_bundle))
    try:
        ok, detail = await check_nextcloud(refused)
        assert ok is False
        assert "certificate verification failed" in detail
        ok, detail = await check_nextcloud(trusted)
        assert ok is True
        assert detail == f"Nextcloud 31.0.9 at {tls_standin.url}"
    finally:
        await refused.aclose()
        await trusted.aclose()
