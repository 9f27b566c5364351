"""Sign-in by magic link and one-time code: the rules, with no HTTP in sight."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.auth import sessions
from portal.config import LOCALES, Settings
from portal.mail.mailer import Mailer
from portal.models import SignInToken, TokenPurpose, User, Visit
from portal.security import Keyring, new_code, new_token

log = logging.getLogger("portal.auth")

# Purposes that /login/confirm accepts; the hash is bound to the purpose as well.
SIGN_IN_PURPOSES = (TokenPurpose.SIGN_IN, TokenPurpose.INVITATION)

# Sign-in e-mails per address are counted in one bucket by POST /login and /login/resend.
ADDRESS_BUCKET = "rl-login-addr"


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
class SignedIn:
    user: User
    session_id: str
    next_path: str | None
    max_age: int


@dataclass
class Failed:
    problem: Problem
    # When the link was ours but stale, it can be traded for a fresh one.
    can_resend: bool = False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def token_hash(keyring: Keyring, token: str) -> str:
    return keyring.digest("sign-in-token", token)


async def find_user(db: AsyncSession, email: str) -> User | None:
    return await db.scalar(sa.select(User).where(col(User.email) == normalise_email(email)))


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
    audit.record(
        db,
        action="auth.link_requested",
        now=now,
        actor_id=user.id,
        subject_type="user",
        subject_id=user.public_id,
    )
    return True


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
    return _why(row, now)


def _why(row: SignInToken | None, now: datetime) -> Problem | None:
    if row is None:
        return Problem.UNKNOWN
    if row.used_at is not None:
        return Problem.USED
    if row.expires_at <= now:
        return Problem.EXPIRED
    return None


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
        problem = _why(stale, now) or Problem.UNKNOWN
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
    audit.record(
        db,
        action="auth.signed_in",
        now=now,
        actor_id=user.id,
        subject_type="user",
        subject_id=user.public_id,
        details={"via": via},
    )
    log.info("signed in user %s via %s", user.public_id, via)
    _idle, absolute = settings.session_limits(staff=user.role.is_staff)
    return SignedIn(user, session_id, next_path, int(absolute.total_seconds()))


async def link_owner(db: AsyncSession, *, keyring: Keyring, token: str) -> str | None:
    """The address of the account a link (live or not) was sent to, or None."""
    found: str | None = await db.scalar(
        sa.select(col(User.email))
        .join(SignInToken, col(SignInToken.user_id) == col(User.id))
        .where(col(SignInToken.token_hash) == token_hash(keyring, token))
    )
    return found


async def resend_for_token(
    db: AsyncSession,
    *,
    mailer: Mailer,
    token: str,
    browser_id: str,
    now: datetime,
) -> None:
    """A used or expired link's owner gets a fresh one (mailed to them, never shown here).

    The caller counts it against the owner's address first (see ``link_owner``).
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


def address_key(keyring: Keyring, email: str) -> str:
    """The rate-limit key of an address (a keyed hash: no address is stored in clear)."""
    return keyring.digest(ADDRESS_BUCKET, normalise_email(email))


async def sign_out(
    db: AsyncSession, *, keyring: Keyring, user: User, session_id: str, now: datetime
) -> None:
    await sessions.revoke(db, keyring=keyring, session_id=session_id, now=now)
    audit.record(
        db,
        action="auth.signed_out",
        now=now,
        actor_id=user.id,
        subject_type="user",
        subject_id=user.public_id,
    )
    log.info("signed out user %s", user.public_id)


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


async def set_locale(db: AsyncSession, *, user_id: int, locale: str) -> None:
    await db.execute(sa.update(User).where(col(User.id) == user_id).values(locale=locale))
