"""Sign-in links and the tokens behind them: made, mailed, checked and voided.

A token's row also holds the code of the e-mail, for the browser that asked (see codes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.config import Settings
from portal.mail.mailer import Mailer
from portal.models import SignInToken, TokenPurpose, User
from portal.security import Keyring, new_code, new_token

# Purposes that /login/confirm accepts; the hash is bound to the purpose as well.
SIGN_IN_PURPOSES = (TokenPurpose.SIGN_IN, TokenPurpose.INVITATION)


class Problem(StrEnum):
    """Why a link or code did not sign anyone in (shown to the person, logged)."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    WRONG_CODE = "wrong_code"
    NO_CODE = "no_code"
    TOO_MANY = "too_many"
    INACTIVE = "inactive"


@dataclass
class Failed:
    problem: Problem
    # When the link was ours but stale, it can be traded for a fresh one.
    can_resend: bool = False


def token_hash(keyring: Keyring, token: str) -> str:
    return keyring.digest("sign-in-token", token)


def create_token(
    db: AsyncSession,
    *,
    keyring: Keyring,
    settings: Settings,
    user: User,
    purpose: TokenPurpose,
    now: datetime,
    browser_id: str | None = None,
    next_path: str | None = None,
) -> tuple[str, str | None]:
    """Add a sign-in token (and, for a browser, a code); returns both in clear, once."""
    token = new_token()
    code = new_code() if browser_id else None
    lifetime = (
        timedelta(days=settings.invitation_link_days)
        if purpose is TokenPurpose.INVITATION
        else timedelta(minutes=settings.sign_in_link_minutes)
    )
    db.add(
        SignInToken(
            user_id=user.id,  # type: ignore[arg-type]
            purpose=purpose,
            token_hash=token_hash(keyring, token),
            code_hash=keyring.digest("sign-in-code", code) if code else None,
            browser_hash=keyring.digest("browser", browser_id) if browser_id else None,
            next_path=next_path,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token, code


async def _retire_codes(db: AsyncSession, *, user_id: int) -> None:
    """A new code replaces the earlier ones: an account has one live code at a time, so
    asking for many e-mails does not give many codes to guess at. Their links still work
    until used or expired."""
    await db.execute(
        sa.update(SignInToken)
        .where(col(SignInToken.user_id) == user_id, col(SignInToken.code_hash).is_not(None))
        .values(code_hash=None)
    )


def link_for(settings: Settings, token: str) -> str:
    # Built from the configured base URL, never from the request's Host header, which an
    # attacker could set to their own domain and so receive the token.
    return f"{settings.base_url}/login/confirm?token={token}"


async def issue_link(
    db: AsyncSession,
    *,
    mailer: Mailer,
    user: User,
    purpose: TokenPurpose,
    now: datetime,
    browser_id: str | None = None,
    next_path: str | None = None,
) -> None:
    """Create a token for ``user`` and queue the sign-in e-mail in the same transaction."""
    if browser_id:
        await _retire_codes(db, user_id=user.id or 0)
    settings = mailer.settings
    token, code = create_token(
        db,
        keyring=mailer.keyring,
        settings=settings,
        user=user,
        purpose=purpose,
        now=now,
        browser_id=browser_id,
        next_path=next_path,
    )
    await mailer.queue(
        db,
        "sign_in",
        to=user,
        context={
            "name": user.name,
            "link": link_for(settings, token),
            "code": code,
            "minutes": settings.sign_in_link_minutes,
        },
        now=now,
    )


async def inspect_token(
    db: AsyncSession, *, keyring: Keyring, token: str, now: datetime
) -> Problem | None:
    """Read-only: why this token would fail, or None when it would sign in. Uses nothing."""
    row = await db.scalar(
        sa.select(SignInToken).where(
            col(SignInToken.token_hash) == token_hash(keyring, token),
            col(SignInToken.purpose).in_(SIGN_IN_PURPOSES),
        )
    )
    return why(row, now)


def why(row: SignInToken | None, now: datetime) -> Problem | None:
    if row is None:
        return Problem.UNKNOWN
    if row.used_at is not None:
        return Problem.USED
    if row.expires_at <= now:
        return Problem.EXPIRED
    return None


async def link_owner(db: AsyncSession, *, keyring: Keyring, token: str) -> str | None:
    """The address of the account a link (live or not) was sent to, or None."""
    found: str | None = await db.scalar(
        sa.select(col(User.email))
        .join(SignInToken, col(SignInToken.user_id) == col(User.id))
        .where(col(SignInToken.token_hash) == token_hash(keyring, token))
    )
    return found


async def void_sign_in_tokens(db: AsyncSession, *, user_id: int, now: datetime) -> int:
    """Make every outstanding link and code of a user unusable; how many there were.

    Marked used rather than deleted: the link then says so and offers a fresh one, which
    goes to the account's address and only while the account is active.
    """
    voided = await db.execute(
        sa.update(SignInToken)
        .where(col(SignInToken.user_id) == user_id, col(SignInToken.used_at).is_(None))
        .values(used_at=now, code_hash=None)
        .returning(col(SignInToken.id))
    )
    return len(voided.all())
