"""Flow 2 routes: `/oauth/authorize-nextcloud` starts a user's consent, `/oauth/callback` ends it.

Why this shape: the server is an OAuth client of Nextcloud's identity provider. The user
is known either by their Flow-1 bearer token or by a short-lived, single-use link the
server handed out (so a browser need not carry the token). Everything between the
redirect and the callback — PKCE verifier, nonce, user — lives in the store's sessions
(single use, expiring), so any replica can handle the callback. The one callback URL has
no query of its own; the flow is looked up from the stored `state`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import logging
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from nextcloud_mcp_server.auth.errors import AuthError, InvalidToken
from nextcloud_mcp_server.store.errors import SessionExpired, StoreError

if TYPE_CHECKING:
    from nextcloud_mcp_server.auth.broker import TokenBroker
    from nextcloud_mcp_server.auth.provider import IdentityProvider
    from nextcloud_mcp_server.auth.verifier import TokenVerifier
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.registry import Registry

log = logging.getLogger(__name__)

AUTHORIZE_PATH = "/oauth/authorize-nextcloud"
CALLBACK_PATH = "/oauth/callback"
FLOW = "nextcloud"
LINK_FLOW = "nextcloud-link"
LINK_TTL = timedelta(minutes=10)
STATE_TTL = timedelta(minutes=10)


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) as RFC 7636 defines them."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def page(title: str, text: str, status: int = 200) -> HTMLResponse:
    """A plain HTML page; everything shown is escaped (it may echo the provider's words)."""
    title, text = html.escape(title), html.escape(text)
    body = f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
    body += f"<body><h1>{title}</h1><p>{text}</p></body></html>"
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


class Provisioning:
    """Starts and completes a user's grant of Nextcloud access to this server."""

    def __init__(
        self,
        settings: Settings,
        provider: IdentityProvider,
        verifier: TokenVerifier,
        broker: TokenBroker,
        registry: Registry,
    ) -> None:
        assert settings.public_url is not None
        self._settings = settings
        self._registry = registry
        self._provider = provider
        self._verifier = verifier
        self.broker = broker
        base = settings.public_url.rstrip("/")
        self.authorize_url = base + AUTHORIZE_PATH
        self.callback_url = base + CALLBACK_PATH

    def scopes(self) -> list[str]:
        """What the server asks the provider for: sign-in, a refresh token, and its tools' scopes."""
        return ["openid", "offline_access", *self._registry.scopes()]

    async def link_for(self, user: str) -> str:
        """A single-use link (valid LINK_TTL) that starts consent for `user` without a bearer token."""
        ticket = secrets.token_urlsafe(32)
        await self.broker.store().sessions.create(
            ticket, flow=LINK_FLOW, code_verifier="", redirect_uri="", ttl=LINK_TTL, user_id=user
        )
        return f"{self.authorize_url}?{urlencode({'ticket': ticket})}"

    def routes(self) -> list[Route]:
        return [
            Route(AUTHORIZE_PATH, self.authorize, methods=["GET"]),
            Route(CALLBACK_PATH, self.callback, methods=["GET"]),
        ]

    async def _user_of(self, request: Request) -> str | None:
        ticket = request.query_params.get("ticket")
        if ticket:
            try:
                session = await self.broker.store().sessions.consume(ticket)
            except SessionExpired:
                return None
            return session.user_id if session is not None and session.flow == LINK_FLOW else None
        kind, _, token = request.headers.get("authorization", "").partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            return None
        try:
            return (await self._verifier.verify(token.strip())).user
        except InvalidToken:
            return None

    async def authorize(self, request: Request) -> Response:
        """Remember PKCE verifier, nonce and user under a fresh state; send the browser to the provider."""
        try:
            user = await self._user_of(request)
            if user is None:
                return page(
                    "Sign-in link not valid",
                    "This link has expired or was used already. Call the tool again to get a new one.",
                    401,
                )
            endpoint = (await self._provider.metadata()).get("authorization_endpoint")
            if not isinstance(endpoint, str):
                return page("Provider not usable", "The identity provider publishes no authorization endpoint.", 503)
            client_id = (await self.broker.own.checked()).client_id
            state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            verifier, challenge = pkce_pair()
            scopes = self.scopes()
            await self.broker.store().sessions.create(
                state,
                flow=FLOW,
                code_verifier=verifier,
                redirect_uri=self.callback_url,
                ttl=STATE_TTL,
                scopes=scopes,
                user_id=user,
                client_id=client_id,
                extra={"nonce": nonce},
            )
        except (AuthError, StoreError) as exc:
            return page("Cannot start the sign-in", str(exc), 503)
        query = {
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": self.callback_url,
            "scope": " ".join(scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "resource": self.broker.audience,
            "prompt": "consent",  # offline_access needs explicit consent
        }
        location = f"{endpoint}?{urlencode(query)}"
        return RedirectResponse(location, status_code=302, headers={"Cache-Control": "no-store"})

    async def callback(self, request: Request) -> Response:
        """The one redirect target: find the flow by state, then complete it."""
        params = request.query_params
        state = params.get("state")
        if not state:
            return page("Sign-in failed", "The identity provider's answer carries no state.", 400)
        try:
            session = await self.broker.store().sessions.consume(state)
        except SessionExpired:
            return page("Sign-in failed", "The sign-in took too long. Call the tool again to get a new link.", 400)
        except StoreError as exc:
            return page("Sign-in failed", str(exc), 503)
        if session is None or session.flow != FLOW or session.user_id is None or session.client_id is None:
            return page("Sign-in failed", "This sign-in is unknown or was completed already.", 400)
        if "error" in params:
            said = params.get("error_description") or params["error"]
            return page("Access not granted", f"The identity provider said: {said}", 400)
        code = params.get("code")
        if not code:
            return page("Sign-in failed", "The identity provider's answer carries no code.", 400)
        try:
            issuer = await self._provider.issuer()
            if "iss" in params and not hmac.compare_digest(params["iss"], issuer):  # RFC 9207 mix-up defence
                return page("Sign-in failed", "The answer comes from another identity provider.", 400)
            return await self._complete(session.user_id, session.client_id, session.code_verifier, session.extra, code)
        except (AuthError, StoreError) as exc:
            return page("Sign-in failed", str(exc), 400)

    async def _complete(self, user: str, client_id: str, verifier: str, extra: dict[str, Any], code: str) -> Response:
        from nextcloud_mcp_server.auth.broker import AccessToken

        body = await self.broker.grant(
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": self.callback_url,
                "resource": self.broker.audience,
            },
        )
        signed_in = await self._id_token_user(body.get("id_token"), client_id, str(extra.get("nonce", "")))
        if signed_in != user:
            return page(
                "Wrong account",
                f"You signed in as '{signed_in}', but access was requested for '{user}'. "
                "Sign in with the same account you use in your MCP client.",
                400,
            )
        refresh = body.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            return page(
                "Sign-in incomplete",
                "The identity provider issued no refresh token; allow the offline_access scope for this client.",
                400,
            )
        scope = body.get("scope")
        store = self.broker.store()
        await store.tokens.save(
            user,
            self.broker.audience,
            refresh,
            scopes=scope.split() if isinstance(scope, str) else [],
            provisioning_client_id=client_id,
        )
        await store.audit.record(user, "token.provisioned", subject=self.broker.audience)
        self.broker.forget(user)
        lifetime = body.get("expires_in")
        if isinstance(lifetime, int | float) and lifetime > 0:
            self.broker.prime(user, AccessToken(str(body["access_token"]), self.broker.now() + float(lifetime)))
        log.info("User %s granted this server access to Nextcloud", user)
        return page("Access granted", "This server can now reach your Nextcloud. Return to your MCP client and retry.")

    async def _id_token_user(self, id_token: Any, client_id: str, nonce: str) -> str:
        """Validate the ID token (signature via the JWKS, issuer, audience, nonce); the user it names."""
        import jwt

        from nextcloud_mcp_server.auth.verifier import ALLOWED_ALGORITHMS, LEEWAY_SECONDS

        if not isinstance(id_token, str):
            raise InvalidToken("the identity provider returned no ID token")
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.DecodeError:
            raise InvalidToken("the ID token is malformed") from None
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise InvalidToken(f"the ID token's signing algorithm {alg!r} is not accepted")
        kid = header.get("kid")
        key = await self._provider.signing_key(kid if isinstance(kid, str) else None, str(alg))
        try:
            claims = jwt.decode(
                id_token,
                key=key.key,
                algorithms=[str(alg)],
                audience=client_id,
                issuer=await self._provider.issuer(),
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"the ID token is invalid ({type(exc).__name__})") from None
        if not nonce or not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise InvalidToken("the ID token's nonce does not match this sign-in")
        user = claims.get(self._settings.oidc_user_claim, claims.get("sub"))
        if not isinstance(user, str) or not user:
            raise InvalidToken("the ID token names no user")
        return user
