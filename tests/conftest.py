"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL.

Tests are plain functions. Database work runs on the TestClient's own event loop through
``run``, so the app and the test share one engine and nothing crosses loops; browser tests
(which use sync Playwright) therefore never clash with an asyncio test runner.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel
from starlette.testclient import TestClient

from portal.app import create_app
from portal.auth import sessions
from portal.config import Settings
from portal.db import make_engine, upgrade
from portal.mail.backends import Message
from portal.mail.outbox import deliver_due
from portal.models import User

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
SECRET = "test-secret-key-" + "x" * 40


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not PG_URL:
        raise pytest.UsageError(
            "CI=true but PORTAL_TEST_DATABASE_URL is not set: PostgreSQL is required"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Browser tests last: sync Playwright must not start while other tests still need a loop.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    # The large role-by-route matrices run on SQLite only: who may do what is decided by
    # the same code and the same SQL filters on both databases, and every flow test that
    # uses those filters runs on PostgreSQL too. This keeps CI within its ten minutes.
    once = [
        item
        for item in items
        if item.get_closest_marker("one_database")
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("database_url") == "postgresql"
    ]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if item not in set(once)]


# ---- databases -------------------------------------------------------------------------


def _run_sync(coro_fn: Callable[[], Any]) -> Any:
    return asyncio.run(coro_fn())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def migrate() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        await engine.dispose()

    _run_sync(migrate)
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of its own for this test run, created and migrated once, dropped at the end."""
    import asyncpg

    base = sa.make_url(PG_URL)
    name = f"portal_test_{secrets.token_hex(4)}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)

    async def create() -> None:
        conn = await asyncpg.connect(admin_dsn)
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        engine = make_engine(base.set(database=name).render_as_string(hide_password=False))
        await upgrade(engine)
        await engine.dispose()

    async def drop() -> None:
        conn = await asyncpg.connect(admin_dsn)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    _run_sync(create)
    yield base.set(database=name).render_as_string(hide_password=False)
    _run_sync(drop)


def _truncate_pg(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)

    async def go() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await engine.dispose()

    _run_sync(go)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "portal.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


# ---- the app -----------------------------------------------------------------------------


@dataclass
class Clock:
    """The app's clock, moved by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 12, 1, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


class RecordingBackend:
    def __init__(self) -> None:
        self.sent: list[Message] = []

    async def send(self, message: Message) -> None:
        self.sent.append(message)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": SECRET,
        "base_url": "http://testserver",
        "email_backend": "console",
        "redis_url": "",
        "trusted_proxies": "",
        "run_worker": False,
        "company_name": "Zuiderlicht",
        "default_locale": "nl",
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def mailbox() -> RecordingBackend:
    return RecordingBackend()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, media_dir=tmp_path / "media")


@pytest.fixture
def app(settings: Settings, clock: Clock, mailbox: RecordingBackend) -> Any:
    return create_app(settings, clock=clock, email_backend=mailbox)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


@pytest.fixture
def run(client: TestClient) -> Callable[..., Any]:
    """Run ``await fn(db)`` in one committed transaction on the app's loop."""

    def runner(fn: Callable[[Any], Any]) -> Any:
        async def go() -> Any:
            async with client.app.state.db() as db, db.begin():  # type: ignore[attr-defined]
                return await fn(db)

        return client.portal.call(go)  # type: ignore[union-attr]

    return runner


@pytest.fixture
def deliver(client: TestClient, mailbox: RecordingBackend) -> Callable[[], list[Message]]:
    """Run the outbox worker once; returns every message delivered so far."""

    def go() -> list[Message]:
        st = client.app.state  # type: ignore[attr-defined]
        client.portal.call(  # type: ignore[union-attr]
            lambda: deliver_due(
                st.db,
                backend=mailbox,
                keyring=st.keyring,
                mail_from=st.settings.mail_from,
                max_attempts=3,
                now=st.clock(),
                dialect=st.dialect,
            )
        )
        return mailbox.sent

    return go


# ---- people and sign-in ------------------------------------------------------------------


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def get_csrf(client: TestClient, path: str = "/login") -> str:
    return csrf_from(client.get(path, follow_redirects=True).text)


@pytest.fixture
def make_user(run: Callable[..., Any], clock: Clock) -> Callable[..., User]:
    from tests.factories import create_user

    def make(role: str = "candidate", **kw: Any) -> User:
        # Made at the test clock's time, not the machine's: the retention rules count from
        # an account's creation, and a date read off the real clock made those tests pass
        # on 1 December 2026 only (and fail from 23:00 UTC, already 2 December in the zone).
        kw.setdefault("created_at", clock())
        return run(lambda db: create_user(db, role=role, **kw))  # type: ignore[no-any-return]

    return make


@pytest.fixture
def login_as(client: TestClient, run: Callable[..., Any], clock: Clock) -> Callable[[User], str]:
    """Give the client a live session for ``user`` (the sign-in flow has its own tests)."""

    def login(user: User) -> str:
        st = client.app.state  # type: ignore[attr-defined]

        async def create(db: Any) -> str:
            return await sessions.create(
                db, keyring=st.keyring, settings=st.settings, user=user, now=clock()
            )

        session_id: str = run(create)
        client.cookies.set(sessions.cookie_name(st.settings), session_id)
        return session_id

    return login


@pytest.fixture
def count_queries(client: TestClient) -> Callable[[], Any]:
    """A context manager counting the SQL statements the app sends."""
    from contextlib import contextmanager

    engine = client.app.state.engine.sync_engine  # type: ignore[attr-defined]

    @contextmanager
    def counting() -> Iterator[list[str]]:
        seen: list[str] = []

        def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement)

        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            yield seen
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)

    return counting


@pytest.fixture
def other_browser(client: TestClient) -> Callable[[], Any]:
    """Act as a second browser on the same app and loop: own cookies, restored afterwards."""
    from contextlib import contextmanager

    @contextmanager
    def switch() -> Iterator[TestClient]:
        saved = dict(client.cookies.items())
        client.cookies.clear()
        try:
            yield client
        finally:
            client.cookies.clear()
            for name, value in saved.items():
                client.cookies.set(name, value)

    return switch
