"""Sessions, CSRF and the headers every page carries."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.models import User
from tests.conftest import get_csrf, make_settings


def test_session_cookie_flags_over_http(client, make_user, deliver):
    from tests.auth.test_sign_in import ask_link, confirm, link_token

    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    response = confirm(client, link_token(deliver()[0]))
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("portal_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie and "Secure" not in cookie


def test_session_cookie_over_https_is_secure_and_host_prefixed(database_url):
    from starlette.responses import Response

    from portal.auth import sessions

    settings = make_settings(database_url, base_url="https://portal.example")
    response = Response()
    sessions.set_cookie(response, settings, "abc", 3600)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-portal_session=abc")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Domain" not in cookie


def test_session_row_stores_only_a_hash(client, make_user, login_as, run):
    from portal.models import UserSession

    session_id = login_as(make_user())
    rows = run(lambda db: _rows(db, UserSession))
    assert session_id not in repr([r.model_dump() for r in rows])


async def _rows(db, model):
    return list(await db.scalars(sa.select(model)))


def test_logout_revokes_the_session_and_a_copied_cookie(client, make_user, login_as):
    session_id = login_as(make_user())
    assert client.get("/").status_code == 200
    response = client.post("/logout", data={"csrf_token": get_csrf(client, "/")})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    client.cookies.set("portal_session", session_id)  # the cookie someone copied before
    assert client.get("/").status_code == 303


def test_logout_needs_post(client, make_user, login_as):
    login_as(make_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in_and_back(client):
    response = client.get("/visit/abc")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fvisit%2Fabc"


def test_idle_session_times_out(client, make_user, login_as, clock, settings):
    login_as(make_user())
    clock.advance(hours=settings.candidate_session_idle_hours, minutes=1)
    assert client.get("/").status_code == 303


def test_activity_keeps_a_session_alive_until_its_absolute_limit(
    client, make_user, login_as, clock, settings
):
    login_as(make_user())
    for _ in range(settings.candidate_session_max_days - 1):
        clock.advance(hours=24)
        assert client.get("/").status_code == 200
    clock.advance(hours=24)
    assert client.get("/").status_code == 303


def test_staff_sessions_are_shorter(client, make_user, login_as, clock, settings):
    login_as(make_user(role="hr"))
    clock.advance(hours=settings.staff_session_idle_hours, minutes=1)
    assert client.get("/").status_code == 303


def test_deactivation_ends_sessions(client, make_user, login_as, run):
    user = make_user()
    login_as(user)
    run(lambda db: db.execute(sa.update(User).where(User.id == user.id).values(is_active=False)))
    assert client.get("/").status_code == 303


def test_unsafe_routes_refuse_a_missing_csrf_token(client, app, make_user, login_as):
    """Generated from the app's own routes: no state change without a token."""
    login_as(make_user())
    unsafe = [
        (r.path, m)
        for r in app.routes
        for m in (getattr(r, "methods", None) or [])
        if m not in ("GET", "HEAD")
    ]
    assert len(unsafe) >= 5
    for path, method in unsafe:
        response = client.request(
            method, path.replace("{id}", "x"), data={"email": "a@example.org"}
        )
        assert response.status_code == 403, (method, path)
        response = client.request(
            method, path.replace("{id}", "x"), data={"csrf_token": "forged" * 10}
        )
        assert response.status_code == 403, (method, path)


def test_cross_site_post_is_refused_even_with_a_token(client, make_user, login_as):
    login_as(make_user())
    token = get_csrf(client, "/")
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        response = client.post("/logout", data={"csrf_token": token}, headers=headers)
        assert response.status_code == 403
    assert client.get("/").status_code == 200


def test_null_origin_from_our_own_form_is_judged_by_its_token(client, make_user, login_as):
    """Chromium sends Origin: null on form posts from a no-referrer page."""
    login_as(make_user())
    token = get_csrf(client, "/")
    same = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/language", data={"locale": "en"}, headers=same).status_code == 403
    assert (
        client.post(
            "/language", data={"locale": "en", "csrf_token": token}, headers=same
        ).status_code
        == 303
    )


def test_same_origin_post_with_token_and_htmx_header_works(client, make_user, login_as):
    login_as(make_user())
    token = get_csrf(client, "/")
    response = client.post(
        "/language",
        data={"locale": "en"},
        headers={"X-CSRF-Token": token, "Origin": "http://testserver"},
    )
    assert response.status_code == 303


def test_csrf_token_of_one_session_fails_in_another(client, other_browser, make_user, login_as):
    login_as(make_user())
    token = get_csrf(client, "/")
    with other_browser() as other:
        assert (
            other.post("/login", data={"email": "a@example.org", "csrf_token": token}).status_code
            == 403
        )


def test_security_headers_on_every_page(client):
    for path in ("/login", "/healthz", "/nope", "/static/portal.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        for directive in (
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "script-src 'self'",
        ):
            assert directive in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cross-origin-opener-policy"] == "same-origin"


def test_no_inline_script_in_pages(client):
    import re

    page = client.get("/login").text
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag
    assert not re.search(r"\son[a-z]+=", page)  # no inline event handlers either


@pytest.mark.parametrize("size", [300 * 1024, 2 * 1024 * 1024])
def test_oversized_bodies_get_413(client, size):
    response = client.post(
        "/login",
        content=b"email=" + b"a" * size,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


def test_healthz_says_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"


def test_healthz_fails_when_the_database_does_not(tmp_path):
    from starlette.testclient import TestClient

    from portal.app import create_app

    settings = make_settings("postgresql+asyncpg://nobody@127.0.0.1:1/none", secret_key="k" * 40)
    with TestClient(create_app(settings)) as c:
        assert c.get("/healthz").status_code == 503


def test_unknown_page_is_404_not_500(client):
    assert client.get("/does/not/exist").status_code == 404
    assert client.post("/healthz").status_code in (403, 405)


@pytest.mark.parametrize("role", ["candidate", "employee", "hr"])
def test_every_page_offers_sign_out_as_a_post(client, app, make_user, login_as, role):
    """Generated from the app's routes: each page a signed-in person can open has the
    sign-out form (a POST with a CSRF token), and the form signs them out."""
    import re

    login_as(make_user(role=role))
    form = re.compile(
        r'<form method="post" action="/logout"[^>]*>\s*<input type="hidden" name="csrf_token"'
    )
    pages = 0
    for route in app.routes:
        path = getattr(route, "path", "")
        if "GET" not in (getattr(route, "methods", None) or []) or "{" in path:
            continue
        response = client.get(path)
        if response.status_code != 200 or "<html" not in response.text:
            continue  # not a page: a redirect, a file, or an htmx fragment
        pages += 1
        assert form.search(response.text), path
    assert pages >= (10 if role == "hr" else 1)
    out = client.post("/logout", data={"csrf_token": get_csrf(client, "/")})
    assert out.status_code == 303 and client.get("/").status_code == 303
