"""Rate limits shared by every app process.

In the database by default (one upsert a check), or in Redis through the ``limits``
library when ``PORTAL_REDIS_URL`` is set. Keys are keyed hashes: no address or IP is
stored in clear.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from portal.models import RateLimitHit

WINDOW = timedelta(minutes=15)


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, now: datetime) -> bool:
        """Count one hit on ``key``; False when it goes over ``limit`` per window."""

    async def close(self) -> None: ...


class DatabaseRateLimiter:
    """A fixed window counted with one atomic upsert (SQLite and PostgreSQL)."""

    def __init__(self, factory: Any, dialect: str) -> None:
        self.factory = factory
        self.insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

    async def hit(self, key: str, limit: int, now: datetime) -> bool:
        seconds = int(WINDOW.total_seconds())
        window = int(now.timestamp()) // seconds
        expires = datetime.fromtimestamp((window + 1) * seconds, tz=now.tzinfo)
        insert = self.insert(RateLimitHit).values(
            key=f"{key}:{window}", count=1, expires_at=expires
        )
        stmt = insert.on_conflict_do_update(
            index_elements=["key"],
            set_={"count": col(RateLimitHit.count) + 1},
        ).returning(col(RateLimitHit.count))
        async with self.factory() as db, db.begin():
            count = (await db.execute(stmt)).scalar_one()
        return bool(count <= limit)

    async def purge(self, now: datetime) -> None:
        async with self.factory() as db, db.begin():
            await db.execute(sa.delete(RateLimitHit).where(col(RateLimitHit.expires_at) < now))

    async def close(self) -> None:
        return None


class RedisRateLimiter:
    """The same limits, kept in Redis by the ``limits`` library's fixed window."""

    def __init__(self, url: str) -> None:
        from limits import RateLimitItemPerMinute
        from limits.aio.storage import RedisStorage
        from limits.aio.strategies import FixedWindowRateLimiter

        self._item = RateLimitItemPerMinute
        self._storage = RedisStorage(
            url.replace("redis://", "async+redis://", 1) if url.startswith("redis://") else url,
            implementation="redispy",
        )
        self._limiter = FixedWindowRateLimiter(self._storage)

    async def hit(self, key: str, limit: int, now: datetime) -> bool:
        minutes = int(WINDOW.total_seconds() // 60)
        return bool(await self._limiter.hit(self._item(limit, minutes), "portal", key))

    async def close(self) -> None:
        # limits keeps a redis-py client inside its bridge; close its connection pool.
        client = getattr(getattr(self._storage, "bridge", None), "storage", None)
        if client is not None:
            await client.aclose()


def make_limiter(factory: Any, dialect: str, redis_url: str) -> RateLimiter:
    if redis_url:
        return RedisRateLimiter(redis_url)
    return DatabaseRateLimiter(factory, dialect)
