"""Accounts created from the command line (HR's screens come with the HR workspace)."""

from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.models import Role, StaffProfile, User, utcnow


async def create_user(db: AsyncSession, *, email: str, name: str, role: str) -> str:
    """Create an account; raises ValueError with a message for the person at the terminal."""
    try:
        address = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(f"{email!r} is not a valid e-mail address") from exc
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("give a name of 1 to 200 characters")
    if await db.scalar(sa.select(col(User.id)).where(col(User.email) == address)):
        raise ValueError(f"an account for {address} exists already")
    now = utcnow()
    user = User(email=address, name=name, role=Role(role), created_at=now)
    if user.role.is_staff:
        # user_id is set from the relationship at flush; SQLModel's __init__ signature
        # demands it all the same.
        user.profile = StaffProfile(updated_at=now, visible_to_candidates=False)  # type: ignore[call-arg]
    db.add(user)
    await db.flush()
    audit.record(
        db,
        action="user.created",
        now=now,
        subject_type="user",
        subject_id=user.public_id,
        details={"role": role, "via": "cli"},
    )
    return f"created {role} account for {address}"
