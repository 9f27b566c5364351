"""Sign-in by the six-digit code: one live code per account, guesses counted per account.

Someone who asks for another person's sign-in e-mail is "the browser that asked", so the
code alone cannot stop them: what does is that a new code replaces the earlier ones and
that every attempt counts against the account, whichever browser or code it uses.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.auth.links import Failed, Problem
from portal.auth.signing import SignedIn, start_session
from portal.config import Settings
from portal.models import SignInToken, User
from portal.ratelimit import RateLimiter
from portal.security import Keyring

log = logging.getLogger("portal.auth")

CODE_BUCKET = "rl-code-user"


@dataclass(frozen=True)
class Waiting:
    """The code a browser may try: the newest live one it asked for."""

    token_id: int
    code_hash: str
    owner: str  # the account's public id
    # The account's last sign-in: a successful sign-in starts a fresh allowance, so only
    # wrong guesses since then count (someone who signs in often is never locked out).
    signed_in: datetime | None = None


async def waiting_code(
    db: AsyncSession, *, keyring: Keyring, browser_id: str | None, now: datetime
) -> Waiting | None:
    """The newest live code this browser asked for, whoever's account it is for; only that
    one is ever compared (earlier ones of the account lost their code when it was made)."""
    if not browser_id:
        return None
    newest = (
        await db.execute(
            sa.select(
                col(SignInToken.id),
                col(SignInToken.code_hash),
                col(User.public_id),
                col(User.last_sign_in_at),
            )
            .join(User, col(User.id) == col(SignInToken.user_id))
            .where(
                col(SignInToken.browser_hash) == keyring.digest("browser", browser_id),
                col(SignInToken.code_hash).is_not(None),
                col(SignInToken.used_at).is_(None),
                col(SignInToken.expires_at) > now,
            )
            .order_by(col(SignInToken.created_at).desc(), col(SignInToken.id).desc())
            .limit(1)
        )
    ).first()
    if newest is None:
        log.info("sign-in code refused: no code waiting in this browser")
        return None
    token_id, code_hash, owner, signed_in = newest
    return Waiting(
        token_id=token_id or 0, code_hash=code_hash or "", owner=owner, signed_in=signed_in
    )


async def count_attempt(
    limiter: RateLimiter, *, keyring: Keyring, settings: Settings, waiting: Waiting, now: datetime
) -> bool:
    """Count one attempt for the account; False when its attempts are used up for now.

    Counted before the code is compared, in one atomic step of the rate limiter: guesses
    from any browser, at any of its codes, and in parallel, all share one allowance of
    ``code_attempts`` per 15 minutes. The link in the e-mail is not limited, so nobody is
    locked out. Called outside any transaction: the count must stay even if the rest fails.
    """
    since = waiting.signed_in.isoformat() if waiting.signed_in else "never"
    key = keyring.digest(CODE_BUCKET, f"{waiting.owner}:{since}")
    if await limiter.hit(key, settings.code_attempts, now):
        return True
    log.warning("sign-in code refused: too many attempts for user %s", waiting.owner)
    return False


async def use_code(
    db: AsyncSession,
    *,
    keyring: Keyring,
    settings: Settings,
    waiting: Waiting,
    code: str,
    now: datetime,
    chosen_locale: str | None = None,
) -> SignedIn | Failed:
    """Compare ``code`` with the waiting one and, when right, use it (once) and sign in."""
    wanted = keyring.digest("sign-in-code", code.strip().replace(" ", ""))
    if not hmac.compare_digest(waiting.code_hash, wanted):
        log.info("sign-in code refused: wrong code for user %s", waiting.owner)
        return Failed(Problem.WRONG_CODE)
    used = await db.execute(
        sa.update(SignInToken)
        .where(
            col(SignInToken.id) == waiting.token_id,
            col(SignInToken.used_at).is_(None),
            # Still this code: a newer e-mail (or HR) may have voided it a moment ago.
            col(SignInToken.code_hash) == wanted,
        )
        .values(used_at=now)
        .returning(col(SignInToken.user_id), col(SignInToken.next_path))
    )
    row = used.first()
    if row is None:
        log.info("sign-in code refused: used or voided meanwhile, user %s", waiting.owner)
        return Failed(Problem.USED)
    return await start_session(
        db,
        keyring=keyring,
        settings=settings,
        user_id=row[0],
        next_path=row[1],
        now=now,
        via="code",
        chosen_locale=chosen_locale,
    )
