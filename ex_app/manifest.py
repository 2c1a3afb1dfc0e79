"""appinfo/info.xml as AppAPI's `--json-info` for a manual-install registration.

Why: `occ app_api:app:register ... --json-info` (manual-install daemon) takes the id, version,
secret, port and routes as JSON; deriving it from the manifest keeps one source of truth.
Run: `python -m ex_app.manifest --secret S --port 23000`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

MANIFEST = Path(__file__).resolve().parent.parent / "appinfo" / "info.xml"


def json_info(secret: str, port: int, manifest: Path = MANIFEST) -> dict[str, Any]:
    from defusedxml.ElementTree import parse

    root = parse(manifest).getroot()
    assert root is not None, f"{manifest} has no root element"
    routes = [{child.tag: (child.text or "").strip() for child in route} for route in root.iter("route")]
    return {
        "id": root.findtext("id"),
        "name": root.findtext("name"),
        "daemon_config_name": "manual_install",
        "version": root.findtext("version"),
        "secret": secret,
        "port": port,
        "routes": routes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print AppAPI's --json-info for a manual-install registration.")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=23000)
    args = parser.parse_args(argv)
    json.dump(json_info(args.secret, args.port), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
