"""A Nextcloud stand-in owned by the project (DESIGN.md §5): real DAV servers under
Nextcloud's paths, and emulations of the Nextcloud-only APIs, as Nextcloud documents them."""

from tests.standin.core import StandIn, User
from tests.standin.server import serve_in_thread

__all__ = ["StandIn", "User", "serve_in_thread"]
