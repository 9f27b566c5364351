"""A fresh link for an old one (``POST /login/resend``) counts like ``POST /login``."""

from __future__ import annotations

from tests.auth.test_sign_in import ask_link, confirm, link_token
from tests.conftest import get_csrf


def resend(client, token: str) -> int:
    data = {"token": token, "csrf_token": get_csrf(client)}
    return int(client.post("/login/resend", data=data).status_code)


def test_resend_counts_against_the_per_address_limit(client, make_user, deliver, settings):
    make_user(email="sam@example.org")
    assert settings.login_rate_per_address == 5
    assert ask_link(client, "sam@example.org").status_code == 200
    old = link_token(deliver()[0])
    assert confirm(client, old).status_code == 303
    client.cookies.clear()
    assert [resend(client, old) for _ in range(6)] == [200] * 4 + [429] * 2
    assert len(deliver()) == 5  # over the limit: no mail queued
    # /login and /login/resend share one count for the address.
    assert ask_link(client, "sam@example.org").status_code == 429
    assert len(deliver()) == 5


def test_resend_is_refused_once_login_used_up_the_address(client, make_user, deliver, settings):
    make_user(email="sam@example.org")
    for _ in range(settings.login_rate_per_address):
        assert ask_link(client, "sam@example.org").status_code == 200
    token = link_token(deliver()[0])
    assert resend(client, token) == 429
    assert len(deliver()) == settings.login_rate_per_address


def test_resend_works_again_in_the_next_window(client, make_user, deliver, settings, clock):
    make_user(email="sam@example.org")
    for _ in range(settings.login_rate_per_address):
        ask_link(client, "sam@example.org")
    token = link_token(deliver()[0])
    assert resend(client, token) == 429
    clock.advance(minutes=16)
    assert resend(client, token) == 200
    assert len(deliver()) == settings.login_rate_per_address + 1
