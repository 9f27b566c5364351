"""Staff profiles: one loaded with its photo (HR's page of a colleague, or one's own page),
saved, and shown or hidden to candidates.

HR may change any profile; a member of staff changes their own only. Every change is an
audit event whose details hold field names, never personal data: the person is named by
their public id in ``subject_id``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlmodel import col

from portal import audit
from portal.db import Conflict
from portal.models import Image, Role, StaffProfile, User, rel
from portal.staff.accounts import NotAllowed

# ---- loading -----------------------------------------------------------------------------


def _with_profile() -> sa.Select[User]:
    return sa.select(User).options(
        joinedload(rel(User.profile)).joinedload(rel(StaffProfile.photo))
    )


async def _ensure_profile(db: AsyncSession, person: User, now: datetime) -> User:
    """Every member of staff has a profile; one made outside the portal gets it here."""
    if person.profile is None:
        profile = StaffProfile(updated_at=now)  # type: ignore[call-arg]  # user_id at flush
        profile.photo = None
        person.profile = profile
        await db.flush()
    return person


async def staff_member(
    db: AsyncSession, *, actor: User, public_id: str, now: datetime
) -> User | None:
    """A member of staff, active or not, with profile and photo: for HR only. A candidate's
    id answers None like an unknown one (HR manages candidates through their visits)."""
    if not actor.role.is_hr:
        return None
    person = (
        await db.scalars(
            _with_profile().where(
                col(User.public_id) == public_id, col(User.role) != Role.CANDIDATE
            )
        )
    ).first()
    return await _ensure_profile(db, person, now) if person is not None else None


async def own_profile(db: AsyncSession, *, actor: User, now: datetime) -> User | None:
    """The actor's own account with profile and photo; None for a candidate."""
    if not actor.role.is_staff:
        return None
    person = (await db.scalars(_with_profile().where(col(User.id) == actor.id))).first()
    return await _ensure_profile(db, person, now) if person is not None else None


# ---- saving and showing ------------------------------------------------------------------


def _stamp(now: datetime, previous: datetime) -> datetime:
    """The next version: the time of the change, and always later than the one before
    (two saves within one clock tick must still tell their versions apart)."""
    return max(now, previous + timedelta(microseconds=1))


async def save_profile(
    db: AsyncSession,
    *,
    actor: User,
    person: User,
    values: dict[str, Any],
    photo: Image | None,
    remove_photo: bool,
    seen: datetime | None,
    now: datetime,
) -> None:
    """Save what the form binds, only if the profile is still as the editor saw it.

    ``values`` holds the fields of one form (HR's or the owner's): HR may change any
    profile, the owner only their own words. Raises NotAllowed or Conflict.
    """
    profile = person.profile
    hr_only = set(values) - {"pronouns", "bio", "linkedin_url", "phone"}
    if profile is None or not (actor.role.is_hr or (person.id == actor.id and not hr_only)):
        raise NotAllowed
    if seen is None:
        raise Conflict
    changes = {k: v for k, v in values.items() if k != "name"}
    changed = [k for k, v in values.items() if v != getattr(person if k == "name" else profile, k)]
    if photo is not None:
        changes["photo_id"] = photo.id
        changed.append("photo")
    elif remove_photo and profile.photo_id is not None:
        changes["photo_id"] = None
        changed.append("photo")
    # One conditional UPDATE: of two editors who saw the same version, only one wins.
    saved = await db.execute(
        sa.update(StaffProfile)
        .where(col(StaffProfile.user_id) == person.id, col(StaffProfile.updated_at) == seen)
        .values(**changes, updated_at=_stamp(now, seen))
        .returning(col(StaffProfile.user_id))
    )
    if saved.first() is None:
        raise Conflict
    if "name" in changed:
        await db.execute(
            sa.update(User).where(col(User.id) == person.id).values(name=values["name"])
        )
    by = "self" if person.id == actor.id else "hr"
    if changed:
        audit.about(
            db,
            person,
            actor=actor,
            action="profile.updated",
            now=now,
            details={"fields": changed, "by": by},
        )
    if "visible_to_candidates" in changed:
        details = {"visible": values["visible_to_candidates"], "by": by}
        audit.about(
            db, person, actor=actor, action="profile.visibility_changed", now=now, details=details
        )


async def set_visibility(db: AsyncSession, *, actor: User, visible: bool, now: datetime) -> None:
    """Show or hide one's own photo and bio to candidates, at any time and at once.

    No version check: withdrawing must always work. The version moves on all the same, so
    an HR form opened before cannot switch it back unseen.
    """
    person = await own_profile(db, actor=actor, now=now)
    if person is None or person.profile is None:
        raise NotAllowed
    profile = person.profile
    if profile.visible_to_candidates is visible:
        return
    await db.execute(
        sa.update(StaffProfile)
        .where(col(StaffProfile.user_id) == person.id)
        .values(visible_to_candidates=visible, updated_at=_stamp(now, profile.updated_at))
    )
    details = {"visible": visible, "by": "self"}
    audit.about(
        db, person, actor=actor, action="profile.visibility_changed", now=now, details=details
    )
