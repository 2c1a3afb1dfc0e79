"""An AppAPI simulator: Nextcloud's side of the ExApp protocol in front of the stand-in (DESIGN.md §5)."""

from tests.appapi.simulator import AppApiSimulator, LifecycleError

__all__ = ["AppApiSimulator", "LifecycleError"]
