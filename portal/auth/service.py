"""Sign-in by magic link and one-time code: the rules, with no HTTP in sight.

This is the flow (ask for a link, use it, ask again); the tokens themselves are in
links, the session it ends in is in signing, and the code's own rules in codes.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.auth.links import SIGN_IN_PURPOSES, issue_link, token_hash, why
from portal.auth.links import Failed as Failed
from portal.auth.links import Problem as Problem
from portal.auth.links import create_token as create_token
from portal.auth.links import link_for as link_for
from portal.auth.signing import SignedIn as SignedIn
from portal.auth.signing import public_id_of, start_session
from portal.auth.signing import sign_out_everywhere as sign_out_everywhere
from portal.config import Settings
from portal.mail.mailer import Mailer
from portal.models import SignInToken, TokenPurpose, User
from portal.security import Keyring

log = logging.getLogger("portal.auth")

# Sign-in e-mails per address are counted in one bucket by POST /login and /login/resend.
ADDRESS_BUCKET = "rl-login-addr"


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def find_user(db: AsyncSession, email: str) -> User | None:
    return await db.scalar(sa.select(User).where(col(User.email) == normalise_email(email)))


def address_key(keyring: Keyring, email: str) -> str:
    """The rate-limit key of an address (a keyed hash: no address is stored in clear)."""
    return keyring.digest(ADDRESS_BUCKET, normalise_email(email))


async def request_link(
    db: AsyncSession,
    *,
    mailer: Mailer,
    email: str,
    browser_id: str,
    next_path: str | None,
    now: datetime,
) -> bool:
    """Queue a sign-in e-mail when the address belongs to an active user.

    The caller answers the same way whatever this returns: whether an address is known
    is nobody's business (no enumeration).
    """
    user = await find_user(db, email)
    if user is None or not user.is_active:
        log.info("sign-in requested for an address without an active account")
        return False
    log.info("sign-in link requested for user %s", user.public_id)
    await issue_link(
        db,
        mailer=mailer,
        user=user,
        purpose=TokenPurpose.SIGN_IN,
        now=now,
        browser_id=browser_id,
        next_path=next_path,
    )
    audit.about(db, user, action="auth.link_requested", now=now, actor=user)
    return True


async def confirm_token(
    db: AsyncSession,
    *,
    keyring: Keyring,
    settings: Settings,
    token: str,
    now: datetime,
    chosen_locale: str | None = None,
) -> SignedIn | Failed:
    """Use a link's token: exactly once, even when two requests race for it."""
    digest = token_hash(keyring, token)
    # One conditional UPDATE: of two concurrent requests only one sees a row come back.
    used = await db.execute(
        sa.update(SignInToken)
        .where(
            col(SignInToken.token_hash) == digest,
            col(SignInToken.purpose).in_(SIGN_IN_PURPOSES),
            col(SignInToken.used_at).is_(None),
            col(SignInToken.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(SignInToken.user_id), col(SignInToken.next_path))
    )
    row = used.first()
    if row is None:
        stale = await db.scalar(sa.select(SignInToken).where(col(SignInToken.token_hash) == digest))
        problem = why(stale, now) or Problem.UNKNOWN
        owner = await public_id_of(db, stale.user_id) if stale is not None else None
        log.info("sign-in link refused: %s (user %s)", problem.value, owner or "-")
        return Failed(problem, can_resend=problem in (Problem.USED, Problem.EXPIRED))
    return await start_session(
        db,
        keyring=keyring,
        settings=settings,
        user_id=row[0],
        next_path=row[1],
        now=now,
        via="link",
        chosen_locale=chosen_locale,
    )


async def resend_for_token(
    db: AsyncSession,
    *,
    mailer: Mailer,
    token: str,
    browser_id: str,
    now: datetime,
) -> None:
    """A used or expired link's owner gets a fresh one (mailed to them, never shown here).

    The caller counts it against the owner's address first (see ``links.link_owner``).
    """
    row = await db.scalar(
        sa.select(SignInToken).where(
            col(SignInToken.token_hash) == token_hash(mailer.keyring, token)
        )
    )
    if row is None:
        return
    user = await db.get(User, row.user_id)
    if user is None or not user.is_active:
        return
    await issue_link(
        db,
        mailer=mailer,
        user=user,
        purpose=TokenPurpose.SIGN_IN,
        now=now,
        browser_id=browser_id,
        next_path=row.next_path,
    )
    log.info("fresh sign-in link sent to user %s", user.public_id)


async def set_locale(db: AsyncSession, *, user_id: int, locale: str) -> None:
    await db.execute(sa.update(User).where(col(User.id) == user_id).values(locale=locale))
