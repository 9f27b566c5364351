"""docs/architecture.md's table of URL prefixes and folders stays true, as the README's
route table does: every route is served from the folder the table names for it."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"


def table() -> dict[str, str]:
    """Prefix → the module path its folder (or file) stands for, from the doc's table."""
    found: dict[str, str] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[1].startswith("`portal/"):
            continue
        folder = cells[1].strip("`").removesuffix("/").removesuffix(".py").replace("/", ".")
        for prefix in re.findall(r"`(/[^`]*)`", cells[0]):
            found[prefix] = folder
    return found


def fits(prefix: str, path: str) -> bool:
    if prefix == "/":
        return path == "/"
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def folder_for(path: str, prefixes: dict[str, str]) -> str | None:
    matching = [p for p in prefixes if fits(p, path)]
    return prefixes[max(matching, key=len)] if matching else None


def test_the_table_reads():
    prefixes = table()
    assert len(prefixes) > 20
    assert prefixes["/hr/visits"] == "portal.planning"


def test_every_route_is_served_from_the_folder_the_table_names(app):
    prefixes = table()
    wrong, used = [], set()
    for route in app.routes:
        if not isinstance(route, Route):
            continue
        folder = folder_for(route.path, prefixes)
        module = route.endpoint.__module__
        if folder is None or not (module == folder or module.startswith(folder + ".")):
            wrong.append(f"{route.path}: served by {module}, the table says {folder}")
        used.update(p for p in prefixes if fits(p, route.path))
    assert not wrong, "docs/architecture.md's table and the routes disagree:\n" + "\n".join(wrong)
    assert not set(prefixes) - used, "prefixes in the table that no route has"


def test_a_feature_uses_another_only_through_its_services_never_its_routes():
    """A folder's route modules are the web face of that folder, mounted by portal/app.py
    alone; another feature goes through its services (lint-imports checks the layers and
    that no two folders import each other)."""
    import ast

    offending = []
    for path in sorted((ROOT / "portal").rglob("*.py")):
        here = path.relative_to(ROOT / "portal").parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module):
                continue
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                parts = name.split(".")
                is_routes = (
                    len(parts) >= 3
                    and parts[0] == "portal"
                    and (parts[2] == "routes" or parts[2].endswith("_routes"))
                )
                from_elsewhere = len(here) < 2 or here[0] != parts[1] if is_routes else False
                if is_routes and from_elsewhere and here != ("app.py",):
                    offending.append(f"portal/{'/'.join(here)} imports {name}")
    assert not offending, offending
