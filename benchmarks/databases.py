"""The benchmark's own databases: made fresh for a run, dropped after it.

The generator and the runner both start from an empty database and fill it, so a database
they are pointed at is thrown away. On PostgreSQL they therefore only accept a database
whose name starts with ``bench`` (the test suite's ``test`` and ``portal_test_*`` can never
match), and on SQLite only a file (never ``:memory:``, which the servers could not share).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

# Benchmark data only: the sealed answers in a generated database are encrypted under it,
# and the servers of a run are started with it. It protects nothing real.
SECRET_KEY = "benchmark-only-secret-key-" + "b" * 32
DEFAULT_POSTGRESQL_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench"
BUILD_DIR = Path("build") / "benchmarks"


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_file(url: str) -> Path:
    path = url.split(":///", 1)[-1].split("?", 1)[0]
    if not path or path == ":memory:":
        raise ValueError("the benchmark needs a SQLite file, not an in-memory database")
    return Path(path)


def checked_name(url: str) -> str:
    """The PostgreSQL database's name, when it is one the benchmark may drop."""
    name = sa.make_url(url).database or ""
    if not name.startswith("bench"):
        raise ValueError(
            f"refusing database {name!r}: the benchmark drops and recreates its database, "
            "so its name must start with 'bench' (the tests' 'test' database is never used)"
        )
    return name


def _admin_dsn(url: str) -> str:
    """The server's maintenance database, in asyncpg's own URL form."""
    base = sa.make_url(url).set(drivername="postgresql", database="postgres")
    return base.render_as_string(hide_password=False)


async def recreate(url: str) -> None:
    """An empty database at ``url`` (whatever was there is gone)."""
    if is_sqlite(url):
        _remove_sqlite(sqlite_file(url))
        sqlite_file(url).parent.mkdir(parents=True, exist_ok=True)
        return
    name = checked_name(url)
    await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


async def drop(url: str) -> None:
    if is_sqlite(url):
        _remove_sqlite(sqlite_file(url))
        return
    await _admin(url, f'DROP DATABASE IF EXISTS "{checked_name(url)}" WITH (FORCE)')


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def _admin(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_admin_dsn(url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()
