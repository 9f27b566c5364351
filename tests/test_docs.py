"""The README stays true: every setting and every route is documented."""

from __future__ import annotations

from pathlib import Path

from portal.config import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_readme():
    missing = [
        f"PORTAL_{name.upper()}"
        for name in Settings.model_fields
        if f"PORTAL_{name.upper()}" not in README
    ]
    assert not missing, f"undocumented settings: {missing}"


def test_every_route_is_in_the_readme(app):
    for route in app.routes:
        path = getattr(route, "path", "")
        if path and not path.startswith("/static"):
            assert f"{path}`" in README or f"{path}?" in README, path


def test_readme_shows_the_two_commands():
    venv = "python3 -m venv .venv && . .venv/bin/activate && "
    assert venv + "python -m pip install -e . && portal demo" in README
    assert venv + 'python -m pip install -e ".[test]" && pytest' in README
