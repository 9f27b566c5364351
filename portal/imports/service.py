"""Bring visits over from an applicant tracking system, all or nothing, safe to repeat."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlmodel import col

from portal import audit
from portal.config import Settings
from portal.imports.schema import AgendaIn, ImportFile, StaffIn, VisitIn
from portal.media import service as media
from portal.media.images import ImageRejected, Variant
from portal.media.storage import Storage
from portal.models import AgendaItem, Location, Role, StaffProfile, User, Visit, VisitStatus, rel

CHUNK = 500


class ImportProblems(Exception):
    """The file was refused; ``problems`` lists every one of them with its path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


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
    notified: int = 0


def parse(raw: bytes | str) -> ImportFile:
    """Validate the whole file before anything is written."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportProblems([f"not valid JSON: {exc}"]) from exc
    try:
        parsed = ImportFile.model_validate(data)
    except ValidationError as exc:
        raise ImportProblems([_describe(err) for err in exc.errors()]) from exc
    problems = _check_times(parsed.visits)
    ids = [v.external_id for v in parsed.visits]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"visits: external_id {dup!r} appears more than once")
    if problems:
        raise ImportProblems(problems)
    return parsed


def _describe(err: Any) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
    message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
    return f"{path or '(file)'}: {message}"


def to_utc(value: datetime, zone: str) -> datetime | None:
    """A wall-clock time in ``zone`` (or a time with an offset) in UTC; None if it never occurs."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    tz = ZoneInfo(zone)
    local = value.replace(tzinfo=tz)
    utc = local.astimezone(UTC)
    # A wall time inside a spring-forward gap does not exist: refuse it, don't guess.
    if utc.astimezone(tz).replace(tzinfo=None) != value:
        return None
    return utc


def _check_times(visits: list[VisitIn]) -> list[str]:
    problems = []
    for n, visit in enumerate(visits):
        if not visit.agenda and not (visit.starts_at and visit.ends_at):
            problems.append(f"visits[{n}]: give an agenda, or starts_at and ends_at")
        spans: list[tuple[str, datetime, datetime]] = []
        if visit.starts_at and visit.ends_at:
            spans.append((f"visits[{n}]", visit.starts_at, visit.ends_at))
        spans += [
            (f"visits[{n}].agenda[{i}]", a.starts_at, a.ends_at) for i, a in enumerate(visit.agenda)
        ]
        for path, start, end in spans:
            s, e = to_utc(start, visit.timezone), to_utc(end, visit.timezone)
            if s is None or e is None:
                problems.append(
                    f"{path}: that time does not exist in {visit.timezone} (clocks go forward)"
                )
            elif e <= s:
                problems.append(f"{path}: ends_at must be after starts_at")
    return problems


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
) -> Report:
    """Write a parsed file in the caller's transaction; raises ImportProblems before any write."""
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
    locations = await _locations(db, data, now)
    await db.flush()
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
    for visit_in in data.visits:
        person = visit_in.candidate
        candidate = users.get(person.email)
        if candidate is None:
            candidate = User(
                email=person.email,
                name=person.name,
                role=Role.CANDIDATE,
                locale=person.locale,
                created_at=now,
            )
            db.add(candidate)
            users[candidate.email] = candidate
        else:
            candidate.name = person.name
            candidate.locale = person.locale or candidate.locale
    await db.flush()  # one flush gives every new person an id
    for visit_in in data.visits:
        candidate = users[visit_in.candidate.email]
        _upsert_visit(
            db,
            visit_in,
            existing.get(visit_in.external_id),
            candidate,
            users,
            locations,
            report,
            now,
        )
    await db.flush()
    audit.record(
        db,
        action="import.applied",
        now=now,
        actor_id=actor_id,
        details={"created": report.created, "updated": report.updated},
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


async def _locations(db: AsyncSession, data: ImportFile, now: datetime) -> dict[str, Location]:
    wanted = {v.location.name: v.location for v in data.visits if v.location}
    found = {
        loc.name: loc
        for loc in await db.scalars(sa.select(Location).where(col(Location.name).in_(list(wanted))))
    }
    for name, loc_in in wanted.items():
        loc = found.get(name)
        if loc is None:
            loc = Location(name=name)
            db.add(loc)
            found[name] = loc
        loc.address, loc.arrival_notes = loc_in.address, loc_in.arrival_notes
    return found


def _upsert_visit(
    db: AsyncSession,
    visit_in: VisitIn,
    visit: Visit | None,
    candidate: User,
    users: dict[str, User],
    locations: dict[str, Location],
    report: Report,
    now: datetime,
) -> None:
    zone = visit_in.timezone
    spans = [(to_utc(a.starts_at, zone), to_utc(a.ends_at, zone)) for a in visit_in.agenda]
    if visit_in.starts_at and visit_in.ends_at:
        spans.append((to_utc(visit_in.starts_at, zone), to_utc(visit_in.ends_at, zone)))
    starts = min(s for s, _e in spans if s)
    ends = max(e for _s, e in spans if e)
    if visit is None:
        visit = Visit(
            external_id=visit_in.external_id,
            candidate_id=candidate.id,  # type: ignore[arg-type]  # apply() flushed: id is set
            position=visit_in.position,
            starts_at=starts,
            ends_at=ends,
            created_at=now,
            updated_at=now,
        )
        visit.agenda = []
        db.add(visit)
        report.created["visits"] += 1
    else:
        report.updated["visits"] += 1
    fields = {
        "candidate_id": candidate.id,
        "position": visit_in.position,
        "department": visit_in.department,
        "timezone": zone,
        "starts_at": starts,
        "ends_at": ends,
        "status": VisitStatus(visit_in.status),
        "location_id": locations[visit_in.location.name].id if visit_in.location else None,
        "host_id": users[visit_in.host].id if visit_in.host else None,
    }
    changed = {k: v for k, v in fields.items() if getattr(visit, k) != v}
    for key, value in changed.items():
        setattr(visit, key, value)
    if changed and visit.id is not None:
        visit.version += 1
        visit.updated_at = now
    visit.candidate = candidate
    programme_changed = _sync_agenda(visit, visit_in.agenda, users, zone)
    if visit.id is not None and ({"status", "location_id"} & changed.keys()):
        # Every event's status or place changed: calendars must take the new version.
        for item in visit.agenda:
            item.sequence += 1
    if visit.id is not None and (programme_changed or "location_id" in changed):
        if programme_changed:
            visit.version += 1
            visit.updated_at = now
        report.changed.append(visit)


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
        values: dict[str, Any] = {
            "external_id": item_in.external_id,
            "position": pos,
            "starts_at": to_utc(item_in.starts_at, zone),
            "ends_at": to_utc(item_in.ends_at, zone),
            "kind": item_in.kind,
            "title": item_in.title,
            "internal_title": item_in.internal_title,
            "room": item_in.room,
            "description": item_in.description,
            "visible_to_candidate": item_in.visible_to_candidate,
        }
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
) -> Report:
    return await apply(db, parse(raw), now=now, actor_id=actor_id, photos=photos)
