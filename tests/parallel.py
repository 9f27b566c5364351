"""Parallel requests against the test app, on its own event loop (for races and limits)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
from starlette.testclient import TestClient


def post_in_parallel(client: TestClient, path: str, bodies: list[dict[str, Any]]) -> list[Any]:
    """POST each form body at once, as the client's browser (its cookies); the responses.

    The requests go through the ASGI app on the TestClient's loop, so they really interleave
    at every ``await`` (database calls included), as concurrent requests do in production.
    """
    cookies = dict(client.cookies.items())

    async def go() -> list[Any]:
        transport = httpx2.ASGITransport(app=client.app)
        async with httpx2.AsyncClient(
            transport=transport, base_url="http://testserver", cookies=cookies
        ) as browser:
            return await asyncio.gather(*(browser.post(path, data=body) for body in bodies))

    result: list[Any] = client.portal.call(go)  # type: ignore[union-attr]
    return result
