"""Signing in and out: the session a person gets once their link or code checks out, and
ending one session or all of them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.auth import sessions
from portal.auth.links import Failed, Problem, void_sign_in_tokens
from portal.config import LOCALES, Settings
from portal.models import User, Visit
from portal.security import Keyring

log = logging.getLogger("portal.auth")


@dataclass
class SignedIn:
    user: User
    session_id: str
    next_path: str | None
    max_age: int


async def public_id_of(db: AsyncSession, user_id: int) -> str | None:
    found: str | None = await db.scalar(
        sa.select(col(User.public_id)).where(col(User.id) == user_id)
    )
    return found


async def start_session(
    db: AsyncSession,
    *,
    keyring: Keyring,
    settings: Settings,
    user_id: int,
    next_path: str | None,
    now: datetime,
    via: str,
    chosen_locale: str | None = None,
) -> SignedIn | Failed:
    user = await db.get(User, user_id)
    if user is None or not user.is_active:
        log.info("sign-in refused: account inactive")
        return Failed(Problem.INACTIVE)
    # Always a brand-new session id: a fixated or stolen pre-login id is worthless.
    session_id = await sessions.create(db, keyring=keyring, settings=settings, user=user, now=now)
    user.last_sign_in_at = now
    if chosen_locale in LOCALES:
        # The language picked on the sign-in page carries over to the account.
        user.locale = chosen_locale
    if not user.role.is_staff:
        await db.execute(
            sa.update(Visit)
            .where(col(Visit.candidate_id) == user.id, col(Visit.first_signed_in_at).is_(None))
            .values(first_signed_in_at=now)
        )
    audit.about(db, user, action="auth.signed_in", now=now, actor=user, details={"via": via})
    log.info("signed in user %s via %s", user.public_id, via)
    _idle, absolute = settings.session_limits(staff=user.role.is_staff)
    return SignedIn(user, session_id, next_path, int(absolute.total_seconds()))


async def sign_out(
    db: AsyncSession, *, keyring: Keyring, user: User, session_id: str, now: datetime
) -> None:
    await sessions.revoke(db, keyring=keyring, session_id=session_id, now=now)
    audit.about(db, user, action="auth.signed_out", now=now, actor=user)
    log.info("signed out user %s", user.public_id)


async def sign_out_everywhere(db: AsyncSession, *, user_id: int, now: datetime) -> None:
    """End every session of a user and void every sign-in link and code sent to them.

    For deactivation, reactivation, a changed address and HR's "sign out everywhere".
    The account itself is left as it is; callers record their own audit event.
    """
    await sessions.revoke_all(db, user_id=user_id, now=now)
    links = await void_sign_in_tokens(db, user_id=user_id, now=now)
    log.info(
        "signed out everywhere: user %s (%d sign-in links voided)",
        await public_id_of(db, user_id) or "-",
        links,
    )
