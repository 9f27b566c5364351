"""The candidate's answers for HR: who may give them, until when, and who is told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlmodel import col

from portal import audit
from portal.mail.mailer import Mailer
from portal.models import Role, User, Visit, VisitPreferences, VisitStatus, rel
from portal.preferences.forms import Answers
from portal.preferences.sealed import (
    SEALED,
    Revealed,
    needs_sealing,
    open_row,
    reveal,
    seal_into,
)
from portal.scope import visits_visible_to
from portal.security import Keyring

# How long the answers must stay unchanged before HR is told they changed.
NOTICE_QUIET = timedelta(minutes=10)


class State(StrEnum):
    """Whether the answers can still be changed."""

    OPEN = "open"
    STARTED = "started"
    CANCELLED = "cancelled"


@dataclass
class PreferencesPage:
    visit: Visit
    # The answers opened for the candidate (never written back: the row holds tokens).
    prefs: Revealed | None
    state: State
    # When the free-text answers are erased (see portal.maintenance.purge_expired).
    erased_after: datetime

    @property
    def open(self) -> bool:
        return self.state is State.OPEN


@dataclass
class Saved:
    prefs: Revealed
    # The names of the fields that changed; empty when the same answers came again.
    changed: list[str]


def state_of(visit: Visit, now: datetime) -> State:
    """Answers can change until the visit starts, and never for a cancelled visit."""
    if visit.status == VisitStatus.CANCELLED:
        return State.CANCELLED
    return State.OPEN if now < visit.starts_at else State.STARTED


async def preferences_page(
    db: AsyncSession,
    *,
    actor: User,
    public_id: str,
    now: datetime,
    retention_days: int,
    keyring: Keyring,
) -> PreferencesPage | None:
    """The visit and its answers, or None when ``actor`` is not its candidate.

    Only the candidate: HR reads the answers on the visit page, and employees never see
    them (diet and accessibility can reveal health or religion). The candidate reading
    their own answers is not logged as a read.
    """
    if actor.role is not Role.CANDIDATE:
        return None
    query = (
        visits_visible_to(actor)
        .add_columns(VisitPreferences)
        .outerjoin(VisitPreferences, col(VisitPreferences.visit_id) == col(Visit.id))
        .where(col(Visit.public_id) == public_id)
    )
    row = (await db.execute(query)).first()
    if row is None:
        return None
    visit, prefs = row
    return PreferencesPage(
        visit=visit,
        prefs=reveal(keyring, prefs),
        state=state_of(visit, now),
        erased_after=visit.ends_at + timedelta(days=retention_days),
    )


async def save_preferences(
    db: AsyncSession,
    *,
    actor: User,
    page: PreferencesPage,
    answers: Answers,
    now: datetime,
    keyring: Keyring,
) -> Saved | None:
    """Store the answers; when something changed, audit it (by field name) and have HR
    told once the candidate stops changing them (never the answers themselves).

    The free texts are sealed (portal.preferences.sealed); a save also seals what was
    still plain text or under an earlier key, even when nothing changed.

    Returns None when the visit no longer takes answers (started or cancelled).
    """
    if not page.open:
        return None
    visit = page.visit
    prefs = await _locked_row(db, visit_id=visit.id, now=now)  # type: ignore[arg-type]
    before = reveal(keyring, prefs)
    changed = answers.changed_from(Answers.of(before))
    stale = any(needs_sealing(keyring, getattr(prefs, name)) for name in SEALED)
    if changed or stale:
        seal_into(keyring, prefs, {name: getattr(answers, name) for name in SEALED})
    if not changed:
        return Saved(open_row(keyring, prefs), [])
    for name in changed:
        if name not in SEALED:
            setattr(prefs, name, getattr(answers, name))
    prefs.updated_at = now
    # HR hears once the candidate has stopped changing their answers for a while (see
    # queue_due_preference_notices): fifteen saves in a row make one e-mail, not fifteen.
    await db.execute(
        sa.update(Visit)
        .where(col(Visit.id) == visit.id)
        .values(preferences_notice_due_at=now + NOTICE_QUIET)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        db,
        action="preferences.updated",
        now=now,
        actor_id=actor.id,
        subject_type="visit",
        subject_id=visit.public_id,
        # Field names only: the answers themselves never go into the audit trail.
        details={"changed": changed},
    )
    return Saved(open_row(keyring, prefs), changed)


async def _locked_row(db: AsyncSession, *, visit_id: int, now: datetime) -> VisitPreferences:
    """The visit's preferences row, created when missing and locked for this transaction.

    INSERT … ON CONFLICT DO NOTHING, then SELECT … FOR UPDATE: two saves at once (a
    double click) queue up behind each other instead of one failing on the primary key,
    and the second sees the first's answers, so an identical repeat sends no second mail.
    """
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await db.execute(
        insert(VisitPreferences)
        .values(visit_id=visit_id, updated_at=now)
        .on_conflict_do_nothing(index_elements=[col(VisitPreferences.visit_id)])
    )
    query = (
        sa.select(VisitPreferences)
        .where(col(VisitPreferences.visit_id) == visit_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await db.scalars(query)).one()


async def _recipients(db: AsyncSession, *, visit: Visit) -> list[User]:
    """The visit's host when they are active HR, else every active HR user and admin.

    A host who is not HR could not open the answers (only HR sees them), so the notice
    goes to HR instead.
    """
    hr = sa.select(User).where(
        col(User.is_active).is_(True), col(User.role).in_([Role.HR, Role.ADMIN])
    )
    if visit.host_id is not None:
        host = await db.scalar(hr.where(col(User.id) == visit.host_id))
        if host is not None:
            return [host]
    return list(await db.scalars(hr.order_by(col(User.id))))


async def queue_due_preference_notices(factory: Any, *, mailer: Mailer, now: datetime) -> int:
    """Tell HR about answers that have been left alone for ``NOTICE_QUIET``; how many visits.

    Each visit is claimed with a conditional update of the stamp it was found with, so a
    second worker (or a save meanwhile, which moves the stamp on) finds nothing to send.
    """
    told = 0
    async with factory() as db, db.begin():
        due = await db.scalars(
            sa.select(Visit)
            .options(joinedload(rel(Visit.candidate)))
            .where(
                col(Visit.preferences_notice_due_at).is_not(None),
                col(Visit.preferences_notice_due_at) <= now,
            )
        )
        for visit in due.unique():
            stamp = visit.preferences_notice_due_at
            claimed = await db.execute(
                sa.update(Visit)
                .where(col(Visit.id) == visit.id, col(Visit.preferences_notice_due_at) == stamp)
                .values(preferences_notice_due_at=None)
                .returning(col(Visit.id))
                .execution_options(synchronize_session=False)
            )
            if claimed.first() is None or stamp is None:
                continue
            await _tell_hr(
                db,
                visit=visit,
                candidate=visit.candidate,
                mailer=mailer,
                now=now,
                key=f"preferences:{visit.public_id}:{stamp.strftime('%Y%m%dT%H%M%S%f')}",
            )
            told += 1
    return told


async def _tell_hr(
    db: AsyncSession,
    *,
    visit: Visit,
    candidate: User,
    mailer: Mailer,
    now: datetime,
    key: str,
) -> None:
    context = {
        "candidate": candidate.name,
        "position": visit.position,
        "starts_at": visit.starts_at,
        "zone": visit.timezone,
        # A link, never the answers: mail leaves our hands, and these can be health data.
        "link": mailer.link(f"/visit/{visit.public_id}"),
    }
    for person in await _recipients(db, visit=visit):
        await mailer.queue(
            db,
            "preferences_changed",
            to=person,
            context={**context, "name": person.name},
            now=now,
            # Once per recipient and quiet period, however many workers run.
            dedupe_key=f"{key}:{person.public_id}",
        )
