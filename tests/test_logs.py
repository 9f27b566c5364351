"""No personal data in the log: a failed statement is logged without its parameters, and
no exception's message (which may quote them) reaches a log line."""

from __future__ import annotations

import io
import logging

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError
from starlette.routing import Route
from starlette.testclient import TestClient

from portal import logs
from portal.db import make_engine
from portal.models import User
from portal.web import unit_of_work
from tests.factories import create_user

EMAIL = "sam.devries@example.org"
NAME = "Sam de Vries"


@pytest.fixture
def failing_client(app, run):
    """The app with one more route whose statements fail on a person's own values: on
    PostgreSQL, asyncpg's error for an address where a number belongs quotes the address
    (so hiding the parameters is not enough); on SQLite that passes, and a second account
    with the same address breaks a unique key."""

    async def fails(request):
        async with unit_of_work(request) as db:
            await db.execute(sa.text("SELECT id FROM users WHERE id = :id"), {"id": EMAIL})
            db.add(User(email=EMAIL, name=NAME))
            await db.flush()
        raise AssertionError("the statements above should have failed")

    app.router.routes.append(Route("/test/fails", fails, methods=["GET"]))
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as c:
        run_db = c.portal.call  # the app's own loop: the account must be in its database

        async def seed():
            async with app.state.db() as db, db.begin():
                await create_user(db, email=EMAIL, name=NAME)

        run_db(seed)
        yield c


def test_a_failed_statement_in_a_request_logs_no_personal_data(failing_client, caplog):
    with caplog.at_level(logging.INFO):
        response = failing_client.get("/test/fails?q=x")
    assert response.status_code == 500
    logged = caplog.text
    assert "unhandled error on GET /test/fails" in logged
    assert "Error" in logged and "File " in logged  # the type and where: enough to look into
    assert EMAIL not in logged and NAME not in logged
    assert "sam.devries" not in logged


def test_the_engine_never_puts_parameters_in_its_errors(database_url):
    import asyncio

    async def provoke() -> str:
        engine = make_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    sa.text("SELECT id FROM users WHERE email = :email AND id = :id"),
                    {"email": EMAIL, "id": "not a number"},
                )
                await conn.execute(
                    sa.text("INSERT INTO users (id, email) VALUES (:id, :email)"),
                    {"id": None, "email": EMAIL},
                )
        except StatementError as exc:
            return str(exc)
        finally:
            await engine.dispose()
        raise AssertionError("the statement should have failed")

    message = asyncio.run(provoke())
    assert "SQL parameters hidden" in message
    assert EMAIL not in message


def test_any_logged_exception_leaves_out_its_message():
    """What uvicorn logs for an unhandled error (logger.exception) goes through the
    portal's handler too: the frames and the type, not the message."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(logs.UTCFormatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("tests.uvicorn-like")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            try:
                raise KeyError(EMAIL)
            except KeyError as exc:
                raise ValueError(f"no account for {NAME}") from exc
        except ValueError:
            logger.exception("Exception in ASGI application")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    out = stream.getvalue()
    assert "Exception in ASGI application" in out
    assert "KeyError (message withheld)" in out and "ValueError (message withheld)" in out
    assert "test_any_logged_exception_leaves_out_its_message" in out  # the frames are there
    assert EMAIL not in out and NAME not in out


def test_the_workers_log_of_a_failed_pass_leaves_out_the_message(caplog):
    log = logging.getLogger("tests.worker-like")
    with caplog.at_level(logging.ERROR):
        try:
            raise RuntimeError(f"could not mail {EMAIL}")
        except RuntimeError:
            logs.log_exception(log, "outbox worker pass failed")
    assert "outbox worker pass failed" in caplog.text
    assert "RuntimeError (message withheld)" in caplog.text
    assert EMAIL not in caplog.text
