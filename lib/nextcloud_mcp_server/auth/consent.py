"""Progressive consent: ask the user, through their MCP client, to grant Nextcloud access.

Why URL-mode elicitation (MCP 2025-11-25): the grant happens at the identity provider in
the user's browser and must never pass through the client or the model, so the client is
only given a link to open. How it is asked depends on the negotiated protocol: up to
2025-11-25 the server sends `elicitation/create` mid-call (`ask_for_consent`); from
2026-07-28 the tool answers with an `InputRequiredResult` carrying the same request and
the client retries the call once the user is done (`consent_request`). Clients without
URL elicitation but with form elicitation get a form whose message carries the link and
asks the user to confirm once they have consented (the link still opens in their browser;
only a yes/no passes through the client); clients without elicitation get the link in the
tool error (`NeedsProvisioning`), so every client can complete the flow. When a URL
elicitation ends with access granted, the client is told so (`notifications/elicitation/complete`).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp.server.mcpserver import Context
    from mcp_types import InputRequiredResult

    from nextcloud_mcp_server.auth.errors import NeedsProvisioning

log = logging.getLogger(__name__)

REQUEST_KEY = "nextcloud-consent"
CONFIRMATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "granted": {
            "type": "boolean",
            "title": "I have granted access",
            "description": "Confirm after you opened the link, signed in and consented.",
        }
    },
    "required": ["granted"],
}
"""Form mode: the only thing asked in-band is a confirmation; the grant itself stays in the browser."""


@dataclass(frozen=True)
class Asked:
    """A consent request the client accepted: its mode and (URL mode) elicitation id."""

    mode: str
    elicitation_id: str | None = None


def _message(user: str) -> str:
    return (
        f"To use Nextcloud as '{user}', allow this server to access your Nextcloud. "
        "Open the link, sign in and consent; the call continues afterwards."
    )


def _form_message(user: str, link: str) -> str:
    return (
        f"To use Nextcloud as '{user}', allow this server to access your Nextcloud: open {link} in your "
        "browser, sign in and consent. Then confirm here; the call continues afterwards."
    )


def _modes(ctx: Any) -> frozenset[str]:
    """The elicitation modes the client declared ({} alone means form, as the specification says)."""
    try:
        capabilities = ctx.request_context.session.client_capabilities
    except (AttributeError, ValueError, LookupError):
        return frozenset()
    elicitation = getattr(capabilities, "elicitation", None)
    if elicitation is None:
        return frozenset()
    url, form = getattr(elicitation, "url", None), getattr(elicitation, "form", None)
    if url is None and form is None:
        return frozenset({"form"})
    return frozenset(mode for mode, declared in (("url", url), ("form", form)) if declared is not None)


async def ask_for_consent(ctx: Context, user: str, link: str) -> Asked | None:
    """Over a back-channel (protocol <= 2025-11-25): ask now, by URL or else by form. None when not asked.

    The caller then checks whether access was granted; if not, the tool call fails with the link.
    """
    try:
        modes = _modes(ctx)
        if not modes or not ctx.request_context.session.can_send_request:
            return None
        if "url" in modes:
            elicitation_id = secrets.token_urlsafe(16)
            await ctx.elicit_url(message=_message(user), url=link, elicitation_id=elicitation_id)
            return Asked("url", elicitation_id)
        await ctx.request_context.session.elicit_form(
            message=_form_message(user, link), requested_schema=CONFIRMATION_SCHEMA, related_request_id=ctx.request_id
        )
        return Asked("form")  # whatever the answer: the grant itself is checked by the caller
    except Exception as exc:  # an elicitation the client fails to answer must not hide the link
        log.info("Elicitation failed (%s); the tool error carries the link instead", type(exc).__name__)
        return None


async def consent_completed(ctx: Context, asked: Asked) -> None:
    """Tell the client that a URL elicitation ended with access granted (best effort)."""
    if asked.elicitation_id is None:
        return
    try:
        await ctx.request_context.session.send_elicit_complete(asked.elicitation_id, ctx.request_id)
    except Exception as exc:  # the call succeeds whether or not the client hears of it
        log.info("Could not send elicitation/complete (%s)", type(exc).__name__)


def consent_request(ctx: Context | None, exc: NeedsProvisioning) -> InputRequiredResult | None:
    """Protocol >= 2026-07-28: the `InputRequiredResult` asking for consent, or None (then a tool error).

    Asked once per call: when the client retries with its answer and access is still missing,
    the call fails with the link instead of asking again.
    """
    modes = _modes(ctx) if ctx is not None else frozenset()
    if ctx is None or not exc.elicit or exc.authorize_url is None or not modes:
        return None
    if ctx.input_responses is not None or ctx.request_state is not None:
        return None
    from mcp_types import ElicitRequest, ElicitRequestFormParams, ElicitRequestURLParams, InputRequiredResult

    params: ElicitRequestURLParams | ElicitRequestFormParams
    if "url" in modes:
        params = ElicitRequestURLParams(
            message=_message(exc.user), url=exc.authorize_url, elicitation_id=secrets.token_urlsafe(16)
        )
    else:
        params = ElicitRequestFormParams(
            message=_form_message(exc.user, exc.authorize_url), requested_schema=CONFIRMATION_SCHEMA
        )
    return InputRequiredResult(input_requests={REQUEST_KEY: ElicitRequest(params=params)})
