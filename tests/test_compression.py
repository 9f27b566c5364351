"""Pages compressed on the fly; what must not be compressed is not; and the CSRF token,
now inside compressed pages, masked afresh in every response (BREACH)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal.auth import sessions
from portal.middleware import CSRF_COOKIE
from tests.conftest import csrf_from, get_csrf
from tests.factories import create_visit
from tests.odd_world import World
from tests.test_assets import decode, raw_get

BROWSER = "gzip, deflate, br, zstd"
SAME_ORIGIN = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def candidate_visit(make_user, login_as, run, clock) -> str:
    """A candidate signed in, with a visit today; the visit's page."""
    candidate = make_user(name="Sam de Vries")
    start = clock().replace(hour=13, minute=0)
    visit = run(lambda db: create_visit(db, candidate=candidate, start=start))
    login_as(candidate)
    return f"/visit/{visit.public_id}"


@pytest.mark.parametrize(
    ("accept", "encoding"), [(BROWSER, "zstd"), ("br", "br"), ("gzip", "gzip")]
)
def test_a_personal_page_is_compressed_and_still_never_cached(
    client, candidate_visit, accept, encoding
):
    response, body = raw_get(client, candidate_visit, **{"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == encoding
    assert response.headers["cache-control"] == "no-store"
    vary = [v.strip() for v in response.headers["vary"].split(",")]
    assert {"HX-Request", "Cookie", "Accept-Language", "Accept-Encoding"} <= set(vary)
    assert response.headers["content-length"] == str(len(body))
    html = decode(encoding, body).decode()
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    assert "Backend developer" in html
    assert len(body) < len(html) / 3
    # The other headers the portal sets stay on.
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_a_page_goes_plain_to_a_client_that_takes_no_compression(client, candidate_visit):
    for accept in ("identity", "br;q=0, gzip;q=0, zstd;q=0"):
        response, body = raw_get(client, candidate_visit, **{"Accept-Encoding": accept})
        assert "content-encoding" not in response.headers
        assert body.startswith(b"<!doctype html>")
        assert response.headers["cache-control"] == "no-store"


def test_a_tiny_body_is_not_compressed(client):
    response, body = raw_get(client, "/healthz", **{"Accept-Encoding": BROWSER})
    assert body == b"ok"
    assert "content-encoding" not in response.headers


def test_head_of_a_page_answers_without_a_body(client, candidate_visit):
    response = client.head(candidate_visit, headers={"Accept-Encoding": BROWSER})
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["cache-control"] == "no-store"


def test_an_htmx_fragment_is_compressed_too(client, make_user, login_as):
    for n in range(8):
        make_user(role="employee", name=f"Collega {n}")
    login_as(make_user(role="hr"))
    headers = {"Accept-Encoding": "gzip", "HX-Request": "true"}
    response, body = raw_get(client, "/hr/people", **headers)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert b"<html" not in decode("gzip", body)


def test_the_calendar_download_decodes_to_the_same_file(client, candidate_visit):
    plain, plain_body = raw_get(client, candidate_visit + "/calendar.ics")
    packed, packed_body = raw_get(
        client, candidate_visit + "/calendar.ics", **{"Accept-Encoding": "br"}
    )
    assert packed.headers["content-disposition"] == plain.headers["content-disposition"]
    assert packed.headers["content-type"] == "text/calendar; charset=utf-8"
    encoding = packed.headers.get("content-encoding")
    assert decode(encoding, packed_body).startswith(b"BEGIN:VCALENDAR")
    assert decode(encoding, packed_body).count(b"BEGIN:VEVENT") == plain_body.count(b"BEGIN:VEVENT")


def test_pictures_are_not_compressed_again(client, run, clock):
    world = World(client, run, clock)
    world.login("employee")
    path = f"/media/{world.ids['image']}/{world.ids['width']}.jpg"
    response, body = raw_get(client, path, **{"Accept-Encoding": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert "content-encoding" not in response.headers
    assert "Accept-Encoding" not in response.headers.get("vary", "")
    assert body.startswith(b"\xff\xd8")  # JPEG, as stored


# ---- BREACH: no secret repeats across compressed responses ------------------------------


def tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html))


def test_each_render_carries_another_token_and_each_is_accepted(client, make_user, login_as):
    login_as(make_user())
    first, second = get_csrf(client, "/"), get_csrf(client, "/")
    assert first != second
    assert len(first) == len(second) == 86
    for token in (first, second, first):  # and a token may be used more than once
        response = client.post(
            "/language", data={"locale": "en", "csrf_token": token}, headers=SAME_ORIGIN
        )
        assert response.status_code == 303


def test_no_token_repeats_across_compressed_pages(client, make_user, login_as):
    login_as(make_user())
    seen: list[set[str]] = []
    for _ in range(5):
        response, body = raw_get(client, "/questions", **{"Accept-Encoding": "gzip"})
        found = tokens(decode(response.headers.get("content-encoding"), body).decode())
        assert found
        seen.append(found)
    assert all(a.isdisjoint(b) for i, a in enumerate(seen) for b in seen[i + 1 :])


def test_the_header_takes_a_masked_token_too(client, make_user, login_as):
    """The X-CSRF-Token header (for scripts) passes the same check as the form field."""
    login_as(make_user())
    token = get_csrf(client, "/")
    ok = client.post("/language", data={"locale": "en"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 303


def _flip(token: str, at: int) -> str:
    return token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]


BAD_TOKENS = {
    "empty": lambda t: "",
    "short": lambda t: t[:-1],
    "long": lambda t: t + "A",
    "mask changed": lambda t: _flip(t, 5),
    "secret changed": lambda t: _flip(t, 60),
    "last character changed": lambda t: _flip(t, 85),
    "padded": lambda t: t[:-2] + "==",
    "standard base64": lambda t: t[:10] + "+" + t[11:],
    "NUL": lambda t: t[:40] + "\x00" + t[41:],
    "not ASCII": lambda t: t[:40] + "é" + t[41:],
    "huge": lambda t: t * 100,
}


@pytest.mark.parametrize("kind", sorted(BAD_TOKENS))
def test_a_tampered_or_odd_token_is_refused(client, make_user, login_as, kind):
    login_as(make_user())
    token = BAD_TOKENS[kind](get_csrf(client, "/"))
    response = client.post(
        "/language", data={"locale": "en", "csrf_token": token}, headers=SAME_ORIGIN
    )
    assert response.status_code == 403
    if token.isascii() and "\x00" not in token:
        by_header = client.post("/language", data={"locale": "en"}, headers={"X-CSRF-Token": token})
        assert by_header.status_code == 403


def test_the_bare_unmasked_secret_is_refused(client, make_user, login_as):
    """What pages carried before the masking (the HMAC in hex) no longer passes: the value
    BREACH would go after is worth nothing on its own."""
    session_id = login_as(make_user())
    keyring = client.app.state.keyring
    bare = keyring._csrf_secret("session:" + session_id)
    for token in (bare.hex(), bare.hex().upper()):
        response = client.post(
            "/language", data={"locale": "en", "csrf_token": token}, headers=SAME_ORIGIN
        )
        assert response.status_code == 403
    assert keyring.csrf_valid("session:" + session_id, keyring.csrf_token("session:" + session_id))


def test_a_signed_out_visitors_token_is_masked_too(client):
    first = client.get("/login")
    cookie = first.cookies.get(CSRF_COOKIE) or client.cookies.get(CSRF_COOKIE)
    assert cookie
    one, two = csrf_from(first.text), get_csrf(client, "/login")
    assert one != two
    keyring = client.app.state.keyring
    assert keyring.csrf_valid("anon:" + cookie, one) and keyring.csrf_valid("anon:" + cookie, two)
    assert not keyring.csrf_valid("anon:other", one)


def test_a_token_of_another_session_is_refused(client, make_user, login_as, run, clock):
    user = make_user()
    login_as(user)
    token = get_csrf(client, "/")
    st: Any = client.app.state

    async def other(db: Any) -> str:
        return await sessions.create(
            db, keyring=st.keyring, settings=st.settings, user=user, now=clock()
        )

    client.cookies.set(sessions.cookie_name(st.settings), run(other))
    response = client.post(
        "/language", data={"locale": "en", "csrf_token": token}, headers=SAME_ORIGIN
    )
    assert response.status_code == 403
