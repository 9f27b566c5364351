"""HR plans visits: create, change and cancel them. Every change is audited.

Only HR gets anything from here (others get None, and the routes answer 404). A visit's
``version`` is raised by every change to it or its agenda; a save names the version its
form showed, so of two coordinators saving at once the second is told instead of
silently overwriting the first. The list's search is in ``search``; the invitation and
the other steps about the candidate are in ``candidates``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlmodel import col

from portal import audit
from portal.db import Conflict, lock_row, update_if
from portal.mail.mailer import Mailer
from portal.models import (
    AgendaItem,
    AuditEvent,
    Location,
    Role,
    StaffProfile,
    User,
    Visit,
    VisitStatus,
    rel,
)
from portal.planning.forms import VisitForm
from portal.visits import notices
from portal.visits.service import HandOver, hand_over


class Refused(Exception):
    """A form that cannot be saved as it is; ``field`` and ``message`` say why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _hr_only(actor: User) -> bool:
    return actor.role.is_hr


def _with_everything() -> sa.Select[Visit]:
    return sa.select(Visit).options(
        joinedload(rel(Visit.candidate)),
        joinedload(rel(Visit.location)),
        joinedload(rel(Visit.host)),
        selectinload(rel(Visit.agenda))
        .selectinload(rel(AgendaItem.interviewers))
        .joinedload(rel(User.profile)),
    )


async def hr_visit(db: AsyncSession, *, actor: User, public_id: str) -> Visit | None:
    """One visit with its whole agenda (three queries), for HR only."""
    if not _hr_only(actor):
        return None
    visit: Visit | None = (
        (
            await db.scalars(
                _with_everything()
                .where(col(Visit.public_id) == public_id)
                .execution_options(populate_existing=True)
            )
        )
        .unique()
        .first()
    )
    return visit


async def choices(db: AsyncSession) -> dict[str, list[Any]]:
    """What the visit form offers: offices, HR hosts, known departments (three queries)."""
    locations = list(await db.scalars(sa.select(Location).order_by(col(Location.name))))
    hosts = list(
        await db.scalars(
            sa.select(User)
            .where(col(User.role).in_([Role.HR, Role.ADMIN]), col(User.is_active))
            .order_by(col(User.name))
        )
    )
    departments = sorted(
        {
            d
            for d in await db.scalars(
                sa.select(col(StaffProfile.department)).union(sa.select(col(Visit.department)))
            )
            if d
        },
        key=str.casefold,
    )
    return {"locations": locations, "hosts": hosts, "departments": departments}


async def _candidate(db: AsyncSession, form: VisitForm, *, now: datetime) -> User:
    """The candidate's account: found by e-mail, made when new. A staff member's address
    is refused: a candidate account would give a colleague a candidate's view of the
    portal, and their own account would see the visit as staff."""
    user: User | None = await db.scalar(
        sa.select(User).where(col(User.email) == form.candidate_email)
    )
    if user is None:
        user = User(
            email=form.candidate_email,
            name=form.candidate_name,
            role=Role.CANDIDATE,
            locale=form.candidate_locale,
            created_at=now,
        )
        db.add(user)
        await db.flush()
        return user
    if user.role.is_staff:
        from portal.i18n import gettext as _

        raise Refused(
            "candidate_email",
            _("This address belongs to a member of staff. Use the candidate's own address."),
        )
    user.name = form.candidate_name
    user.locale = form.candidate_locale
    return user


async def _reference(db: AsyncSession, model: Any, public_id: str) -> Any:
    if not public_id:
        return None
    return await db.scalar(sa.select(model).where(model.public_id == public_id))


async def _place_and_host(db: AsyncSession, form: VisitForm) -> tuple[Location | None, User | None]:
    from portal.i18n import gettext as _

    location = await _reference(db, Location, form.location)
    if form.location and location is None:
        raise Refused("location", _("Choose one of the offices in the list."))
    host = await _reference(db, User, form.host)
    if form.host and (host is None or not host.role.is_hr or not host.is_active):
        raise Refused("host", _("Choose an active HR colleague as the host."))
    return location, host


async def create(
    db: AsyncSession, *, actor: User, form: VisitForm, now: datetime
) -> tuple[Visit, bool]:
    """The visit of the form, and whether it is new: the same form posted again (a double
    click, a retried request) gives back the visit it made the first time.

    The HR person's row is locked first, so of two copies posted at once the second looks
    for its key only after the first has written it.
    """
    await lock_row(db, User, actor.id or 0)
    earlier = await db.scalar(sa.select(Visit).where(col(Visit.idempotency_key) == form.key))
    if earlier is not None:
        return earlier, False
    candidate = await _candidate(db, form, now=now)
    location, host = await _place_and_host(db, form)
    if form.starts_at is None or form.ends_at is None:
        raise ValueError("validate the form first")
    visit = Visit(
        candidate_id=candidate.id or 0,
        position=form.position,
        department=form.department,
        starts_at=form.starts_at,
        ends_at=form.ends_at,
        timezone=form.timezone,
        location_id=location.id if location else None,
        host_id=host.id if host else None,
        arrival_notes=form.arrival_notes,
        idempotency_key=form.key,
        created_at=now,
        updated_at=now,
    )
    db.add(visit)
    await db.flush()
    audit.about(db, visit, actor=actor, action="visit.created", now=now)
    return visit, True


# What the candidate sees of a visit's own fields: a change to one of these is news.
VISIBLE = (
    "position",
    "starts_at",
    "ends_at",
    "timezone",
    "location_id",
    "host_id",
    "arrival_notes",
)


@dataclass
class Updated:
    # The names of the fields that changed (empty: nothing to save).
    changed: list[str]
    # Set when the visit now has another candidate: what went with the earlier one.
    handed_over: HandOver | None = None


async def update(
    db: AsyncSession, *, actor: User, visit: Visit, form: VisitForm, now: datetime
) -> Updated:
    """Save the visit form; says which fields changed and what a new candidate cleared.

    Moving the visit to another date moves its agenda with it (same wall-clock times).
    Another candidate's address gives the visit to that person: see ``hand_over``.
    """
    candidate = await _candidate(db, form, now=now)
    location, host = await _place_and_host(db, form)
    if form.starts_at is None or form.ends_at is None:
        raise ValueError("validate the form first")
    values: dict[str, Any] = {
        "candidate_id": candidate.id,
        "position": form.position,
        "department": form.department,
        "starts_at": form.starts_at,
        "ends_at": form.ends_at,
        "timezone": form.timezone,
        "location_id": location.id if location else None,
        "host_id": host.id if host else None,
        "arrival_notes": form.arrival_notes,
    }
    changed = [k for k, v in values.items() if getattr(visit, k) != v]
    if not changed:
        return Updated([])
    earlier_id = visit.candidate_id
    old_zone = ZoneInfo(visit.timezone)
    shift = (
        form.starts_at.astimezone(ZoneInfo(form.timezone)).date()
        - visit.starts_at.astimezone(old_zone).date()
    )
    if not await update_if(
        db, Visit, col(Visit.id) == visit.id, col(Visit.version) == form.version, now=now, **values
    ):
        raise Conflict
    visit.candidate_id = values["candidate_id"]  # written above; the object must know too
    handed = await hand_over(
        db, visit=visit, earlier_id=earlier_id, actor_id=actor.id, now=now, via="form"
    )
    if shift or {"timezone", "location_id"} & set(changed):
        for item in visit.agenda:
            if shift:
                item.starts_at = _move_days(item.starts_at, old_zone, shift)
                item.ends_at = _move_days(item.ends_at, old_zone, shift)
            # The place or the day changed in every calendar event.
            item.sequence += 1
    if set(changed) & set(VISIBLE):
        notices.mark_changed(visit, now=now)
    audit.about(
        db, visit, actor=actor, action="visit.updated", now=now, details={"fields": changed}
    )
    return Updated(changed, handed)


def _move_days(value: datetime, zone: ZoneInfo, days: timedelta) -> datetime:
    local = value.astimezone(zone)
    return datetime.combine(local.date() + days, local.timetz().replace(tzinfo=None), zone)


async def cancel(
    db: AsyncSession,
    *,
    actor: User,
    visit: Visit,
    version: int,
    now: datetime,
    mailer: Mailer,
) -> None:
    """Cancel the visit; the candidate is told by e-mail (and their calendar updates)."""
    cancelled = await update_if(
        db,
        Visit,
        col(Visit.id) == visit.id,
        col(Visit.version) == version,
        col(Visit.status) == VisitStatus.SCHEDULED,
        now=now,
        status=VisitStatus.CANCELLED,
    )
    if not cancelled:
        raise Conflict
    for item in visit.agenda:
        item.sequence += 1
    visit.change_notice_due_at = None  # the cancellation says it all
    audit.about(db, visit, actor=actor, action="visit.cancelled", now=now)
    if visit.starts_at > now:
        await mailer.queue(
            db,
            "visit_cancelled",
            to=visit.candidate,
            context={
                "name": visit.candidate.name,
                "position": visit.position,
                "day": visit.starts_at,
                "zone": visit.timezone,
                "host": visit.host.name if visit.host else "",
                "host_email": visit.host.email if visit.host else "",
            },
            now=now,
            dedupe_key=f"cancelled:{visit.public_id}",
        )


@dataclass
class HistoryEntry:
    at: datetime
    action: str
    actor: str
    details: dict[str, Any]


async def history(db: AsyncSession, visit: Visit, *, limit: int = 100) -> list[HistoryEntry]:
    """The visit's audit trail, newest first (one query)."""
    rows = await db.execute(
        sa.select(AuditEvent, col(User.name))
        .outerjoin(User, col(User.id) == col(AuditEvent.actor_id))
        .where(
            col(AuditEvent.subject_type) == "visit",
            col(AuditEvent.subject_id) == visit.public_id,
            # Reads of the answers have their own list on the page; here they would push
            # the changes out of the newest hundred.
            col(AuditEvent.action) != "preferences.read",
        )
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    )
    return [HistoryEntry(e.at, e.action, name or "", e.details or {}) for e, name in rows.all()]
