"""Rate limits: in the database by default, in Redis when configured."""

from __future__ import annotations

import asyncio
import os
import secrets
from datetime import UTC, datetime

import pytest

from portal.ratelimit import RedisRateLimiter

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")


def test_database_limiter_counts_per_key_and_window(client):
    limiter = client.app.state.limiter
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    hits = [client.portal.call(limiter.hit, "k1", 3, now) for _ in range(4)]
    assert hits == [True, True, True, False]
    assert client.portal.call(limiter.hit, "k2", 3, now) is True


def test_redis_limiter():
    if not REDIS_URL:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but PORTAL_TEST_REDIS_URL is not set")
        pytest.skip("set PORTAL_TEST_REDIS_URL to test the Redis limiter")

    async def go():
        limiter = RedisRateLimiter(REDIS_URL)
        key = f"test-{secrets.token_hex(8)}"
        now = datetime.now(UTC)
        try:
            return [await limiter.hit(key, 3, now) for _ in range(4)]
        finally:
            await limiter.close()

    assert asyncio.run(go()) == [True, True, True, False]
