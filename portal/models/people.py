"""People: accounts (candidates and staff), what candidates may read about staff, and a
candidate's consent to be kept for future vacancies."""

# No `from __future__ import annotations` here: SQLModel resolves relationship types from
# real annotations, and string unions such as "X | None" defeat it.
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from portal.models.base import (
    enum_field,
    new_public_id,
    text_field,
    utc_field,
    utcnow,
)

if TYPE_CHECKING:
    from portal.models.pictures import Image


class Role(StrEnum):
    CANDIDATE = "candidate"
    EMPLOYEE = "employee"
    HR = "hr"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self is not Role.CANDIDATE

    @property
    def is_hr(self) -> bool:
        return self in (Role.HR, Role.ADMIN)


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        # Staff by name (colleagues to route a question to, the directory) without reading
        # every candidate. Partial: an index on the role would have SQLite, which keeps no
        # statistics, read all candidates through it. Queries must compare the role with
        # the literal 'candidate' (not a bound parameter) for the planner to use it.
        sa.Index(
            "ix_users_staff_name",
            "name",
            sqlite_where=sa.text("role <> 'candidate'"),
            postgresql_where=sa.text("role <> 'candidate'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = text_field(32, default_factory=new_public_id, unique=True)
    # Stored lower-cased; matching is on this column.
    email: str = text_field(320, unique=True)
    name: str = text_field(200)
    role: Role = enum_field(Role, default=Role.CANDIDATE)
    locale: str | None = text_field(5, default=None, nullable=True)
    is_active: bool = True
    created_at: datetime = utc_field(default_factory=utcnow)
    last_sign_in_at: datetime | None = utc_field(default=None, nullable=True)

    profile: Optional["StaffProfile"] = Relationship(
        back_populates="user", sa_relationship_kwargs={"uselist": False, "lazy": "raise"}
    )


class StaffProfile(SQLModel, table=True):
    """What candidates may read about a member of staff."""

    __tablename__ = "staff_profiles"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    job_title: str = text_field(200, default="")
    department: str = text_field(200, default="")
    pronouns: str = text_field(50, default="")
    bio: str = Field(default="", sa_type=sa.Text)
    photo_id: int | None = Field(default=None, foreign_key="images.id", nullable=True)
    linkedin_url: str | None = text_field(500, default=None, nullable=True)
    # A work phone, shown to candidates only when this person hosts their visit.
    phone: str = text_field(50, default="")
    visible_to_candidates: bool = True
    updated_at: datetime = utc_field(default_factory=utcnow)

    user: "User" = Relationship(back_populates="profile", sa_relationship_kwargs={"lazy": "raise"})
    photo: Optional["Image"] = Relationship(sa_relationship_kwargs={"lazy": "raise"})


class PoolConsent(SQLModel, table=True):
    """A candidate's consent to be kept for future vacancies (the "talent pool").

    Opt-in only, for one year at a time: ``text`` is the statement they agreed to, word for
    word in the language they read it in, and ``given_at`` when. Withdrawing deletes the
    row; while one runs past today the retention job leaves the candidate alone.
    """

    __tablename__ = "pool_consents"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", unique=True, ondelete="CASCADE")
    given_at: datetime = utc_field()
    # The last day they are kept for (in PORTAL_DEFAULT_TIMEZONE); erased the day after.
    until: date = Field(sa_type=sa.Date, index=True)
    text: str = Field(sa_type=sa.Text)
    locale: str = text_field(5)
    # The one e-mail before ``until`` asking whether to renew; cleared when they renew.
    renewal_sent_at: datetime | None = utc_field(default=None, nullable=True)
