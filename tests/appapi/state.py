"""What the simulated Nextcloud knows about registered ExApps: secret, routes, status,
app config and settings forms (AppAPI's tables). Their webhooks are webhook_listeners' table,
which is the stand-in's (tests/standin/apps/webhook_listeners.py); `Registry` reads it."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from defusedxml.ElementTree import parse

if TYPE_CHECKING:
    from tests.standin.apps.webhook_listeners import Registration, WebhookListenersApp

ACCESS_LEVELS = {"PUBLIC": 0, "USER": 1, "ADMIN": 2, "0": 0, "1": 1, "2": 2}


@dataclass(frozen=True)
class ExAppRoute:
    """One `<route>` of info.xml, as AppAPI stores it."""

    url: str
    verbs: tuple[str, ...]
    access_level: int
    headers_to_exclude: tuple[str, ...] = ()
    bruteforce_protection: tuple[int, ...] = ()

    def matches(self, path: str, method: str) -> bool:
        return method.upper() in self.verbs and re.match(self.url, path) is not None


def routes_from_manifest(info_xml: Path) -> list[ExAppRoute]:
    """The routes AppAPI registers from the manifest at install time."""
    found = []
    for route in parse(info_xml).getroot().iter("route"):
        fields = {child.tag: (child.text or "").strip() for child in route}
        found.append(
            ExAppRoute(
                url=fields["url"],
                verbs=tuple(v.strip().upper() for v in fields["verb"].split(",")),
                access_level=ACCESS_LEVELS[fields["access_level"]],
                headers_to_exclude=tuple(h.lower() for h in json.loads(fields.get("headers_to_exclude") or "[]")),
                bruteforce_protection=tuple(json.loads(fields.get("bruteforce_protection") or "[]")),
            )
        )
    return found


@dataclass
class ExApp:
    """A registered external app."""

    app_id: str
    version: str
    secret: str = field(repr=False)
    url: str
    """Where Nextcloud reaches the app (the daemon's host and APP_PORT)."""
    routes: list[ExAppRoute]
    enabled: bool = False
    progress: int | None = None
    init_error: str = ""
    config: dict[str, str] = field(default_factory=dict)
    settings_forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    init_finished: threading.Event = field(default_factory=threading.Event)
    status_calls: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Registry:
    """All ExApps, and the stand-in's webhook_listeners, whose registrations made through AppAPI
    belong to an ExApp."""

    webhook_listeners: WebhookListenersApp
    apps: dict[str, ExApp] = field(default_factory=dict)

    def webhooks_of(self, app_id: str) -> list[Registration]:
        """The webhook_listeners registrations the ExApp `app_id` made."""
        return self.webhook_listeners.of_app(app_id)

    def remove_webhooks(self, app_id: str) -> int:
        """Remove the ExApp's registrations (what `DELETE .../webhooks/byappid/<app_id>` does); how many."""
        return self.webhook_listeners.delete_by_app_id(app_id)
