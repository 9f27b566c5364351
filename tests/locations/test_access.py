"""Every office and import route: HR and admins only; everyone else gets 404."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import csrf_from, get_csrf
from tests.locations.conftest import add_location

pytestmark = pytest.mark.one_database

ROUTES = [
    ("GET", "/hr/locations"),
    ("POST", "/hr/locations"),
    ("GET", "/hr/locations/new"),
    ("GET", "/hr/locations/{id}"),
    ("POST", "/hr/locations/{id}"),
    ("GET", "/hr/import"),
    ("POST", "/hr/import"),
]
# A change answers 303 (to the page showing it), a page 200.
SUCCESS = {route: 303 if route[0] == "POST" else 200 for route in ROUTES}


def test_the_list_covers_every_office_and_import_route(app):
    found = {
        (method, route.path)
        for route in app.routes
        for method in (getattr(route, "methods", None) or [])
        if method != "HEAD" and route.path.startswith(("/hr/locations", "/hr/import"))
    }
    assert found == set(ROUTES)


def token(client: Any) -> str:
    """A valid CSRF token for whoever the client is: signed out, from the sign-in page;
    signed in, from the sign-out form on every page (here the stories)."""
    page = client.get("/login")
    return csrf_from(page.text if page.status_code == 200 else client.get("/stories").text)


def _request(client: Any, method: str, path: str, office: str) -> Any:
    url = path.replace("{id}", office)
    if method == "GET":
        return client.get(url)
    token_ = token(client)
    if path == "/hr/import":
        files = {"file": ("visits.json", b'{"visits": []}', "application/json")}
        return client.post(url, data={"csrf_token": token_}, files=files)
    name = "Kantoor Eindhoven" if "{id}" not in path else "Kantoor Utrecht"
    data = {"csrf_token": token_, "name": name, "address": "Markt 1", "intent": "save"}
    if "{id}" in path:
        # The office's current fingerprint, so HR's save really saves (the list is for HR).
        page = client.get(url)
        if page.status_code == 200:
            data["fingerprint"] = re.search(r'name="fingerprint" value="([^"]*)"', page.text)[1]
    return client.post(url, data=data)


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("role", ["employee", "candidate"])
def test_others_get_404(client, run, people, login_as, role, method, path):
    office = run(lambda db: add_location(db)).public_id
    login_as(people[role])
    assert _request(client, method, path, office).status_code == 404


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_and_admins_may(client, run, people, login_as, role, method, path):
    office = run(lambda db: add_location(db)).public_id
    login_as(people[role])
    response = _request(client, method, path, office)
    assert response.status_code == SUCCESS[(method, path)], response.text


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_signed_out_is_sent_to_sign_in(client, run, method, path):
    office = run(lambda db: add_location(db)).public_id
    response = _request(client, method, path, office)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[0] == "POST"])
def test_a_post_without_the_csrf_token_is_refused(client, run, people, login_as, method, path):
    office = run(lambda db: add_location(db)).public_id
    login_as(people["hr"])
    response = client.post(path.replace("{id}", office), data={"name": "Kantoor Eindhoven"})
    assert response.status_code == 403


def test_unknown_office_is_404_for_hr_too(client, people, login_as):
    login_as(people["hr"])
    assert client.get("/hr/locations/nope").status_code == 404
    token = get_csrf(client, "/hr/locations/new")
    response = client.post("/hr/locations/nope", data={"csrf_token": token, "name": "X"})
    assert response.status_code == 404
