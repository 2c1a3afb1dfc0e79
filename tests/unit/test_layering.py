"""The architecture as a test: which package may import which, one outbound client
factory, and tool modules that keep start-up lean.

An AST walk over lib/ (STYLE.md pattern 1); plus one subprocess that builds the MCP
server and checks that no parser or per-API module was loaded on the way.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LIB = REPO / "lib"
ENGINE = LIB / "nextcloud_mcp_server"
PACKAGE = "nextcloud_mcp_server"

HEAVY = ("httpx", "icalendar", "recurring_ical_events", "vobject", "defusedxml", "lxml")
"""What tool modules must not import at module level (DESIGN: lean start-up)."""

NEXTCLOUD_AT_STARTUP = {f"{PACKAGE}.nextcloud", f"{PACKAGE}.nextcloud.errors", f"{PACKAGE}.nextcloud.paths"}
"""The only parts of the client layer that tool modules may load at start-up."""


@dataclass(frozen=True)
class Import:
    module: str
    line: int
    module_level: bool
    """Executed on import: not inside a function, and not under `if TYPE_CHECKING:`."""


def module_name(path: Path) -> str:
    root = LIB if path.is_relative_to(LIB) else REPO
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    base = LIB / Path(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path) -> list[Import]:
    """Every import in a file, with relative imports resolved and `from pkg import module` expanded."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, module_level: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(alias.name, child.lineno, module_level) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in child.names:
                    candidate = f"{base}.{alias.name}"
                    target = candidate if base.startswith(PACKAGE) and _is_module(candidate) else base
                    found.append(Import(target, child.lineno, module_level))
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(child, False)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), False)
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), module_level)
            else:
                visit(child, module_level)

    visit(tree, True)
    return found


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def violations(root: Path, forbidden: tuple[str, ...], *, module_level_only: bool = False) -> list[str]:
    """`file:line imports module` for each import of a forbidden package under `root`."""
    found = []
    for path in python_files(root):
        for imp in imports_of(path):
            if module_level_only and not imp.module_level:
                continue
            if any(imp.module == name or imp.module.startswith(name + ".") for name in forbidden):
                found.append(f"{path.relative_to(REPO)}:{imp.line} imports {imp.module}")
    return found


def test_the_walk_sees_the_engine_modules() -> None:
    names = {module_name(p) for p in python_files(ENGINE)}
    assert {f"{PACKAGE}.http", f"{PACKAGE}.nextcloud.client", f"{PACKAGE}.tools._base"} <= names
    client_imports = {imp.module for imp in imports_of(ENGINE / "nextcloud" / "client.py")}
    assert f"{PACKAGE}.nextcloud.errors" in client_imports
    assert "httpx" in client_imports


def test_the_nextcloud_layer_knows_nothing_of_mcp_http_serving_tools_or_auth() -> None:
    forbidden = ("mcp", "mcp_types", "starlette", "fastapi", "uvicorn", f"{PACKAGE}.tools", f"{PACKAGE}.auth")
    assert violations(ENGINE / "nextcloud", forbidden) == []


def test_the_store_does_not_make_http_calls() -> None:
    assert violations(ENGINE / "store", ("httpx", "httpx2", "requests")) == []


def test_the_store_knows_nothing_of_nextcloud_tools_or_mcp() -> None:
    forbidden = (f"{PACKAGE}.nextcloud", f"{PACKAGE}.tools", f"{PACKAGE}.webhooks", "mcp", "mcp_types")
    assert violations(ENGINE / "store", forbidden) == []


def test_cli_code_lives_in_the_cli_not_in_the_store_or_webhooks() -> None:
    assert violations(ENGINE / "store", ("argparse",)) == []
    assert violations(ENGINE / "webhooks", ("argparse",)) == []


def test_auth_decides_who_calls_without_knowing_the_tools() -> None:
    assert violations(ENGINE / "auth", (f"{PACKAGE}.tools",)) == []


def test_nothing_outside_ex_app_imports_nc_py_api() -> None:
    found = violations(ENGINE, ("nc_py_api",))
    bench = REPO / "bench"
    if bench.is_dir():
        found += violations(bench, ("nc_py_api",))
    assert found == []


def test_the_engine_never_imports_the_ex_app() -> None:
    assert violations(ENGINE, ("ex_app",)) == []


def _client_constructions(path: Path) -> list[str]:
    """Calls of httpx.Client/AsyncClient however httpx or the class was imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module_aliases = {"httpx"}
    class_aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            module_aliases |= {a.asname or a.name for a in node.names if a.name == "httpx"}
        elif isinstance(node, ast.ImportFrom) and node.module == "httpx":
            class_aliases |= {a.asname or a.name for a in node.names if a.name in ("Client", "AsyncClient")}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        direct = isinstance(func, ast.Name) and func.id in class_aliases
        qualified = (
            isinstance(func, ast.Attribute)
            and func.attr in ("Client", "AsyncClient")
            and isinstance(func.value, ast.Name)
            and func.value.id in module_aliases
        )
        if direct or qualified:
            found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_http_py_is_the_only_place_that_builds_an_httpx_client() -> None:
    everywhere = {str(p.relative_to(ENGINE)): _client_constructions(p) for p in python_files(ENGINE)}
    assert everywhere.pop("http.py"), "http.py builds the AsyncClient; the walk must see it"
    assert [site for sites in everywhere.values() for site in sites] == []


def test_tool_modules_import_no_http_client_parser_or_api_module_at_module_level() -> None:
    tools = ENGINE / "tools"
    assert violations(tools, HEAVY, module_level_only=True) == []
    api_imports = [
        f"{path.relative_to(REPO)}:{imp.line} imports {imp.module}"
        for path in python_files(tools)
        for imp in imports_of(path)
        if imp.module_level and imp.module.startswith(f"{PACKAGE}.nextcloud") and imp.module not in NEXTCLOUD_AT_STARTUP
    ]
    assert api_imports == []


def test_imports_inside_functions_and_type_checking_blocks_are_not_module_level() -> None:
    base = {(imp.module, imp.module_level) for imp in imports_of(ENGINE / "tools" / "_base.py")}
    assert ("mcp.server.mcpserver", True) in base
    assert (f"{PACKAGE}.config", False) in base  # under TYPE_CHECKING
    assert (f"{PACKAGE}.config", True) not in base
    client = {(imp.module, imp.module_level) for imp in imports_of(ENGINE / "nextcloud" / "client.py")}
    assert (f"{PACKAGE}.http", False) in client  # inside a method
    assert (f"{PACKAGE}.http", True) not in client


STARTUP_PROBE = """
import json, sys
from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.server import build_mcp_server
settings = Settings(nextcloud_url="http://127.0.0.1:9", nextcloud_username="u", nextcloud_password="p")
build_mcp_server(settings, AppPasswordAccess(settings))
print(json.dumps(sorted(sys.modules)))
"""


def test_building_the_mcp_server_loads_no_parser_store_or_api_module() -> None:
    result = subprocess.run(
        [sys.executable, "-c", STARTUP_PROBE], capture_output=True, text=True, timeout=120, cwd=REPO, check=True
    )
    loaded = set(json.loads(result.stdout))
    assert f"{PACKAGE}.tools._base" in loaded
    heavy = ("icalendar", "recurring_ical_events", "vobject", "defusedxml", "lxml", "nc_py_api", "sqlalchemy")
    assert sorted(m for m in loaded if m.split(".")[0] in heavy) == []
    api = sorted(m for m in loaded if m.startswith(f"{PACKAGE}.nextcloud.") and m not in NEXTCLOUD_AT_STARTUP)
    assert api == []
