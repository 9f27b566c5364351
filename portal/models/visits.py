"""A visit: its office, its programme (agenda items and who takes part), the programmes
saved as templates, and what the candidate tells HR about it."""

# No `from __future__ import annotations` here: SQLModel resolves relationship types from
# real annotations, and string unions such as "X | None" defeat it.
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Optional

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
    from portal.models.people import User


class VisitStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    """How a candidate's procedure for one visit ended; its date starts the retention clock."""

    HIRED = "hired"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class AgendaKind(StrEnum):
    INTERVIEW = "interview"
    LUNCH = "lunch"
    DINNER = "dinner"
    TOUR = "tour"
    PRESENTATION = "presentation"
    ASSIGNMENT = "assignment"
    BREAK = "break"
    OTHER = "other"


class Location(SQLModel, table=True):
    """An office, kept once so a change of directions reaches every visit there."""

    __tablename__ = "locations"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = text_field(32, default_factory=new_public_id, unique=True)
    name: str = text_field(200, unique=True)
    address: str = text_field(500, default="")
    arrival_notes: str = Field(default="", sa_type=sa.Text)


class Visit(SQLModel, table=True):
    __tablename__ = "visits"
    __table_args__ = (
        # The inbox's department filter (in date order) and its list of departments.
        sa.Index("ix_visits_department_starts_at", "department", "starts_at"),
        # A candidate's visits with what decides when each has ended: the retention rule
        # (portal.privacy.retention) reads it without the table, candidate by candidate.
        sa.Index("ix_visits_candidate_ended", "candidate_id", "outcome", "decided_on", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = text_field(32, default_factory=new_public_id, unique=True)
    external_id: str | None = text_field(200, default=None, nullable=True, unique=True)
    candidate_id: int = Field(foreign_key="users.id")
    host_id: int | None = Field(default=None, foreign_key="users.id", nullable=True)
    location_id: int | None = Field(default=None, foreign_key="locations.id", nullable=True)
    position: str = text_field(200)
    department: str = text_field(200, default="")
    starts_at: datetime = utc_field(index=True)
    ends_at: datetime = utc_field()
    timezone: str = text_field(64, default="Europe/Amsterdam")
    status: VisitStatus = enum_field(VisitStatus, default=VisitStatus.SCHEDULED)
    # Notes for this visit only (what to bring, who meets them at the door), in Markdown;
    # the office's own directions live on its Location.
    arrival_notes: str = Field(default="", sa_type=sa.Text)
    invited_at: datetime | None = utc_field(default=None, nullable=True)
    first_signed_in_at: datetime | None = utc_field(default=None, nullable=True)
    # The reminder two days ahead is queued once: a conditional update claims it.
    reminder_queued_at: datetime | None = utc_field(default=None, nullable=True)
    # A change the candidate can see waits here for its e-mail: HR edits an agenda in
    # several steps, and the candidate hears once, when HR has been quiet for a while.
    change_notice_due_at: datetime | None = utc_field(default=None, nullable=True, index=True)
    # "Running late", as the candidate told us on the day.
    running_late_at: datetime | None = utc_field(default=None, nullable=True)
    running_late_minutes: int | None = None
    # When the host was last e-mailed that the candidate runs late: at most one such mail
    # per few minutes, however often (or however concurrently) the button is pressed.
    late_notice_at: datetime | None = utc_field(default=None, nullable=True)
    # Changed diet/accessibility/attendance answers wait here for HR's e-mail, which goes
    # once the candidate has stopped saving for a while (like change_notice_due_at).
    preferences_notice_due_at: datetime | None = utc_field(default=None, nullable=True, index=True)
    # The key of the "new visit" form that created this visit: a double POST makes one visit.
    idempotency_key: str | None = text_field(64, default=None, nullable=True, unique=True)
    # How the procedure ended and on which day: the candidate's data is erased
    # PORTAL_RETENTION_WEEKS after the last of their visits has ended (portal.privacy).
    outcome: Outcome | None = enum_field(Outcome, default=None, nullable=True)
    decided_on: date | None = Field(default=None, nullable=True)
    # Bumped on every change, so two editors cannot overwrite each other unseen.
    version: int = 1
    created_at: datetime = utc_field(default_factory=utcnow)
    updated_at: datetime = utc_field(default_factory=utcnow)

    candidate: "User" = Relationship(
        sa_relationship_kwargs={"foreign_keys": "Visit.candidate_id", "lazy": "raise"}
    )
    host: Optional["User"] = Relationship(
        sa_relationship_kwargs={"foreign_keys": "Visit.host_id", "lazy": "raise"}
    )
    location: Optional["Location"] = Relationship(sa_relationship_kwargs={"lazy": "raise"})
    preferences: Optional["VisitPreferences"] = Relationship(
        sa_relationship_kwargs={"uselist": False, "lazy": "raise"}
    )
    agenda: list["AgendaItem"] = Relationship(
        back_populates="visit",
        sa_relationship_kwargs={
            "lazy": "raise",
            "order_by": "(AgendaItem.starts_at, AgendaItem.position)",
            "cascade": "all, delete-orphan",
        },
    )


class AgendaInterviewer(SQLModel, table=True):
    __tablename__ = "agenda_interviewers"

    agenda_item_id: int = Field(foreign_key="agenda_items.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True)


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_items"
    __table_args__ = (sa.UniqueConstraint("visit_id", "external_id", name="uq_agenda_external"),)

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = text_field(32, default_factory=new_public_id, unique=True)
    visit_id: int = Field(foreign_key="visits.id", index=True, ondelete="CASCADE")
    external_id: str | None = text_field(200, default=None, nullable=True)
    position: int = 0
    starts_at: datetime = utc_field()
    ends_at: datetime = utc_field()
    kind: AgendaKind = enum_field(AgendaKind, default=AgendaKind.INTERVIEW)
    # What the candidate reads; the internal title is for staff only.
    title: str = text_field(200)
    internal_title: str = text_field(200, default="")
    room: str = text_field(200, default="")
    description: str = Field(default="", sa_type=sa.Text)
    visible_to_candidate: bool = True
    # iCalendar SEQUENCE: raised whenever a candidate-visible detail changes.
    sequence: int = 0

    visit: "Visit" = Relationship(back_populates="agenda", sa_relationship_kwargs={"lazy": "raise"})
    interviewers: list["User"] = Relationship(
        link_model=AgendaInterviewer,
        sa_relationship_kwargs={"lazy": "raise", "order_by": "User.name"},
    )


class AgendaTombstone(SQLModel, table=True):
    """An agenda item the candidate could see and no longer can (removed, or made internal).

    The calendar file keeps publishing it as cancelled, with the item's UID and a higher
    SEQUENCE, until the visit is over: calendar apps only drop an event they are told about.
    Only what the candidate already saw is kept.
    """

    __tablename__ = "agenda_tombstones"
    __table_args__ = (
        sa.UniqueConstraint("visit_id", "item_public_id", name="uq_agenda_tombstones_item"),
    )

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visits.id", index=True, ondelete="CASCADE")
    # The removed item's public id: its calendar UID is derived from it.
    item_public_id: str = text_field(32)
    title: str = text_field(200, default="")
    starts_at: datetime = utc_field()
    ends_at: datetime = utc_field()
    # The SEQUENCE the cancellation is published with (the item's last one, plus one).
    sequence: int = 0
    removed_at: datetime = utc_field(default_factory=utcnow)


class AgendaTemplate(SQLModel, table=True):
    """A saved programme (for instance "Engineering on-site, full day") to start a visit from.

    Items are kept as a list of plain dicts with times as minutes from the day's start, so a
    template fits any date: ``{"start": 0, "end": 30, "kind": "other", "title": …,
    "internal_title", "room", "description", "visible_to_candidate", "interviewers":
    [user public ids]}``.
    """

    __tablename__ = "agenda_templates"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = text_field(32, default_factory=new_public_id, unique=True)
    name: str = text_field(200)
    department: str = text_field(200, default="")
    # Wall-clock start of the first item, "HH:MM", in the visit's own time zone.
    day_start: str = text_field(5, default="09:30")
    items: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    created_by_id: int | None = Field(default=None, foreign_key="users.id", nullable=True)
    created_at: datetime = utc_field(default_factory=utcnow)
    updated_at: datetime = utc_field(default_factory=utcnow)


class Attendance(StrEnum):
    UNANSWERED = "unanswered"
    CONFIRMED = "confirmed"
    RESCHEDULE = "reschedule"


class TravelMode(StrEnum):
    UNSAID = ""
    PUBLIC_TRANSPORT = "public_transport"
    CAR = "car"
    BICYCLE = "bicycle"
    OTHER = "other"


class VisitPreferences(SQLModel, table=True):
    """What the candidate tells HR about their visit.

    Diet and accessibility can reveal health or religion (special categories under the
    GDPR): only HR reads them, and the free-text answers are erased a set number of days
    after the visit (PORTAL_RETENTION_DAYS).
    """

    __tablename__ = "visit_preferences"

    visit_id: int = Field(foreign_key="visits.id", primary_key=True, ondelete="CASCADE")
    attendance: Attendance = enum_field(Attendance, default=Attendance.UNANSWERED)
    reschedule_reason: str = Field(default="", sa_type=sa.Text)
    diet: str = Field(default="", sa_type=sa.Text)
    accessibility: str = Field(default="", sa_type=sa.Text)
    travel_mode: TravelMode = enum_field(TravelMode, default=TravelMode.UNSAID)
    needs_parking: bool = False
    wants_travel_reimbursement: bool = False
    note: str = Field(default="", sa_type=sa.Text)
    updated_at: datetime = utc_field(default_factory=utcnow)
    erased_at: datetime | None = utc_field(default=None, nullable=True)
