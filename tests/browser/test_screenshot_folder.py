"""Running the browser tests changes no tracked file: their screenshots go to an ignored
folder unless a folder is named on purpose (how the README's pictures are refreshed)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.browser.pages import ROOT, SCREENSHOTS_ENV, screenshot

pytestmark = pytest.mark.browser


def ignored_by_git(path: str) -> bool:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.fail("this check needs git and a checkout")
    done = subprocess.run([git, "check-ignore", "-q", "--no-index", path], cwd=ROOT, check=False)
    return done.returncode == 0


def test_screenshots_go_to_an_ignored_folder(open_page, monkeypatch):
    monkeypatch.delenv(SCREENSHOTS_ENV, raising=False)
    page = open_page("phone")
    page.goto("/login")
    written = screenshot(page, "screenshot-folder-check")
    assert written.is_file()
    relative = written.relative_to(ROOT).as_posix()
    assert ignored_by_git(relative), f"{relative} would show up in git status"
    assert not relative.startswith("docs/"), relative
    written.unlink()


def test_a_named_folder_gets_the_screenshots(open_page, monkeypatch, tmp_path):
    monkeypatch.setenv(SCREENSHOTS_ENV, str(tmp_path / "pictures"))
    page = open_page("phone")
    page.goto("/login")
    assert screenshot(page, "login-phone-nl") == tmp_path / "pictures" / "login-phone-nl.png"
    assert (tmp_path / "pictures" / "login-phone-nl.png").stat().st_size > 1000
