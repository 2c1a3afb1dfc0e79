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


SERVED_THROUGH_THE_PROXY = {
    "/mcp": {"GET", "POST", "DELETE"},
    "/.well-known/oauth-protected-resource": {"GET"},
    "/.well-known/oauth-protected-resource/mcp": {"GET"},
    "/oauth/authorize-nextcloud": {"GET"},
    "/oauth/callback": {"GET"},
    "/admin": {"GET"},
}
"""Every path the ExApp serves to browsers and MCP clients through AppAPI's proxy."""
LIFECYCLE = ("/heartbeat", "/init", "/enabled", "/webhooks/nextcloud")
"""Called by Nextcloud directly, never through the proxy: no route may expose them."""


def test_every_route_matches_a_path_the_app_serves_and_every_served_path_has_a_route() -> None:
    found = routes()
    for route in found:
        assert any(re.search(route["url"], path) for path in SERVED_THROUGH_THE_PROXY), route["url"]
    for path, verbs in SERVED_THROUGH_THE_PROXY.items():
        matching = [r for r in found if re.search(r["url"], path)]
        assert matching, path
        assert verbs <= set(matching[0]["verb"].split(",")), path
    for path in LIFECYCLE:
        assert not any(re.search(r["url"], path) for r in found), path


def test_oauth_endpoints_are_public_and_the_admin_page_is_for_admins_only() -> None:
    by_path = {path: next(r for r in routes() if re.search(r["url"], path)) for path in SERVED_THROUGH_THE_PROXY}
    assert by_path["/.well-known/oauth-protected-resource"]["access_level"] == "PUBLIC"
    assert by_path["/oauth/callback"]["access_level"] == "PUBLIC"
    assert by_path["/admin"]["access_level"] == "ADMIN"
    assert by_path["/mcp"].get("bruteforce_protection") == "[401]"


def test_the_image_tag_follows_the_version_and_deploy_variables_are_declared() -> None:
    root = manifest()
    assert root.findtext("external-app/docker-install/image-tag") == root.findtext("version")
    names = {v.findtext("name") for v in root.iter("variable")}
    assert {"NEXTCLOUD_MCP_SERVER_URL", "DATABASE_URL", "TOKEN_ENCRYPTION_KEY", "LOG_LEVEL"} <= names
    nextcloud = root.find("dependencies/nextcloud")
    assert nextcloud is not None
    assert int(nextcloud.get("min-version", "0")) >= 30


def test_the_manual_install_json_info_carries_the_manifest_routes() -> None:
    from ex_app.manifest import json_info

    info = json_info("secret", 23000)
    assert info["id"] == "nextcloud_mcp_server"
    assert info["version"] == nextcloud_mcp_server.__version__
    assert [r["url"] for r in info["routes"]] == [r["url"] for r in routes()]


def test_the_screenshot_is_the_shipped_png_at_its_raw_github_url_and_is_current() -> None:
    from ex_app.img.render_screenshot import OUTPUT, render

    url = manifest().findtext("screenshot") or ""
    repository = (manifest().findtext("repository") or "").removeprefix("https://github.com/")
    assert url == f"https://raw.githubusercontent.com/{repository}/main/{OUTPUT.relative_to(REPO).as_posix()}"
    shipped = OUTPUT.read_bytes()
    assert shipped.startswith(b"\x89PNG\r\n\x1a\n")
    assert shipped == render()  # regenerate with `python -m ex_app.img.render_screenshot`
