"""What the simulated Nextcloud knows about registered ExApps: secret, routes, status,
app config, settings forms and webhooks (AppAPI's and webhook_listeners' tables)."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml.ElementTree import parse

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
class Webhook:
    """One webhook_listeners registration (its OCS JSON shape in `as_json`)."""

    id: int
    app_id: str | None
    user_id: str | None
    http_method: str
    uri: str
    event: str
    event_filter: dict[str, Any] | None = None
    user_id_filter: str | None = None
    headers: dict[str, str] | None = None
    auth_method: str = "none"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "appId": self.app_id,
            "userId": self.user_id,
            "httpMethod": self.http_method,
            "uri": self.uri,
            "event": self.event,
            "eventFilter": self.event_filter or [],
            "userIdFilter": self.user_id_filter,
            "headers": self.headers,
            "authMethod": self.auth_method,
            "authData": None,
        }


@dataclass
class Registry:
    """All ExApps and webhooks, guarded by one lock (the simulator serves from its own thread)."""

    apps: dict[str, ExApp] = field(default_factory=dict)
    webhooks: dict[int, Webhook] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_webhook_id: int = 1

    def add_webhook(self, **values: Any) -> Webhook:
        with self.lock:
            hook = Webhook(id=self.next_webhook_id, **values)
            self.webhooks[hook.id] = hook
            self.next_webhook_id += 1
            return hook

    def webhooks_of(self, app_id: str) -> list[Webhook]:
        with self.lock:
            return [hook for hook in self.webhooks.values() if hook.app_id == app_id]
