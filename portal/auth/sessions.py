"""Server-side sessions: the cookie holds a random id, the database its hash."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import contains_eager
from sqlmodel import col
from starlette.responses import Response

from portal.config import Settings
from portal.models import User, UserSession, rel
from portal.security import Keyring

# last_seen_at is written at most this often, so an ordinary page costs no write.
TOUCH_EVERY = timedelta(minutes=5)


def cookie_name(settings: Settings) -> str:
    # Under HTTPS the __Host- prefix pins the cookie to this host, path / and Secure.
    return "__Host-portal_session" if settings.https else "portal_session"


# Built once: every request signed in runs it, and composing it cost as much as running it.
_LIVE_SESSION = (
    sa.select(UserSession)
    .join(rel(UserSession.user))
    .options(contains_eager(rel(UserSession.user)))
    .where(
        col(UserSession.id_hash) == sa.bindparam("id_hash"),
        col(UserSession.revoked_at).is_(None),
        col(UserSession.expires_at) > sa.bindparam("now"),
        col(User.is_active).is_(True),
    )
)


async def load(
    *,
    factory: async_sessionmaker[AsyncSession],
    keyring: Keyring,
    settings: Settings,
    session_id: str,
    now: datetime,
) -> User | None:
    """The user of a live session, in one indexed query (plus a rare idle-time touch)."""
    if len(session_id) > 100:
        return None
    id_hash = keyring.digest("session", session_id)
    async with factory() as db:
        row: UserSession | None = await db.scalar(_LIVE_SESSION, {"id_hash": id_hash, "now": now})
        if row is None:
            return None
        idle, _absolute = settings.session_limits(staff=row.user.role.is_staff)
        if row.last_seen_at + idle < now:
            return None
        if now - row.last_seen_at > TOUCH_EVERY:
            await db.execute(
                sa.update(UserSession).where(col(UserSession.id) == row.id).values(last_seen_at=now)
            )
            await db.commit()
        return row.user


async def create(
    db: AsyncSession, *, keyring: Keyring, settings: Settings, user: User, now: datetime
) -> str:
    """A fresh session for ``user``; returns the id for the cookie (never stored)."""
    session_id = secrets.token_urlsafe(32)
    _idle, absolute = settings.session_limits(staff=user.role.is_staff)
    db.add(
        UserSession(
            id_hash=keyring.digest("session", session_id),
            user_id=user.id,  # type: ignore[arg-type]
            created_at=now,
            last_seen_at=now,
            expires_at=now + absolute,
        )
    )
    return session_id


async def revoke(db: AsyncSession, *, keyring: Keyring, session_id: str, now: datetime) -> None:
    await db.execute(
        sa.update(UserSession)
        .where(col(UserSession.id_hash) == keyring.digest("session", session_id))
        .values(revoked_at=now)
    )


async def revoke_all(db: AsyncSession, *, user_id: int, now: datetime) -> None:
    """Sign a user out everywhere (used on deactivation and by "sign out everywhere")."""
    await db.execute(
        sa.update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )


def set_cookie(response: Response, settings: Settings, session_id: str, max_age: int) -> None:
    response.set_cookie(
        cookie_name(settings),
        session_id,
        max_age=max_age,
        path="/",
        httponly=True,  # no script reads it
        samesite="lax",  # not sent on cross-site POSTs
        secure=settings.https,
    )


def clear_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(settings), path="/", httponly=True, samesite="lax", secure=settings.https
    )
