"""Bring visits over from an applicant tracking system, all or nothing, safe to repeat.

A file is read and checked whole (see reading), then checked against the database, and
only then written: staff and their portraits (people, photos), offices, candidates, and
the visits with their agendas (visits, agenda). What was done is in the Report (report).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.imports import people
from portal.imports.offices import write_offices
from portal.imports.photos import PhotoSource as PhotoSource
from portal.imports.photos import read_photos, store_portraits
from portal.imports.reading import Parsed as Parsed
from portal.imports.reading import parse as parse
from portal.imports.reading import read as read
from portal.imports.report import Report as Report
from portal.imports.report import record
from portal.imports.schema import ImportFile
from portal.imports.schema import ImportProblems as ImportProblems
from portal.imports.schema import to_utc as to_utc
from portal.imports.visits import Progress, load_existing, write_visits
from portal.locations.service import bump_upcoming
from portal.mail.mailer import Mailer
from portal.models import Visit

__all__ = [
    "ImportProblems",
    "Parsed",
    "PhotoSource",
    "Report",
    "apply",
    "import_bytes",
    "parse",
    "read",
    "to_utc",
]

# Queues the change notices for visits whose programme changed; returns how many.
Notifier = Callable[[AsyncSession, list[Visit]], Awaitable[int]]


async def apply(
    db: AsyncSession,
    data: ImportFile,
    *,
    now: datetime,
    actor_id: int | None = None,
    photos: PhotoSource | None = None,
    notify: Notifier | None = None,
    progress: Progress | None = None,
    details: dict[str, Any] | None = None,
) -> Report:
    """Write a parsed file in the caller's transaction; raises ImportProblems before any write.

    ``notify`` is called with the visits whose programme changed, before the audit event
    is written (which records how many were told); ``details`` go into that event too.
    """
    report = Report()
    users = await people.load_users(db, data)
    portraits, photo_problems = await read_photos(data, users, photos)
    people.check_references(data, users, photo_problems)

    for staff in data.staff:
        people.upsert_staff(db, staff, users, report, now)
    locations, moved = await write_offices(db, data)
    await db.flush()
    # Before any visit is loaded (the UPDATE does not refresh loaded rows): an office with
    # a new address is a new place in every upcoming visit's calendar events.
    await bump_upcoming(db, location_ids=[loc.id for loc in moved], now=now)
    if photos is not None:
        await store_portraits(db, photos, portraits, users, now=now)

    existing = await load_existing(db, data)
    await people.add_candidates(db, data, users, now)
    await write_visits(
        db,
        data,
        existing,
        users,
        locations,
        report,
        now=now,
        actor_id=actor_id,
        say=progress or (lambda _message: None),
    )
    if notify is not None and report.changed:
        report.notified = await notify(db, report.changed)
    await record(db, report, now=now, actor_id=actor_id, details=details)
    return report


async def import_bytes(
    db: AsyncSession,
    raw: bytes | str,
    *,
    now: datetime,
    actor_id: int | None = None,
    photos: PhotoSource | None = None,
    notify: Notifier | None = None,
    progress: Progress | None = None,
    details: dict[str, Any] | None = None,
) -> Report:
    """Check a JSON or CSV file whole, then write it; problems name a path or a CSV line."""
    parsed = read(raw)
    if progress is not None:
        items = sum(len(v.agenda) for v in parsed.data.visits)
        progress(
            f"checked {len(parsed.data.visits)} visits, {items} agenda items "
            f"and {len(parsed.data.staff)} staff ({parsed.format.upper()})"
        )
    try:
        return await apply(
            db,
            parsed.data,
            now=now,
            actor_id=actor_id,
            photos=photos,
            notify=notify,
            progress=progress,
            details={"format": parsed.format, **(details or {})},
        )
    except ImportProblems as exc:
        # Problems found against the database (an unknown interviewer, say) are named by
        # path; a CSV's reader turns those into its lines and columns.
        raise ImportProblems([parsed.locate(p) for p in exc.problems]) from exc


def notifier(*, mailer: Mailer, now: datetime) -> Notifier:
    """Candidates who know their visit hear about a changed programme (once per change)."""
    from portal.visits.notices import notify_changed

    async def notify(db: AsyncSession, visits: list[Visit]) -> int:
        return await notify_changed(db, visits, mailer=mailer, now=now)

    return notify
