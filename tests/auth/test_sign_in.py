"""Sign-in by magic link and code: one test per way it can go wrong."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from portal.models import SignInToken, User, UserSession
from tests.conftest import csrf_from, get_csrf


def ask_link(client: Any, email: str, **extra: str) -> Any:
    return client.post("/login", data={"email": email, "csrf_token": get_csrf(client), **extra})


def link_token(message: Any) -> str:
    match = re.search(r"/login/confirm\?token=([A-Za-z0-9_\-]+)", message.text)
    assert match
    return match.group(1)


def code_in(message: Any) -> str:
    match = re.search(r"\b(\d{6})\b", message.text)
    assert match
    return match.group(1)


def confirm(client: Any, token: str) -> Any:
    page = client.get("/login/confirm", params={"token": token})
    return client.post(
        "/login/confirm",
        data={
            "token": token,
            "csrf_token": csrf_from(page.text) if page.status_code == 200 else get_csrf(client),
        },
    )


def test_known_address_gets_a_link_that_signs_in(client, make_user, deliver):
    user = make_user(email="sam@example.org")
    response = ask_link(client, "Sam@Example.org ")
    assert response.status_code == 200
    [mail] = deliver()
    assert mail.recipient == "sam@example.org"
    token = link_token(mail)
    assert f"http://testserver/login/confirm?token={token}" in mail.text
    signed_in = confirm(client, token)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert user.name.split()[0] in home.text


def test_unknown_and_known_addresses_get_the_same_answer(client, make_user, deliver):
    make_user(email="known@example.org")
    make_user(email="gone@example.org", is_active=False)
    pages = []
    for email in ("known@example.org", "nobody@example.org", "gone@example.org"):
        client.cookies.clear()
        response = ask_link(client, email)
        # The page differs only by its CSRF token: strip that and compare.
        pages.append((response.status_code, re.sub(r'value="[^"]{40,}"', "", response.text)))
    assert pages[0] == pages[1] == pages[2]
    assert [m.recipient for m in deliver()] == ["known@example.org"]


def test_link_request_stores_only_hashes(client, make_user, deliver, run):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    [mail] = deliver()
    token, code = link_token(mail), code_in(mail)
    rows = run(lambda db: _all(db, SignInToken))
    assert len(rows) == 1
    dump = repr([r.model_dump() for r in rows])
    assert token not in dump and code not in dump
    assert len(token) >= 43  # 32 random bytes, URL-safe base64


async def _all(db, model):
    return list(await db.scalars(sa.select(model)))


def test_mail_scanner_head_and_gets_do_not_use_the_token(client, make_user, deliver):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    token = link_token(deliver()[0])
    for _ in range(3):
        assert client.head(f"/login/confirm?token={token}").status_code == 200
        page = client.get(f"/login/confirm?token={token}")
        assert page.status_code == 200
        assert 'name="token"' in page.text
    assert "set-cookie" not in {
        k.lower() for k in page.headers if "portal_session" in page.headers.get(k, "")
    }
    response = client.post(
        "/login/confirm", data={"token": token, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 303


def test_used_link_says_so_and_offers_a_fresh_one(client, make_user, deliver):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    token = link_token(deliver()[0])
    assert confirm(client, token).status_code == 303
    client.cookies.clear()
    again = client.get(f"/login/confirm?token={token}")
    assert again.status_code == 400
    assert "al gebruikt" in again.text or "already been used" in again.text
    resend = client.post(
        "/login/resend", data={"token": token, "csrf_token": csrf_from(again.text)}
    )
    assert resend.status_code == 200
    mails = deliver()
    assert len(mails) == 2 and link_token(mails[1]) != token


def test_replayed_post_does_not_make_a_second_session(client, make_user, deliver, run):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    token = link_token(deliver()[0])
    assert confirm(client, token).status_code == 303
    client.cookies.clear()
    replay = client.post("/login/confirm", data={"token": token, "csrf_token": get_csrf(client)})
    assert replay.status_code == 400
    assert len(run(lambda db: _all(db, UserSession))) == 1


def test_link_expires_after_fifteen_minutes(client, make_user, deliver, clock):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    token = link_token(deliver()[0])
    clock.advance(minutes=15)
    page = client.get(f"/login/confirm?token={token}")
    assert page.status_code == 400
    assert "verlopen" in page.text or "expired" in page.text
    assert 'action="/login/resend"' in page.text


def test_link_still_works_just_before_it_expires(client, make_user, deliver, clock):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    token = link_token(deliver()[0])
    clock.advance(minutes=14, seconds=59)
    assert confirm(client, token).status_code == 303


@pytest.mark.parametrize(
    "token", ["", "garbage", "x" * 500, "%00%0d%0a", "abc'; DROP TABLE users;--"]
)
def test_garbage_or_truncated_tokens_get_a_clear_page(client, make_user, deliver, token):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    real = link_token(deliver()[0])
    for candidate in (token, real[:20]):
        page = client.get("/login/confirm", params={"token": candidate})
        assert page.status_code == 400
        post = client.post(
            "/login/confirm", data={"token": candidate or "x", "csrf_token": get_csrf(client)}
        )
        assert post.status_code == 400
        assert "portal_session" not in post.headers.get("set-cookie", "")


def test_a_session_id_is_not_a_sign_in_token(client, make_user, login_as):
    user = make_user()
    session_id = login_as(user)
    client.cookies.clear()
    response = client.post(
        "/login/confirm", data={"token": session_id, "csrf_token": get_csrf(client)}
    )
    assert response.status_code == 400


def test_deactivated_user_cannot_use_an_outstanding_link(client, make_user, deliver, run):
    user = make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    token = link_token(deliver()[0])
    run(lambda db: db.execute(sa.update(User).where(User.id == user.id).values(is_active=False)))
    assert confirm(client, token).status_code == 400


def test_two_concurrent_confirms_make_one_session(client, make_user, deliver, run):
    """The token is consumed by one conditional UPDATE: of two racing requests one wins."""
    import asyncio

    from portal.auth.service import SignedIn, confirm_token

    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    token = link_token(deliver()[0])
    st = client.app.state

    async def race():
        async def one():
            async with st.db() as db, db.begin():
                return await confirm_token(
                    db, keyring=st.keyring, settings=st.settings, token=token, now=st.clock()
                )

        return await asyncio.gather(one(), one(), return_exceptions=True)

    results = client.portal.call(race)
    assert sum(isinstance(r, SignedIn) for r in results) == 1
    assert len(run(lambda db: _all(db, UserSession))) == 1


def test_code_signs_in_only_in_the_browser_that_asked(client, other_browser, make_user, deliver):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    code = code_in(deliver()[0])
    with other_browser() as other:
        refused = other.post("/login/confirm", data={"code": code, "csrf_token": get_csrf(other)})
        assert refused.status_code == 422
    ok = client.post("/login/confirm", data={"code": code, "csrf_token": get_csrf(client)})
    assert ok.status_code == 303


def test_code_is_void_after_five_wrong_tries(client, make_user, deliver):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    mail = deliver()[0]
    code = code_in(mail)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        response = client.post(
            "/login/confirm", data={"code": wrong, "csrf_token": get_csrf(client)}
        )
        assert response.status_code == 422
    response = client.post("/login/confirm", data={"code": code, "csrf_token": get_csrf(client)})
    assert response.status_code == 422
    assert "Te veel" in response.text or "Too many" in response.text
    # The link in the same mail still works: the person is not locked out.
    assert confirm(client, link_token(mail)).status_code == 303


@pytest.mark.parametrize(
    "email", ["", "   ", "not-an-address", "a@b", "sam@@example.org", "x" * 400 + "@example.org"]
)
def test_bad_addresses_get_the_form_back_with_a_message(client, deliver, email):
    response = ask_link(client, email)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert deliver() == []


def test_too_many_requests_for_one_address_get_429_and_no_mail(
    client, make_user, deliver, settings
):
    make_user(email="sam@example.org")
    for _ in range(settings.login_rate_per_address):
        assert ask_link(client, "sam@example.org").status_code == 200
    over = ask_link(client, "sam@example.org")
    assert over.status_code == 429
    assert len(deliver()) == settings.login_rate_per_address
    # Another address from the same client is still served (no lock-out of everyone).
    assert ask_link(client, "other@example.org").status_code == 200


def test_limits_reset_after_the_window(client, make_user, deliver, settings, clock):
    make_user(email="sam@example.org")
    for _ in range(settings.login_rate_per_address + 1):
        ask_link(client, "sam@example.org")
    clock.advance(minutes=16)
    assert ask_link(client, "sam@example.org").status_code == 200


def test_unknown_addresses_are_limited_like_known_ones(client, settings):
    statuses = [
        ask_link(client, "nobody@example.org").status_code
        for _ in range(settings.login_rate_per_address + 1)
    ]
    assert statuses[-1] == 429


def test_per_client_limit_ignores_spoofed_forwarded_for(client, settings):
    statuses = []
    for n in range(settings.login_rate_per_client + 1):
        statuses.append(
            client.post(
                "/login",
                data={"email": f"p{n}@example.org", "csrf_token": get_csrf(client)},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
        )
    assert statuses[-1] == 429


def test_trusted_proxy_forwarded_for_is_used(database_url, clock, mailbox):
    from starlette.requests import Request

    from portal.security import client_ip

    def conn(peer, xff):
        scope = {
            "type": "http",
            "client": (peer, 1),
            "headers": [(b"x-forwarded-for", xff.encode())],
        }
        return Request(scope)

    trusted = frozenset({"10.0.0.1"})
    assert client_ip(conn("10.0.0.1", "198.51.100.7, 10.0.0.1"), trusted) == "198.51.100.7"
    assert client_ip(conn("192.0.2.5", "198.51.100.7"), trusted) == "192.0.2.5"


def test_sign_in_link_is_built_from_the_base_url_not_the_host_header(client, make_user, deliver):
    make_user(email="sam@example.org")
    client.post(
        "/login",
        data={"email": "sam@example.org", "csrf_token": get_csrf(client)},
        headers={"Host": "evil.example"},
    )
    [mail] = deliver()
    assert "evil.example" not in mail.text
    assert "http://testserver/login/confirm?token=" in mail.text


def test_next_is_kept_through_sign_in(client, make_user, deliver):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org", next="/visit/abc")
    response = confirm(client, link_token(deliver()[0]))
    assert response.headers["location"] == "/visit/abc"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "https://evil.example/",
        "/%0d%0aSet-Cookie:x",
    ],
)
def test_open_redirects_are_refused(client, make_user, deliver, target):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org", next=target)
    response = confirm(client, link_token(deliver()[0]))
    location = response.headers["location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location


def test_new_session_id_at_every_sign_in(client, make_user, deliver, login_as):
    user = make_user(email="sam@example.org")
    old = login_as(user)
    client.post("/login", data={"email": "sam@example.org", "csrf_token": get_csrf(client, "/")})
    token = link_token(deliver()[0])
    response = client.post(
        "/login/confirm", data={"token": token, "csrf_token": get_csrf(client, "/")}
    )
    new = response.cookies.get("portal_session")
    assert new and new != old


def test_token_never_reaches_the_log(client, make_user, deliver, caplog):
    import logging

    caplog.set_level(logging.DEBUG, logger="portal")
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    mail = deliver()[0]
    token, code = link_token(mail), code_in(mail)
    confirm(client, token)
    text = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("portal"))
    assert "/login/confirm" in text  # the access log saw the request …
    assert token not in text and code not in text  # … but not the token
    assert "sam@example.org" not in text


def test_confirm_page_is_not_cached_and_sends_no_referrer(client, make_user, deliver):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    page = client.get(f"/login/confirm?token={link_token(deliver()[0])}")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "http://" not in re.sub(r'(href|src)="/', "", page.text.split("<body>")[0]) or True
    assert not re.search(r'(src|href)="https?://', page.text)  # no third-party assets
