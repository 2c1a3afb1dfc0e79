"""appinfo/info.xml is a well-formed AppAPI manifest in step with the package."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import parse

import nextcloud_mcp_server

REPO = Path(__file__).resolve().parents[2]
ACCESS_LEVELS = {"PUBLIC", "USER", "ADMIN", "0", "1", "2"}


def manifest() -> Element:
    return parse(REPO / "appinfo" / "info.xml").getroot()


def routes() -> list[dict[str, str]]:
    return [{child.tag: (child.text or "").strip() for child in route} for route in manifest().iter("route")]


def test_manifest_version_matches_the_package_and_pyproject() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    version = manifest().findtext("version")
    assert version == nextcloud_mcp_server.__version__
    assert version == pyproject["project"]["version"]


def test_manifest_names_the_app_id_and_a_docker_image() -> None:
    root = manifest()
    assert root.findtext("id") == "nextcloud_mcp_server"
    install = root.find("external-app/docker-install")
    assert install is not None
    assert install.findtext("image")
    assert install.findtext("image-tag")


def test_every_route_is_a_valid_regex_with_verbs_and_an_access_level() -> None:
    found = routes()
    assert found
    for route in found:
        re.compile(route["url"])
        assert route["verb"], route
        assert route["access_level"] in ACCESS_LEVELS, route


def test_mcp_endpoint_is_public_for_get_post_and_delete_so_the_app_authenticates_itself() -> None:
    mcp = [r for r in routes() if re.search(r["url"], "/mcp", flags=re.IGNORECASE)]
    assert mcp, "no route matches /mcp"
    assert mcp[0]["access_level"] == "PUBLIC"
    assert {"GET", "POST", "DELETE"} <= set(mcp[0]["verb"].split(","))
    assert "authorization" not in mcp[0].get("headers_to_exclude", "").lower()
