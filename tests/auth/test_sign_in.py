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
    return client.post("/login/confirm", data={"token": token, "csrf_token": csrf_from(page.text) if page.status_code == 200 else get_csrf(client)})


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
