"""A candidate withdraws and asks to be forgotten: everything erased at once, HR told."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.mail.mailer import Mailer
from portal.models import Role, User, Visit
from portal.privacy.erasure import erase_candidate


async def erase_on_request(
    db: AsyncSession,
    *,
    candidate: User,
    mailer: Mailer,
    now: datetime,
) -> bool:
    """The candidate withdraws and has everything about them erased at once (AVG art. 17);
    HR is told by e-mail. False when there was nothing left to erase (a second request)."""
    # The visits are not first marked withdrawn: erasure deletes them whole in this same
    # transaction, and its audit event records that it was the candidate's own request.
    hosts = set(
        await db.scalars(
            sa.select(col(Visit.host_id)).where(col(Visit.candidate_id) == candidate.id)
        )
    )
    counts = await erase_candidate(
        db, user_id=candidate.id or 0, now=now, reason="the candidate's request"
    )
    if not counts.get("candidates"):
        return False  # erased meanwhile (a double submit): HR has heard already
    hr = list(
        await db.scalars(
            sa.select(User)
            .where(col(User.is_active).is_(True), col(User.role).in_([Role.HR, Role.ADMIN]))
            .order_by(col(User.id))
        )
    )
    # The host of one of their visits when that is HR, else all of HR.
    for person in [u for u in hr if u.id in hosts] or hr:
        await mailer.queue(
            db,
            "candidate_withdrew",
            to=person,
            # No name, no position, no date: the candidate asked to be forgotten.
            context={"name": person.name, "link": mailer.link("/hr/visits")},
            now=now,
        )
    return True
