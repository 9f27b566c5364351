"""Consent to be kept for future vacancies (the "talent pool"), and the renewal e-mail.

Opt-in and one year at a time (the Dutch DPA: longer than four weeks after the procedure
only with the applicant's consent, and at most a year). The candidate gives it on
/me/privacy by ticking a box that is never ticked for them; what is stored is the
statement they read, in their language, and when. Withdrawing deletes the consent, and
the ordinary schedule applies again from that day. Some weeks before the year ends the
retention job sends one e-mail asking whether to renew; without an answer the consent
runs out and the candidate is erased with the next run.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.db import lock_row, transaction
from portal.i18n import gettext
from portal.mail.mailer import Mailer
from portal.models import PoolConsent, User
from portal.privacy.retention import Rules

log = logging.getLogger(__name__)

# The renewal e-mail goes out this many days before the consent's last day.
RENEWAL_NOTICE = timedelta(days=30)


def one_year_from(day: date) -> date:
    """The last day of a consent given on ``day``: the day before the same date next year
    (29 February counts as 28 February in a year without it)."""
    try:
        return day.replace(year=day.year + 1) - timedelta(days=1)
    except ValueError:
        return date(day.year + 1, 2, 28)


def statement(organisation: str) -> str:
    """The words a candidate agrees to, in the current language; stored as they read them."""
    return gettext(
        "I agree that %(organisation)s keeps my name, e-mail address, visits and questions "
        "for one year from today, to contact me about future vacancies. I can withdraw this "
        "at any time on my privacy page; my data is then erased on the ordinary schedule."
    ) % {"organisation": organisation}


def renewable(consent: PoolConsent, today: date) -> bool:
    """Whether the renewal window is open: the candidate may extend by another year."""
    return today >= consent.until - RENEWAL_NOTICE


async def of(db: AsyncSession, candidate: User) -> PoolConsent | None:
    return (
        await db.scalars(sa.select(PoolConsent).where(col(PoolConsent.user_id) == candidate.id))
    ).first()


async def give(
    db: AsyncSession, *, candidate: User, text: str, locale: str, now: datetime, rules: Rules
) -> PoolConsent:
    """Record (or renew) the candidate's consent: one year from today, with their words."""
    # Two submits at once: the second waits here and then renews the first one's row.
    await lock_row(db, User, candidate.id or 0)
    consent = await of(db, candidate)
    renewed = consent is not None
    until = one_year_from(rules.today(now))
    if consent is None:
        consent = PoolConsent(
            user_id=candidate.id or 0, given_at=now, until=until, text=text, locale=locale
        )
    consent.given_at, consent.until, consent.text, consent.locale = now, until, text, locale
    consent.renewal_sent_at = None
    db.add(consent)
    audit.record(
        db,
        action="privacy.consent_renewed" if renewed else "privacy.consent_given",
        actor_id=candidate.id,
        now=now,
        subject_type="user",
        subject_id=candidate.public_id,
        details={"until": consent.until.isoformat()},
    )
    return consent


async def withdraw(db: AsyncSession, *, candidate: User, now: datetime) -> bool:
    """Withdraw the consent (AVG art. 7(3)): deleted, the ordinary schedule applies again."""
    result = await db.execute(
        sa.delete(PoolConsent)
        .where(col(PoolConsent.user_id) == candidate.id)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        return False
    audit.record(
        db,
        action="privacy.consent_withdrawn",
        actor_id=candidate.id,
        now=now,
        subject_type="user",
        subject_id=candidate.public_id,
    )
    return True


async def send_renewals(factory: Any, *, mailer: Mailer, now: datetime) -> int:
    """Ask every candidate whose consent ends within RENEWAL_NOTICE whether to renew: one
    e-mail each, ever, per consent year. Each in its own transaction; a row another worker
    stamped meanwhile is skipped."""
    rules = Rules.of(mailer.settings)
    horizon = rules.today(now) + RENEWAL_NOTICE
    due = sa.and_(col(PoolConsent.until) <= horizon, col(PoolConsent.renewal_sent_at).is_(None))
    async with transaction(factory) as db:
        ids = list(await db.scalars(sa.select(col(PoolConsent.id)).where(due)))
    sent = 0
    for consent_id in ids:
        async with transaction(factory) as db:
            # Claimed by the stamp itself: of two workers only one updates the row.
            claimed = await db.execute(
                sa.update(PoolConsent)
                .where(col(PoolConsent.id) == consent_id, due)
                .values(renewal_sent_at=now)
                .execution_options(synchronize_session=False)
            )
            if not getattr(claimed, "rowcount", 0):
                continue
            row = (
                await db.execute(
                    sa.select(PoolConsent, User)
                    .join(User, col(User.id) == col(PoolConsent.user_id))
                    .where(col(PoolConsent.id) == consent_id)
                )
            ).one()
            consent, candidate = row
            await mailer.queue(
                db,
                "consent_renewal",
                to=candidate,
                # A link and a date, nothing else: the e-mail may be read by anyone.
                context={
                    "name": candidate.name,
                    "until": rules.midnight(consent.until),
                    "zone": rules.zone,
                    "link": mailer.link("/me/privacy"),
                },
                now=now,
            )
            sent += 1
    if sent:
        log.info("consent renewal e-mails queued: %s", sent)
    return sent
