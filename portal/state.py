"""What the app holds from start-up to shutdown, typed: built once by ``create_app`` (or
the command line) and handed to every request, the worker and its jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from jinja2_fragments.starlette import Jinja2Blocks
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from portal.config import Settings
from portal.mail.backends import EmailBackend
from portal.mail.mailer import Mailer
from portal.pictures.storage import LocalStorage
from portal.ratelimit import RateLimiter
from portal.security import Keyring


class Wakeable(Protocol):
    """The in-process worker as a request sees it: woken after a commit that queued mail."""

    wake: asyncio.Event


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    # Opens a session: ``async with state.db() as db`` (portal.db.transaction for one unit).
    db: async_sessionmaker[AsyncSession]
    keyring: Keyring
    templates: Jinja2Blocks
    limiter: RateLimiter
    email_backend: EmailBackend
    storage: LocalStorage
    clock: Callable[[], datetime]
    mailer: Mailer
    # The in-process outbox worker, when this process runs one (PORTAL_RUN_WORKER).
    worker: Wakeable | None = None

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql": the few places that differ ask this."""
        return self.engine.dialect.name


def of(app: Starlette) -> AppState:
    """The portal's state of an app made by ``create_app`` (which puts it in app.state)."""
    found = app.state
    if not isinstance(found, AppState):
        raise TypeError("not an app made by portal.app.create_app")
    return found
