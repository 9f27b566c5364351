"""Bring visits over from an applicant tracking system, all or nothing, safe to repeat.

A file is JSON or CSV, told apart by its content (never its name): both become the same
``ImportFile`` and go through the same checks, so the two formats cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlmodel import col

from portal import audit
from portal.calendar import tombstones
from portal.config import Settings
from portal.imports import csv_format
from portal.imports.schema import (
    AgendaIn,
    ImportFile,
    ImportProblems,
    StaffIn,
    VisitIn,
    office_key,
    to_utc,
    validate,
)
from portal.locations.service import bump_upcoming
from portal.logs import request_id_var
from portal.mail.mailer import Mailer
from portal.media import service as media
from portal.models import (
    AgendaInterviewer,
    AgendaItem,
    AuditEvent,
    Location,
    Outcome,
    Role,
    StaffProfile,
    User,
    Visit,
    VisitStatus,
    new_public_id,
    rel,
)
from portal.pictures.images import ImageRejected, Variant
from portal.pictures.storage import Storage
from portal.visits.service import hand_over

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

CHUNK = 500
# Visits written (and flushed) at a time: progress is reported after each batch.
BATCH = 250

# Progress for the command line ("writing visits: 250/1000").
Progress = Callable[[str], None]
# Queues the change notices for visits whose programme changed; returns how many.
Notifier = Callable[[AsyncSession, list[Visit]], Awaitable[int]]


@dataclass
class PhotoSource:
    """Where the portraits named in a file are read from (the file's folder) and stored."""

    folder: Path
    storage: Storage
    settings: Settings


@dataclass
class Report:
    created: dict[str, int] = field(default_factory=lambda: {"staff": 0, "visits": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"staff": 0, "visits": 0})
    # Existing visits whose candidate-facing programme changed.
    changed: list[Visit] = field(default_factory=list)
    # Every visit the file created or changed (public id → changed fields; None: created),
    # so that each visit's own history shows the import.
    touched: dict[str, list[str] | None] = field(default_factory=dict)
    notified: int = 0
    # Existing visits that the file gave to another candidate (see visits.hand_over).
    handed_over: int = 0


@dataclass
class Parsed:
    """A checked file, its format, and how to name a place in it (a path, or a CSV line)."""

    data: ImportFile
    format: str
    locate: Callable[[str], str] = field(default=lambda problem: problem)


def _text(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    try:
        # utf-8-sig: Excel writes a byte-order mark before UTF-8 CSV (and some tools do
        # before JSON); it is not part of the content.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportProblems(
            [f"(file): not UTF-8 text (byte {exc.start}); save the file as UTF-8"]
        ) from exc


def read(raw: bytes | str) -> Parsed:
    """Tell JSON from CSV by the content and check the whole file before anything is written.

    A file that starts like JSON (``{`` or ``[``) is read as JSON, so a broken JSON file
    gets JSON's error rather than a complaint about CSV columns; anything else is CSV.
    """
    text = _text(raw)
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            # ValueError: JSON's own errors, and a number of more than 4,300 digits, which
            # int() refuses; RecursionError: arrays nested thousands deep.
            raise ImportProblems([f"not valid JSON: {str(exc)[:200]}"]) from exc
        return Parsed(validate(data), "json")
    data, locate = csv_format.read_csv(text)
    return Parsed(data, "csv", locate)


def parse(raw: bytes | str) -> ImportFile:
    """Validate the whole file (JSON or CSV) before anything is written."""
    return read(raw).data


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


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
    say = progress or (lambda _message: None)
    report = Report()
    emails = sorted(
        {s.email for s in data.staff}
        | {v.candidate.email for v in data.visits}
        | {v.host for v in data.visits if v.host}
        | {e for v in data.visits for a in v.agenda for e in a.interviewers}
    )
    users: dict[str, User] = {}
    for part in _chunks(emails):
        people = await db.scalars(
            sa.select(User)
            .options(selectinload(rel(User.profile)).selectinload(rel(StaffProfile.photo)))
            .where(col(User.email).in_(part))
        )
        users.update({u.email: u for u in people})
    portraits, photo_problems = await _read_photos(data, users, photos)
    _check_references(data, users, photo_problems)

    for staff in data.staff:
        _upsert_staff(db, staff, users, report, now)
    locations, moved = await _locations(db, data)
    await db.flush()
    # Before any visit is loaded (the UPDATE does not refresh loaded rows): an office with
    # a new address is a new place in every upcoming visit's calendar events.
    await bump_upcoming(db, location_ids=[loc.id for loc in moved], now=now)
    if photos is not None:
        for email, (source_digest, variants) in portraits.items():
            user = users[email]
            image = await media.store(
                db,
                photos.storage,
                owner=user,
                variants=variants,
                now=now,
                source_digest=source_digest,
            )
            profile: StaffProfile | None = user.profile
            if profile is not None:  # every member of staff has one after _upsert_staff
                profile.photo_id = image.id

    existing: dict[str, Visit] = {}
    ext_ids = [v.external_id for v in data.visits]
    for part in _chunks(ext_ids):
        visits = await db.scalars(
            sa.select(Visit)
            .options(selectinload(rel(Visit.agenda)).selectinload(rel(AgendaItem.interviewers)))
            .where(col(Visit.external_id).in_(part))
        )
        # Found by external_id, so it is never None here; the test is for mypy.
        existing.update({v.external_id: v for v in visits if v.external_id is not None})
    await _candidates(db, data, users, now)
    # What each candidate sees before the file changes it: an item the file drops or makes
    # internal is then published as cancelled in their calendar (see calendar.tombstones).
    seen_before = tombstones.before_import(existing.values())
    total = len(data.visits)
    for start in range(0, total, BATCH):
        new: list[tuple[VisitIn, dict[str, Any]]] = []
        for visit_in in data.visits[start : start + BATCH]:
            fields = _visit_fields(visit_in, users, locations)
            visit = existing.get(visit_in.external_id)
            if visit is None:
                new.append((visit_in, fields))
            else:
                candidate = users[visit_in.candidate.email]
                earlier_id = visit.candidate_id
                _update_visit(visit_in, visit, fields, candidate, users, report, now)
                # Another candidate.email for the same external_id: nothing of the earlier
                # person (their answers, their invitation) may pass to the new one.
                handed = await hand_over(
                    db, visit=visit, earlier_id=earlier_id, actor_id=actor_id, now=now, via="import"
                )
                report.handed_over += handed is not None
        await _insert_visits(db, new, users, now, report)
        report.created["visits"] += len(new)
        # Written a batch at a time, so the progress shown is the progress made.
        await db.flush()
        say(f"writing visits: {min(start + BATCH, total)}/{total}")
    await tombstones.sync_after_import(db, existing.values(), seen_before, now=now)
    if notify is not None and report.changed:
        report.notified = await notify(db, report.changed)
    if report.touched:
        # One row per visit, in one statement: a visit's history shows the import too.
        await db.execute(
            sa.insert(AuditEvent),
            [
                {
                    "at": now,
                    "actor_id": actor_id,
                    "action": "visit.imported",
                    "subject_type": "visit",
                    "subject_id": public_id,
                    "request_id": request_id_var.get(),
                    "details": {"fields": fields} if fields is not None else {"created": True},
                }
                for public_id, fields in report.touched.items()
            ],
        )
    audit.record(
        db,
        action="import.applied",
        now=now,
        actor_id=actor_id,
        details={
            "created": report.created,
            "updated": report.updated,
            "notified": report.notified,
            "handed_over": report.handed_over,
            **(details or {}),
        },
    )
    return report


async def _read_photos(
    data: ImportFile, users: dict[str, User], photos: PhotoSource | None
) -> tuple[dict[str, tuple[str, list[Variant]]], list[str]]:
    """Read and check every portrait before anything is written.

    Returns the new portraits (e-mail → digest and encoded sizes) and the problems. A
    portrait whose bytes are those already stored for that person is left alone, so
    importing the same file twice changes nothing.
    """
    portraits: dict[str, tuple[str, list[Variant]]] = {}
    problems: list[str] = []
    for n, staff in enumerate(data.staff):
        if staff.photo is None:
            continue
        where = f"staff[{n}].photo"
        if photos is None:
            problems.append(f"{where}: photos can only be imported from a file (portal import)")
            continue
        if Path(staff.photo).is_absolute():
            problems.append(f"{where}: give a path relative to the import file")
            continue
        try:
            raw = (photos.folder / staff.photo).read_bytes()
        except OSError as exc:
            problems.append(f"{where}: cannot read {staff.photo} ({exc.strerror or exc})")
            continue
        source_digest = media.digest(raw)
        known = users.get(staff.email)
        current = known.profile.photo if known is not None and known.profile else None
        if current is not None and current.source_digest == source_digest:
            continue
        try:
            variants = await media.process_photo(raw, photos.settings)
        except ImageRejected as exc:
            problems.append(f"{where}: {staff.photo}: {exc.message}")
            continue
        portraits[staff.email] = (source_digest, variants)
    return portraits, problems


def _check_references(data: ImportFile, users: dict[str, User], problems: list[str]) -> None:
    staff_in_file = {s.email for s in data.staff}
    for n, staff in enumerate(data.staff):
        known = users.get(staff.email)
        if known is not None and not known.role.is_staff:
            problems.append(f"staff[{n}].email: {staff.email} belongs to a candidate account")
    for n, visit in enumerate(data.visits):
        known = users.get(visit.candidate.email)
        if visit.candidate.email in staff_in_file or (known is not None and known.role.is_staff):
            problems.append(
                f"visits[{n}].candidate.email: {visit.candidate.email} belongs to a staff account"
            )
        refs = [(f"visits[{n}].host", visit.host)] if visit.host else []
        refs += [
            (f"visits[{n}].agenda[{i}].interviewers[{j}]", e)
            for i, a in enumerate(visit.agenda)
            for j, e in enumerate(a.interviewers)
        ]
        for path, email in refs:
            person = users.get(email)
            if email in staff_in_file:
                continue
            if person is None or not person.role.is_staff:
                problems.append(
                    f'{path}: {email} is not a member of staff (add them under "staff")'
                )
            elif not person.is_active:
                problems.append(f"{path}: {email} has been deactivated")
    if problems:
        raise ImportProblems(problems)


def _upsert_staff(
    db: AsyncSession, staff: StaffIn, users: dict[str, User], report: Report, now: datetime
) -> None:
    user = users.get(staff.email)
    if user is None:
        user = User(email=staff.email, name=staff.name, role=Role(staff.role), created_at=now)
        # user_id is set from the relationship at flush; SQLModel's __init__ signature
        # demands it all the same (here and below).
        user.profile = StaffProfile(updated_at=now)  # type: ignore[call-arg]
        db.add(user)
        users[staff.email] = user
        report.created["staff"] += 1
    else:
        report.updated["staff"] += 1
        if user.profile is None:
            user.profile = StaffProfile(updated_at=now)  # type: ignore[call-arg]
    user.name, user.role = staff.name, Role(staff.role)
    profile: StaffProfile = user.profile
    for key in (
        "job_title",
        "department",
        "pronouns",
        "bio",
        "linkedin_url",
        "phone",
        "visible_to_candidates",
    ):
        setattr(profile, key, getattr(staff, key))


async def _locations(
    db: AsyncSession, data: ImportFile
) -> tuple[dict[str, Location], list[Location]]:
    """The file's offices by office_key (created when new), and the existing ones whose
    address changed.

    Only what the file gives is written: an office's arrival notes kept in the workspace
    survive a file (or a CSV, which has no column for them) that leaves them out.
    """
    wanted = {office_key(v.location.name): v.location for v in data.visits if v.location}
    names = [loc.name for loc in wanted.values()]
    # lower() in SQL knows only ASCII (SQLite); the exact names are asked for as well, and
    # the match itself is made in Python.
    rows = await db.scalars(
        sa.select(Location).where(
            sa.or_(
                col(Location.name).in_(names),
                sa.func.lower(col(Location.name)).in_([n.lower() for n in names]),
            )
        )
    )
    found: dict[str, Location] = {}
    for loc in sorted(rows, key=lambda row: row.name not in names):  # exact matches first
        found.setdefault(office_key(loc.name), loc)
    moved: list[Location] = []
    for key, loc_in in wanted.items():
        known = found.get(key)
        if known is None:
            found[key] = Location(
                name=loc_in.name, address=loc_in.address, arrival_notes=loc_in.arrival_notes
            )
            db.add(found[key])
            continue
        loc = known
        given = loc_in.model_fields_set
        if "address" in given and loc.address != loc_in.address:
            loc.address = loc_in.address
            moved.append(loc)
        if "arrival_notes" in given and loc.arrival_notes != loc_in.arrival_notes:
            loc.arrival_notes = loc_in.arrival_notes
    return found, moved


async def _candidates(
    db: AsyncSession, data: ImportFile, users: dict[str, User], now: datetime
) -> None:
    """Update the known candidates; add the new ones in a few statements, not one each.

    (The ORM inserts a row at a time when it must learn each new id, and a file of a
    thousand visits brings a thousand new people.)
    """
    fresh: dict[str, dict[str, Any]] = {}
    for visit_in in data.visits:
        person = visit_in.candidate
        known = users.get(person.email)
        if known is None:
            earlier = fresh.get(person.email, {})
            fresh[person.email] = {
                "email": person.email,
                "name": person.name,
                "role": Role.CANDIDATE,
                # As for a known candidate: a visit that names no language keeps one given.
                "locale": person.locale or earlier.get("locale"),
                "created_at": now,
            }
        else:
            known.name = person.name
            known.locale = person.locale or known.locale
    if not fresh:
        return
    await db.execute(sa.insert(User), list(fresh.values()))
    for part in _chunks(list(fresh)):
        added = await db.scalars(sa.select(User).where(col(User.email).in_(part)))
        users.update({u.email: u for u in added})


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


def _item_values(item_in: AgendaIn, position: int, zone: str) -> dict[str, Any]:
    return {
        "external_id": item_in.external_id,
        "position": position,
        "starts_at": to_utc(item_in.starts_at, zone),
        "ends_at": to_utc(item_in.ends_at, zone),
        "kind": item_in.kind,
        "title": item_in.title,
        "internal_title": item_in.internal_title,
        "room": item_in.room,
        "description": item_in.description,
        "visible_to_candidate": item_in.visible_to_candidate,
    }


async def _insert_visits(
    db: AsyncSession,
    new: list[tuple[VisitIn, dict[str, Any]]],
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
    visit_ids = await _insert_returning_ids(db, Visit, visit_rows)
    report.touched.update(dict.fromkeys(visit_ids))
    item_rows: list[dict[str, Any]] = []
    people: list[tuple[str, list[int | None]]] = []
    for (visit_in, _fields), row in zip(new, visit_rows, strict=True):
        for position, item_in in enumerate(visit_in.agenda):
            public_id = new_public_id()
            item_rows.append(
                {
                    **_item_values(item_in, position, visit_in.timezone),
                    "public_id": public_id,
                    "visit_id": visit_ids[row["public_id"]],
                }
            )
            emails = dict.fromkeys(item_in.interviewers)
            people.append((public_id, [users[e].id for e in emails]))
    item_ids = await _insert_returning_ids(db, AgendaItem, item_rows)
    links = [
        {"agenda_item_id": item_ids[public_id], "user_id": user_id}
        for public_id, user_ids in people
        for user_id in user_ids
    ]
    if links:
        await db.execute(sa.insert(AgendaInterviewer), links)


async def _insert_returning_ids(
    db: AsyncSession, model: type[Visit] | type[AgendaItem], rows: list[dict[str, Any]]
) -> dict[str, int]:
    """Insert ``rows`` in bulk; their new ids by public id."""
    if not rows:
        return {}
    result = await db.execute(sa.insert(model).returning(col(model.id), col(model.public_id)), rows)
    # Typed "int | None" (the model's id before insert); after an INSERT it is always set.
    return {public_id: row_id for row_id, public_id in result.all() if row_id is not None}


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
    programme_changed = _sync_agenda(visit, visit_in.agenda, users, visit_in.timezone)
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


def _sync_agenda(visit: Visit, items_in: list[AgendaIn], users: dict[str, User], zone: str) -> bool:
    """Match items on external_id, else on position; drop the ones the file no longer has.

    Returns whether anything the candidate sees changed (so they can be told).
    """
    changed = False
    by_ext = {i.external_id: i for i in visit.agenda if i.external_id}
    by_pos = {i.position: i for i in visit.agenda if not i.external_id}
    kept: list[AgendaItem] = []
    for pos, item_in in enumerate(items_in):
        item = by_ext.get(item_in.external_id) if item_in.external_id else by_pos.get(pos)
        people = [users[e] for e in dict.fromkeys(item_in.interviewers)]
        values = _item_values(item_in, pos, zone)
        if item is None:
            item = AgendaItem(**values)
            item.interviewers = people
            changed = changed or item_in.visible_to_candidate
        else:
            # What a candidate's calendar shows changed: raise SEQUENCE so it updates.
            seen = (
                "starts_at",
                "ends_at",
                "title",
                "room",
                "description",
                "kind",
                "visible_to_candidate",
            )
            if any(getattr(item, k) != values[k] for k in seen) or (
                {u.email for u in item.interviewers} != {u.email for u in people}
            ):
                item.sequence += 1
                changed = changed or item.visible_to_candidate or item_in.visible_to_candidate
            for key, value in values.items():
                if getattr(item, key) != value:
                    setattr(item, key, value)
            if {u.email for u in item.interviewers} != {u.email for u in people}:
                item.interviewers = people
        kept.append(item)
    dropped = [i for i in visit.agenda if i.id is not None and i not in kept]
    changed = changed or any(i.visible_to_candidate for i in dropped)
    if [i.id for i in visit.agenda] != [i.id for i in kept] or any(i.id is None for i in kept):
        visit.agenda = kept
    return changed


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


@dataclass(frozen=True)
class PastImport:
    at: datetime
    actor: str
    details: dict[str, Any]


async def recent_imports(
    db: AsyncSession, *, limit: int = 10, actor_id: int | None = None
) -> list[PastImport]:
    """The latest imports, newest first (one query); ``actor_id``: only that person's."""
    query = (
        sa.select(AuditEvent, col(User.name))
        .outerjoin(User, col(User.id) == col(AuditEvent.actor_id))
        .where(col(AuditEvent.action) == "import.applied")
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    )
    if actor_id is not None:
        query = query.where(col(AuditEvent.actor_id) == actor_id)
    return [
        PastImport(at=event.at, actor=name or "", details=event.details)
        for event, name in (await db.execute(query)).all()
    ]
