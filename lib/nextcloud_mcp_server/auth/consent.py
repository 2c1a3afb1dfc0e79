"""Progressive consent: ask the user, through their MCP client, to grant Nextcloud access.

Why URL-mode elicitation (MCP 2025-11-25): the grant happens at the identity provider in
the user's browser and must never pass through the client or the model, so the client is
only given a link to open. How it is asked depends on the negotiated protocol: up to
2025-11-25 the server sends `elicitation/create` mid-call (`ask_for_consent`); from
2026-07-28 the tool answers with an `InputRequiredResult` carrying the same request and
the client retries the call once the user is done (`consent_request`). Clients without
URL elicitation get the link in the tool error (`NeedsProvisioning`), so every client
can complete the flow.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp.server.mcpserver import Context
    from mcp_types import InputRequiredResult

    from nextcloud_mcp_server.auth.errors import NeedsProvisioning

log = logging.getLogger(__name__)

REQUEST_KEY = "nextcloud-consent"


def _message(user: str) -> str:
    return (
        f"To use Nextcloud as '{user}', allow this server to access your Nextcloud. "
        "Open the link, sign in and consent; the call continues afterwards."
    )


def _url_capable(ctx: Any) -> bool:
    try:
        capabilities = ctx.request_context.session.client_capabilities
    except (AttributeError, ValueError, LookupError):
        return False
    elicitation = getattr(capabilities, "elicitation", None)
    return getattr(elicitation, "url", None) is not None


async def ask_for_consent(ctx: Context, user: str, link: str) -> bool:
    """Over a back-channel (protocol <= 2025-11-25): send the URL elicitation now. True when sent.

    Whatever the user answers, the tool call still fails with the link: the grant completes
    out of band, and the call is retried afterwards.
    """
    try:
        if not _url_capable(ctx) or not ctx.request_context.session.can_send_request:
            return False
        await ctx.elicit_url(message=_message(user), url=link, elicitation_id=secrets.token_urlsafe(16))
    except Exception as exc:  # an elicitation the client fails to answer must not hide the link
        log.info("URL elicitation failed (%s); the tool error carries the link instead", type(exc).__name__)
        return False
    return True


def consent_request(ctx: Context | None, exc: NeedsProvisioning) -> InputRequiredResult | None:
    """Protocol >= 2026-07-28: the `InputRequiredResult` asking for consent, or None (then a tool error).

    Asked once per call: when the client retries with its answer and access is still missing,
    the call fails with the link instead of asking again.
    """
    if ctx is None or not exc.elicit or exc.authorize_url is None or not _url_capable(ctx):
        return None
    if ctx.input_responses is not None or ctx.request_state is not None:
        return None
    from mcp_types import ElicitRequest, ElicitRequestURLParams, InputRequiredResult

    params = ElicitRequestURLParams(
        message=_message(exc.user), url=exc.authorize_url, elicitation_id=secrets.token_urlsafe(16)
    )
    return InputRequiredResult(input_requests={REQUEST_KEY: ElicitRequest(params=params)})
