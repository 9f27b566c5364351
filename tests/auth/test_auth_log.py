"""What sign-in leaves in the log: each event in UTC, with its actor and request id, and
never a token, a code, an e-mail address or a body (checklist item 27)."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from portal.logs import configure
from tests.auth.test_sign_in import ask_link, code_in, confirm, link_token
from tests.conftest import get_csrf

LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}Z (INFO|WARNING) (\S+) \[([0-9a-f]{16}|-)\] (.*)$"
)


class Log:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def lines(self) -> list[tuple[str, str]]:
        """(request id, message) of the portal's lines; every line is checked against the
        production format (the test client's own lines, logged outside requests, say "-")."""
        found = []
        for line in self.stream.getvalue().splitlines():
            match = LINE.match(line)
            assert match, f"not in the production format: {line!r}"
            if match.group(2).startswith("portal."):
                found.append((match.group(3), match.group(4)))
        return found

    def about(self, response: Any) -> list[str]:
        """The messages logged while serving ``response`` (by its X-Request-ID)."""
        request_id = response.headers["x-request-id"]
        return [message for rid, message in self.lines() if rid == request_id]


@pytest.fixture
def log() -> Iterator[Log]:
    """The log exactly as production writes it: ``portal.logs.configure()``'s handler,
    writing into a buffer; the test run's own logging is put back afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    quiet = {
        name: logging.getLogger(name).__dict__.copy() for name in ("uvicorn.access", "alembic")
    }
    configure()
    stream = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        yield Log(stream)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        for name, state in quiet.items():
            logging.getLogger(name).__dict__.update(state)


def test_sign_in_requests_uses_failures_and_logout_are_logged(client, make_user, deliver, log):
    user = make_user(email="sam@example.org")
    asked = ask_link(client, "sam@example.org")
    assert f"sign-in link requested for user {user.public_id}" in log.about(asked)
    unknown = ask_link(client, "nobody@example.org")
    assert "sign-in requested for an address without an active account" in log.about(unknown)

    mail = deliver()[-1]
    token, code = link_token(mail), code_in(mail)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    guessed = client.post("/login/confirm", data={"code": wrong, "csrf_token": get_csrf(client)})
    assert f"sign-in code refused: wrong code for user {user.public_id}" in log.about(guessed)

    used = confirm(client, token)
    assert f"signed in user {user.public_id} via link" in log.about(used)
    out = client.post("/logout", data={"csrf_token": get_csrf(client, "/")})
    assert f"signed out user {user.public_id}" in log.about(out)
    assert any(
        m.startswith("POST /logout 303 ") and m.endswith(f"by {user.public_id}")
        for m in log.about(out)
    )

    again = confirm(client, token)
    assert f"sign-in link refused: used (user {user.public_id})" in log.about(again)

    text = log.stream.getvalue()
    for secret in (token, code, wrong, "sam@example.org", "nobody@example.org"):
        assert secret not in text


def test_limits_reached_are_logged(client, settings, log):
    for _ in range(settings.login_rate_per_address):
        ask_link(client, "nobody@example.org")
    over = ask_link(client, "nobody@example.org")
    assert over.status_code == 429
    assert any(
        m.startswith("sign-in refused: too many requests for this address") for m in log.about(over)
    )
    assert "nobody@example.org" not in log.stream.getvalue()


def test_authorization_denials_are_logged_with_the_actor(client, make_user, login_as, log):
    employee = make_user(role="employee")
    login_as(employee)
    denied = client.get("/hr/people")
    assert denied.status_code == 404
    assert any(
        m.startswith("GET /hr/people 404 ") and m.endswith(f"by {employee.public_id}")
        for m in log.about(denied)
    )
    forged = client.post("/logout", data={"csrf_token": "forged" * 10})
    assert forged.status_code == 403
    messages = log.about(forged)
    assert "csrf refused: missing or wrong token on /logout" in messages
    assert any(m.endswith(f"by {employee.public_id}") for m in messages)


def test_anonymous_requests_are_logged_without_an_actor(client, log):
    page = client.get("/login")
    assert next(m for m in log.about(page) if m.startswith("GET /login 200 ")).endswith("by -")
