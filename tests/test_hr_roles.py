"""Every /hr route, generated from the app: employees and candidates get 404, always.

404 and not 403, so nobody can tell an HR page exists; and the same for made-up ids.
A new /hr route is covered the moment it is added.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import get_csrf
from tests.factories import create_user


def hr_routes(app) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        path = getattr(route, "path", "")
        if path == "/hr" or path.startswith("/hr/"):
            for method in sorted(getattr(route, "methods", None) or []):
                if method != "HEAD":
                    found.append((method, path))
    return found


def test_there_are_hr_routes_to_check(app):
    assert len(hr_routes(app)) >= 30


@pytest.mark.parametrize("role", ["employee", "candidate"])
def test_no_hr_route_answers_anyone_but_hr(client, run, login_as, app, role):
    person = run(lambda db: create_user(db, role=role))
    login_as(person)
    csrf = get_csrf(client, "/")
    for method, path in hr_routes(app):
        url = re.sub(r"\{[^}]+\}", "x", path)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf, "version": "1"})
        assert response.status_code == 404, (method, path, response.status_code)


def test_hr_pages_exist_for_hr(client, run, login_as, app):
    login_as(run(lambda db: create_user(db, role="hr")))
    for method, path in hr_routes(app):
        if method == "GET" and "{" not in path:
            assert client.get(path).status_code == 200, path
