"""OAuth benchmarks (issue 4): verified requests per second for a JWT (cached JWKS) and for
an opaque token (cached introspection), and the latency the bearer gate adds to a tool call.

`measure_oauth()` returns `bench.measure.Row`s for bench/run.py; `python -m bench.oauth_bench`
prints them. Everything runs in-process: the identity provider is an httpx.MockTransport
serving a discovery document, a JWKS with a 2048-bit RSA key and an introspection answer
(after the first request both caches are warm, which is what is measured), and the added
latency compares the same `tools/call` request through `BearerGate` and without it.
"""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
import httpx

from bench.measure import Row, verdict

ISSUER = "https://idp.bench"
RESOURCE = "https://mcp.bench/mcp"
TARGET_ADDED_MS = 0.5


def _parts() -> tuple[Any, Any, str]:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    from nextcloud_mcp_server.auth.provider import IdentityProvider
    from nextcloud_mcp_server.auth.verifier import TokenVerifier
    from nextcloud_mcp_server.config import Settings

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": "k1", "alg": "RS256", "use": "sig"}
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "alice", "aud": RESOURCE, "exp": now + 3600, "scope": "notes.read notes.write"}

    def idp(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("openid-configuration"):
            doc = {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks", "introspection_endpoint": f"{ISSUER}/introspect"}
            return httpx.Response(200, json=doc)
        if request.url.path == "/jwks":
            return httpx.Response(200, json={"keys": [jwk]})
        return httpx.Response(200, json={"active": True, **claims})

    settings = Settings(
        oidc_discovery_url=f"{ISSUER}/.well-known/openid-configuration",
        public_url="https://mcp.bench",
        nextcloud_oidc_client_id="bench",
        nextcloud_oidc_client_secret="bench-secret",
    )
    verifier = TokenVerifier(settings, IdentityProvider(settings, transport=httpx.MockTransport(idp)))
    return settings, verifier, jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


async def _rate(verify: Any, token: str, seconds: float) -> float:
    await verify(token)  # warm the caches
    count = 0
    began = time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        for _ in range(50):
            await verify(token)
        count += 50
    return count / elapsed


async def _added_latency(settings: Any, verifier: Any, token: str, requests: int) -> tuple[float, float]:
    """Median seconds per tools/call request without and with the gate (same downstream app)."""
    from nextcloud_mcp_server.auth.resource import BearerGate
    from nextcloud_mcp_server.registry import Registry, Toolset

    registry = Registry()
    registry.declare(Toolset("notes", "Notes", "Notes."))
    registry.add_tool("nc_notes_get_note", scope="notes.read", read_only=True)

    async def downstream(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})

    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "nc_notes_get_note"}}
    results = []
    for app, headers in (
        (downstream, {}),
        (BearerGate(downstream, settings, verifier, registry), {"Authorization": f"Bearer {token}"}),
    ):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mcp.bench") as http:
            timings = []
            for _ in range(requests):
                began = time.perf_counter()
                response = await http.post("/mcp", json=body, headers=headers)
                timings.append(time.perf_counter() - began)
                assert response.status_code == 200, response.status_code
        timings.sort()
        results.append(timings[len(timings) // 2])
    return results[0], results[1]


async def _measure(seconds: float, requests: int) -> list[Row]:
    settings, verifier, token = _parts()
    jwt_rate = await _rate(verifier.verify, token, seconds)
    opaque_rate = await _rate(verifier.verify, "opaque-bench-token", seconds)
    plain, gated = await _added_latency(settings, verifier, token, requests)
    added_ms = (gated - plain) * 1000
    return [
        Row("OAuth: verified JWT requests/s (RS256, cached JWKS)", f"{jwt_rate:,.0f}/s", "-", "met"),
        Row("OAuth: verified opaque-token requests/s (cached introspection)", f"{opaque_rate:,.0f}/s", "-", "met"),
        Row(
            "OAuth: latency the bearer gate adds to a tools/call (median, in-process)",
            f"{added_ms:.3f} ms",
            f"< {TARGET_ADDED_MS} ms",
            verdict(added_ms < TARGET_ADDED_MS),
            f"{plain * 1000:.3f} ms without the gate, {gated * 1000:.3f} ms with it",
        ),
    ]


def measure_oauth(seconds: float = 2.0, requests: int = 2000) -> list[Row]:
    """The OAuth rows of the results table."""
    return anyio.run(_measure, seconds, requests)


if __name__ == "__main__":
    for row in measure_oauth():
        print(f"{row.measure}: {row.figure} (target {row.target}: {row.verdict}) {row.note}")
