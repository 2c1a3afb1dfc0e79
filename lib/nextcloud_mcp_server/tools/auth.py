"""`nc_auth_check_status` and `nc_auth_revoke`: the caller's own delegated Nextcloud access (Flow 2).

Why no scope: both concern only the caller's own grant to this server, not any Nextcloud
data, so any valid token may call them (registered without a scope, the scope gate and the
tools/list filter let them through). They exist only with OAuth: otherwise the
server acts with the configured app password and there is nothing to manage.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from nextcloud_mcp_server.tools._base import ToolDeps

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

STATUS = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
REVOKE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True)


class AuthStatus(BaseModel):
    user: str | None = Field(description="The Nextcloud user the caller's token names (null over stdio).")
    provisioned: bool = Field(description="True when this server holds the user's delegated Nextcloud access.")
    scopes: list[str] = Field(description="The scopes granted with that access.")
    granted_at: datetime | None = Field(description="When access was granted (UTC).")
    refreshed_at: datetime | None = Field(description="When the provider last rotated the refresh token (UTC).")
    expires_at: datetime | None = Field(description="When the grant expires, if the provider said (UTC).")
    message: str = Field(description="What this means and what to do.")


class RevokeResult(BaseModel):
    revoked: bool = Field(description="True when a stored grant was revoked and deleted.")
    message: str


def register(server: MCPServer[Any], deps: ToolDeps) -> None:
    access: Any = deps.access
    if not hasattr(access, "grant"):  # OAuth off: the server acts with the app password, nothing to manage
        return

    @deps.tool("nc_auth_check_status", title="Check Nextcloud access", annotations=STATUS, scope=None)
    async def nc_auth_check_status() -> AuthStatus:
        """Whether this server may reach your Nextcloud on your behalf, with which scopes and until when.

        Only meaningful with OAuth: the configured NEXTCLOUD_USERNAME is always served with its app password.
        """
        user, record = await access.grant()
        if record is None:
            text = "No delegated access is stored; a tool that needs Nextcloud will ask you to grant it."
            if user is not None and user == deps.settings.nextcloud_username:
                text = "You are the configured user: the server reaches Nextcloud with its app password."
            return AuthStatus(
                user=user,
                provisioned=False,
                scopes=[],
                granted_at=None,
                refreshed_at=None,
                expires_at=None,
                message=text,
            )
        return AuthStatus(
            user=user,
            provisioned=True,
            scopes=record.scopes,
            granted_at=record.created_at,
            refreshed_at=record.rotated_at,
            expires_at=record.expires_at,
            message="This server may reach your Nextcloud; nc_auth_revoke withdraws that.",
        )

    @deps.tool("nc_auth_revoke", title="Revoke Nextcloud access", annotations=REVOKE, scope=None)
    async def nc_auth_revoke() -> RevokeResult:
        """Withdraw this server's delegated access to your Nextcloud: revoked at the identity provider and
        deleted here. A later tool call that needs Nextcloud asks for consent again."""
        if not await access.revoke():
            return RevokeResult(revoked=False, message="There was no delegated access to revoke.")
        return RevokeResult(revoked=True, message="Access revoked and deleted.")
