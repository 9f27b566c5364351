"""The database engine, sessions and migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; on SQLite with WAL, foreign keys and a busy timeout."""
    # A failed statement's error never carries its parameters (names, e-mail addresses,
    # answers): only the SQL, so a logged error holds no personal data.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        db_path = url.split(":///", 1)[-1].split("?", 1)[0]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 15})
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @sa.event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Deleted rows are overwritten with zeros, not left in free pages: an erased
            # candidate must not linger in the file (not every SQLite build does this).
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, class_=AsyncSession)


@asynccontextmanager
async def transaction(factory: Any) -> AsyncIterator[AsyncSession]:
    """One session and one transaction: committed on success, rolled back on error."""
    async with factory() as session, session.begin():
        yield session


def alembic_config() -> Config:
    # Alembic (with Mako and Pygments) is imported when migrations run, not when the app
    # starts: `portal serve` migrates in a short-lived child process (portal.cli), so a
    # worker that serves pages never holds those 10 MB.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` over the engine's own connection."""

    from alembic import command

    def _run(sync_conn: sa.Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)


async def ping(conn: AsyncConnection) -> None:
    await conn.execute(sa.text("SELECT 1"))


class Conflict(Exception):
    """The row changed (or went) since the person saw it; nothing was saved. Raised by a
    feature when ``update_if`` matched no row, and answered with the row as it is now."""


async def update_if(
    db: AsyncSession, model: Any, *conditions: Any, now: datetime, **values: Any
) -> bool:
    """One conditional UPDATE that also stamps ``updated_at`` and raises ``version``.

    Every state change of a question or a story goes through here with its allowed states
    and the version the person saw: of two people changing a row at once, one wins and the
    other is told (nothing is silently overwritten). True when the row matched.
    """
    changed = await db.execute(
        sa.update(model)
        .where(*conditions)
        .values(**values, updated_at=now, version=model.version + 1)
        .returning(model.id)
    )
    return changed.first() is not None


async def lock_row(db: AsyncSession, model: Any, row_id: int) -> None:
    """Hold one row until the transaction ends: a second request that locks the same row
    waits here, so what it counts or looks up afterwards sees the first one's writes.

    A no-op UPDATE rather than SELECT … FOR UPDATE. On PostgreSQL both take the row lock,
    but SQLite has no row locks and drops FOR UPDATE; an UPDATE takes its database write
    lock there (the driver begins the transaction at the first write), which serialises
    the same way. Call it before anything else in the transaction writes: on SQLite a
    transaction that has already read cannot then write over a newer commit.
    """
    await db.execute(
        sa.update(model)
        .where(model.id == row_id)
        .values(id=model.id)
        .execution_options(synchronize_session=False)
    )
