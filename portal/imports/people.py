"""The people an import file names: its staff, its candidates, and the colleagues its
visits point at (hosts and interviewers), who must be active staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlmodel import col

from portal.imports.bulk import chunks
from portal.imports.report import Report
from portal.imports.schema import ImportFile, ImportProblems, StaffIn
from portal.models import Role, StaffProfile, User, rel


async def load_users(db: AsyncSession, data: ImportFile) -> dict[str, User]:
    """Every account the file names that exists already, by e-mail."""
    emails = sorted(
        {s.email for s in data.staff}
        | {v.candidate.email for v in data.visits}
        | {v.host for v in data.visits if v.host}
        | {e for v in data.visits for a in v.agenda for e in a.interviewers}
    )
    users: dict[str, User] = {}
    for part in chunks(emails):
        people = await db.scalars(
            sa.select(User)
            .options(selectinload(rel(User.profile)).selectinload(rel(StaffProfile.photo)))
            .where(col(User.email).in_(part))
        )
        users.update({u.email: u for u in people})
    return users


def check_references(data: ImportFile, users: dict[str, User], problems: list[str]) -> None:
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


def upsert_staff(
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


async def add_candidates(
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
    for part in chunks(list(fresh)):
        added = await db.scalars(sa.select(User).where(col(User.email).in_(part)))
        users.update({u.email: u for u in added})
