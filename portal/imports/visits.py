"""Writing an import file's visits: new ones in bulk, known ones (by external_id)
updated in place, a batch at a time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlmodel import col

from portal.calendar import tombstones
from portal.imports.agenda import item_values, sync_agenda
from portal.imports.bulk import chunks, insert_returning_ids
from portal.imports.report import Report
from portal.imports.schema import ImportFile, VisitIn, office_key, to_utc
from portal.models import (
    AgendaInterviewer,
    AgendaItem,
    Location,
    Outcome,
    User,
    Visit,
    VisitStatus,
    new_public_id,
    rel,
)
from portal.visits.service import hand_over

# Visits written (and flushed) at a time: progress is reported after each batch.
BATCH = 250

# Progress for the command line ("writing visits: 250/1000").
Progress = Callable[[str], None]

# A visit the file brings for the first time, with its own columns (see visit_fields).
NewVisit = tuple[VisitIn, dict[str, Any]]


async def load_existing(db: AsyncSession, data: ImportFile) -> dict[str, Visit]:
    """The visits the file names that exist already, by external_id, with their agenda."""
    existing: dict[str, Visit] = {}
    ext_ids = [v.external_id for v in data.visits]
    for part in chunks(ext_ids):
        visits = await db.scalars(
            sa.select(Visit)
            .options(selectinload(rel(Visit.agenda)).selectinload(rel(AgendaItem.interviewers)))
            .where(col(Visit.external_id).in_(part))
        )
        # Found by external_id, so it is never None here; the test is for mypy.
        existing.update({v.external_id: v for v in visits if v.external_id is not None})
    return existing


async def write_visits(
    db: AsyncSession,
    data: ImportFile,
    existing: dict[str, Visit],
    users: dict[str, User],
    locations: dict[str, Location],
    report: Report,
    *,
    now: datetime,
    actor_id: int | None,
    say: Progress,
) -> None:
    # What each candidate sees before the file changes it: an item the file drops or makes
    # internal is then published as cancelled in their calendar (see calendar.tombstones).
    seen_before = tombstones.before_import(existing.values())
    total = len(data.visits)
    for start in range(0, total, BATCH):
        new = await _update_known(
            db,
            data.visits[start : start + BATCH],
            existing,
            users,
            locations,
            report,
            now=now,
            actor_id=actor_id,
        )
        await _insert_visits(db, new, users, now, report)
        report.created["visits"] += len(new)
        # Written a batch at a time, so the progress shown is the progress made.
        await db.flush()
        say(f"writing visits: {min(start + BATCH, total)}/{total}")
    await tombstones.sync_after_import(db, existing.values(), seen_before, now=now)


async def _update_known(
    db: AsyncSession,
    batch: list[VisitIn],
    existing: dict[str, Visit],
    users: dict[str, User],
    locations: dict[str, Location],
    report: Report,
    *,
    now: datetime,
    actor_id: int | None,
) -> list[NewVisit]:
    """Update the batch's known visits; returns the new ones, for one bulk insert."""
    new: list[NewVisit] = []
    for visit_in in batch:
        fields = _visit_fields(visit_in, users, locations)
        visit = existing.get(visit_in.external_id)
        if visit is None:
            new.append((visit_in, fields))
            continue
        candidate = users[visit_in.candidate.email]
        earlier_id = visit.candidate_id
        _update_visit(visit_in, visit, fields, candidate, users, report, now)
        # Another candidate.email for the same external_id: nothing of the earlier
        # person (their answers, their invitation) may pass to the new one.
        handed = await hand_over(
            db, visit=visit, earlier_id=earlier_id, actor_id=actor_id, now=now, via="import"
        )
        report.handed_over += handed is not None
    return new


def _visit_fields(
    visit_in: VisitIn, users: dict[str, User], locations: dict[str, Location]
) -> dict[str, Any]:
    """The visit's own columns, as the file gives them."""
    zone = visit_in.timezone
    spans = [(to_utc(a.starts_at, zone), to_utc(a.ends_at, zone)) for a in visit_in.agenda]
    if visit_in.starts_at and visit_in.ends_at:
        spans.append((to_utc(visit_in.starts_at, zone), to_utc(visit_in.ends_at, zone)))
    fields: dict[str, Any] = {
        "candidate_id": users[visit_in.candidate.email].id,
        "position": visit_in.position,
        "department": visit_in.department,
        "timezone": zone,
        # validate() refused times that do not exist, so none of these is None.
        "starts_at": min(s for s, _e in spans if s),
        "ends_at": max(e for _s, e in spans if e),
        "status": VisitStatus(visit_in.status),
        "location_id": (
            locations[office_key(visit_in.location.name)].id if visit_in.location else None
        ),
        "host_id": users[visit_in.host].id if visit_in.host else None,
    }
    # Only when the file says: an export without the outcome keeps the one HR set.
    if {"outcome", "decided_on"} & visit_in.model_fields_set:
        fields["outcome"] = Outcome(visit_in.outcome) if visit_in.outcome else None
        fields["decided_on"] = (
            date.fromisoformat(visit_in.decided_on) if visit_in.decided_on else None
        )
    return fields


async def _insert_visits(
    db: AsyncSession,
    new: list[NewVisit],
    users: dict[str, User],
    now: datetime,
    report: Report,
) -> None:
    """New visits with their agenda and interviewers: three bulk INSERTs per batch.

    Rows are matched to the ids the database gave them on their random public ids, so
    the order in which RETURNING hands them back does not matter.
    """
    if not new:
        return
    visit_rows = [
        {
            **fields,
            "public_id": new_public_id(),
            "external_id": visit_in.external_id,
            "created_at": now,
            "updated_at": now,
        }
        for visit_in, fields in new
    ]
    visit_ids = await insert_returning_ids(db, Visit, visit_rows)
    report.touched.update(dict.fromkeys(visit_ids))
    item_rows: list[dict[str, Any]] = []
    people: list[tuple[str, list[int | None]]] = []
    for (visit_in, _fields), row in zip(new, visit_rows, strict=True):
        for position, item_in in enumerate(visit_in.agenda):
            public_id = new_public_id()
            item_rows.append(
                {
                    **item_values(item_in, position, visit_in.timezone),
                    "public_id": public_id,
                    "visit_id": visit_ids[row["public_id"]],
                }
            )
            emails = dict.fromkeys(item_in.interviewers)
            people.append((public_id, [users[e].id for e in emails]))
    item_ids = await insert_returning_ids(db, AgendaItem, item_rows)
    links = [
        {"agenda_item_id": item_ids[public_id], "user_id": user_id}
        for public_id, user_ids in people
        for user_id in user_ids
    ]
    if links:
        await db.execute(sa.insert(AgendaInterviewer), links)


def _update_visit(
    visit_in: VisitIn,
    visit: Visit,
    fields: dict[str, Any],
    candidate: User,
    users: dict[str, User],
    report: Report,
    now: datetime,
) -> None:
    report.updated["visits"] += 1
    changed = {k: v for k, v in fields.items() if getattr(visit, k) != v}
    for key, value in changed.items():
        setattr(visit, key, value)
    if changed:
        visit.version += 1
        visit.updated_at = now
    visit.candidate = candidate
    programme_changed = sync_agenda(visit, visit_in.agenda, users, visit_in.timezone)
    if {"status", "location_id"} & changed.keys():
        # Every event's status or place changed: calendars must take the new version.
        for item in visit.agenda:
            item.sequence += 1
    if programme_changed or "location_id" in changed:
        if programme_changed:
            visit.version += 1
            visit.updated_at = now
        report.changed.append(visit)
    if changed or programme_changed:
        report.touched[visit.public_id] = sorted(changed) + (
            ["agenda"] if programme_changed else []
        )
