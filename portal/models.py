"""Every table of the portal, so the data model reads in one file.

Times are stored in UTC (``UTCDateTime`` gives aware datetimes back on SQLite and
PostgreSQL alike). Rows that appear in URLs carry a random ``public_id``; sequence ids
never leave the server, so they cannot be probed.
"""

# No `from __future__ import annotations` here: SQLModel resolves relationship types from
# real annotations, and string unions such as "X | None" defeat it.
import secrets
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Relationship, SQLModel

# Constraint names that Alembic can find again on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id() -> str:
    """A random, URL-safe id (128 bits): nothing to count or guess."""
    return secrets.token_urlsafe(16)


def rel(attribute: object) -> QueryableAttribute[Any]:
    """A relationship as SQLAlchemy sees it on the class (``Visit.agenda``), for joins and
    loader options: what ``sqlmodel.col`` is to columns. SQLModel types a relationship as
    the related object(s), which is right on an instance only."""
    if not isinstance(attribute, QueryableAttribute):
        raise TypeError(f"not a mapped attribute: {attribute!r}")
    return attribute


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that always comes back time-zone aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite keeps no offset; store the UTC wall clock.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EnumText(TypeDecorator[StrEnum]):
    """A StrEnum kept as its plain value in a VARCHAR column (no database enum types to
    migrate), handed back as the enum member."""

    impl = sa.String
    cache_ok = True

    def __init__(self, enum_cls: type[StrEnum], length: int = 20) -> None:
        super().__init__(length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> StrEnum | None:
        return None if value is None else self.enum_cls(value)


def _enum(enum_cls: type[StrEnum], **kw: Any) -> Any:
    return Field(sa_type=EnumText(enum_cls), **kw)


def _when(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


def _text(length: int, **kw: Any) -> Any:
    return Field(sa_type=sa.String(length), **kw)


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


class TokenPurpose(StrEnum):
    SIGN_IN = "sign_in"
    INVITATION = "invitation"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = _text(32, default_factory=new_public_id, unique=True)
    # Stored lower-cased; matching is on this column.
    email: str = _text(320, unique=True)
    name: str = _text(200)
    role: Role = _enum(Role, default=Role.CANDIDATE)
    locale: str | None = _text(5, default=None, nullable=True)
    is_active: bool = True
    created_at: datetime = _when(default_factory=utcnow)
    last_sign_in_at: datetime | None = _when(default=None, nullable=True)

    profile: Optional["StaffProfile"] = Relationship(
        back_populates="user", sa_relationship_kwargs={"uselist": False, "lazy": "raise"}
    )


class StaffProfile(SQLModel, table=True):
    """What candidates may read about a member of staff."""

    __tablename__ = "staff_profiles"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    job_title: str = _text(200, default="")
    department: str = _text(200, default="")
    pronouns: str = _text(50, default="")
    bio: str = Field(default="", sa_type=sa.Text)
    photo_id: int | None = Field(default=None, foreign_key="images.id", nullable=True)
    linkedin_url: str | None = _text(500, default=None, nullable=True)
    # A work phone, shown to candidates only when this person hosts their visit.
    phone: str = _text(50, default="")
    visible_to_candidates: bool = True
    updated_at: datetime = _when(default_factory=utcnow)

    user: "User" = Relationship(back_populates="profile", sa_relationship_kwargs={"lazy": "raise"})
    photo: Optional["Image"] = Relationship(sa_relationship_kwargs={"lazy": "raise"})


class Location(SQLModel, table=True):
    """An office, kept once so a change of directions reaches every visit there."""

    __tablename__ = "locations"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = _text(32, default_factory=new_public_id, unique=True)
    name: str = _text(200, unique=True)
    address: str = _text(500, default="")
    arrival_notes: str = Field(default="", sa_type=sa.Text)


class Visit(SQLModel, table=True):
    __tablename__ = "visits"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = _text(32, default_factory=new_public_id, unique=True)
    external_id: str | None = _text(200, default=None, nullable=True, unique=True)
    candidate_id: int = Field(foreign_key="users.id", index=True)
    host_id: int | None = Field(default=None, foreign_key="users.id", nullable=True)
    location_id: int | None = Field(default=None, foreign_key="locations.id", nullable=True)
    position: str = _text(200)
    department: str = _text(200, default="")
    starts_at: datetime = _when(index=True)
    ends_at: datetime = _when()
    timezone: str = _text(64, default="Europe/Amsterdam")
    status: VisitStatus = _enum(VisitStatus, default=VisitStatus.SCHEDULED)
    # Notes for this visit only (what to bring, who meets them at the door), in Markdown;
    # the office's own directions live on its Location.
    arrival_notes: str = Field(default="", sa_type=sa.Text)
    invited_at: datetime | None = _when(default=None, nullable=True)
    first_signed_in_at: datetime | None = _when(default=None, nullable=True)
    # The reminder two days ahead is queued once: a conditional update claims it.
    reminder_queued_at: datetime | None = _when(default=None, nullable=True)
    # A change the candidate can see waits here for its e-mail: HR edits an agenda in
    # several steps, and the candidate hears once, when HR has been quiet for a while.
    change_notice_due_at: datetime | None = _when(default=None, nullable=True, index=True)
    # "Running late", as the candidate told us on the day.
    running_late_at: datetime | None = _when(default=None, nullable=True)
    running_late_minutes: int | None = None
    # When the host was last e-mailed that the candidate runs late: at most one such mail
    # per few minutes, however often (or however concurrently) the button is pressed.
    late_notice_at: datetime | None = _when(default=None, nullable=True)
    # Changed diet/accessibility/attendance answers wait here for HR's e-mail, which goes
    # once the candidate has stopped saving for a while (like change_notice_due_at).
    preferences_notice_due_at: datetime | None = _when(default=None, nullable=True, index=True)
    # The key of the "new visit" form that created this visit: a double POST makes one visit.
    idempotency_key: str | None = _text(64, default=None, nullable=True, unique=True)
    # How the procedure ended and on which day: the candidate's data is erased
    # PORTAL_RETENTION_WEEKS after the last of their visits has ended (portal.privacy).
    outcome: Outcome | None = _enum(Outcome, default=None, nullable=True)
    decided_on: date | None = Field(default=None, nullable=True)
    # Bumped on every change, so two editors cannot overwrite each other unseen.
    version: int = 1
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)

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
    public_id: str = _text(32, default_factory=new_public_id, unique=True)
    visit_id: int = Field(foreign_key="visits.id", index=True, ondelete="CASCADE")
    external_id: str | None = _text(200, default=None, nullable=True)
    position: int = 0
    starts_at: datetime = _when()
    ends_at: datetime = _when()
    kind: AgendaKind = _enum(AgendaKind, default=AgendaKind.INTERVIEW)
    # What the candidate reads; the internal title is for staff only.
    title: str = _text(200)
    internal_title: str = _text(200, default="")
    room: str = _text(200, default="")
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
    item_public_id: str = _text(32)
    title: str = _text(200, default="")
    starts_at: datetime = _when()
    ends_at: datetime = _when()
    # The SEQUENCE the cancellation is published with (the item's last one, plus one).
    sequence: int = 0
    removed_at: datetime = _when(default_factory=utcnow)


class AgendaTemplate(SQLModel, table=True):
    """A saved programme (for instance "Engineering on-site, full day") to start a visit from.

    Items are kept as a list of plain dicts with times as minutes from the day's start, so a
    template fits any date: ``{"start": 0, "end": 30, "kind": "other", "title": …,
    "internal_title", "room", "description", "visible_to_candidate", "interviewers":
    [user public ids]}``.
    """

    __tablename__ = "agenda_templates"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = _text(32, default_factory=new_public_id, unique=True)
    name: str = _text(200)
    department: str = _text(200, default="")
    # Wall-clock start of the first item, "HH:MM", in the visit's own time zone.
    day_start: str = _text(5, default="09:30")
    items: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    created_by_id: int | None = Field(default=None, foreign_key="users.id", nullable=True)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)


class PoolConsent(SQLModel, table=True):
    """A candidate's consent to be kept for future vacancies (the "talent pool").

    Opt-in only, for one year at a time: ``text`` is the statement they agreed to, word for
    word in the language they read it in, and ``given_at`` when. Withdrawing deletes the
    row; while one runs past today the retention job leaves the candidate alone.
    """

    __tablename__ = "pool_consents"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", unique=True, ondelete="CASCADE")
    given_at: datetime = _when()
    # The last day they are kept for (in PORTAL_DEFAULT_TIMEZONE); erased the day after.
    until: date = Field(sa_type=sa.Date, index=True)
    text: str = Field(sa_type=sa.Text)
    locale: str = _text(5)
    # The one e-mail before ``until`` asking whether to renew; cleared when they renew.
    renewal_sent_at: datetime | None = _when(default=None, nullable=True)


class SignInToken(SQLModel, table=True):
    """A magic link and its one-time code. Only hashes are stored (a dump signs no one in)."""

    __tablename__ = "sign_in_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    purpose: TokenPurpose = _enum(TokenPurpose)
    token_hash: str = _text(64, unique=True)
    code_hash: str | None = _text(64, default=None, nullable=True)
    # Hash of a cookie set in the browser that asked: the code works only there.
    browser_hash: str | None = _text(64, default=None, nullable=True, index=True)
    next_path: str | None = _text(500, default=None, nullable=True)
    code_attempts: int = 0
    created_at: datetime = _when(default_factory=utcnow)
    expires_at: datetime = _when(index=True)
    used_at: datetime | None = _when(default=None, nullable=True)


class UserSession(SQLModel, table=True):
    """A server-side session; the cookie holds a random id whose hash is stored here."""

    __tablename__ = "sessions"

    id: int | None = Field(default=None, primary_key=True)
    id_hash: str = _text(64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = _when(default_factory=utcnow)
    last_seen_at: datetime = _when(default_factory=utcnow)
    expires_at: datetime = _when(index=True)
    revoked_at: datetime | None = _when(default=None, nullable=True)

    user: "User" = Relationship(sa_relationship_kwargs={"lazy": "raise"})


class OutboxEmail(SQLModel, table=True):
    """An e-mail written in the same transaction as the change that causes it.

    The message is encrypted with a key derived from the secret key, because a sign-in
    mail carries a live link; after delivery the payload is erased.
    """

    __tablename__ = "outbox_emails"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = _text(50)
    recipient: str = _text(320)
    message_id: str = _text(200, unique=True)
    payload: bytes | None = Field(default=None, sa_type=sa.LargeBinary, nullable=True)
    status: OutboxStatus = _enum(OutboxStatus, default=OutboxStatus.PENDING, index=True)
    attempts: int = 0
    next_attempt_at: datetime = _when(default_factory=utcnow, index=True)
    claimed_until: datetime | None = _when(default=None, nullable=True)
    last_error: str = _text(500, default="")
    # Set for e-mail that must go out once only (a reminder, a change notice).
    dedupe_key: str | None = _text(200, default=None, nullable=True, unique=True)
    created_at: datetime = _when(default_factory=utcnow)
    sent_at: datetime | None = _when(default=None, nullable=True)


class AuditEvent(SQLModel, table=True):
    """Who did what, when. Never a token or a message body."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id", nullable=True)
    action: str = _text(80, index=True)
    subject_type: str = _text(50, default="")
    subject_id: str = _text(64, default="")
    request_id: str = _text(64, default="")
    details: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


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
    attendance: Attendance = _enum(Attendance, default=Attendance.UNANSWERED)
    reschedule_reason: str = Field(default="", sa_type=sa.Text)
    diet: str = Field(default="", sa_type=sa.Text)
    accessibility: str = Field(default="", sa_type=sa.Text)
    travel_mode: TravelMode = _enum(TravelMode, default=TravelMode.UNSAID)
    needs_parking: bool = False
    wants_travel_reimbursement: bool = False
    note: str = Field(default="", sa_type=sa.Text)
    updated_at: datetime = _when(default_factory=utcnow)
    erased_at: datetime | None = _when(default=None, nullable=True)


class QuestionStatus(StrEnum):
    RECEIVED = "received"  # waiting for HR
    ROUTED = "routed"  # with a colleague, who drafts an answer
    DRAFTED = "drafted"  # the colleague's draft waits for HR's approval
    ANSWERED = "answered"  # published to the candidate
    WITHDRAWN = "withdrawn"  # the candidate took it back


class Question(SQLModel, table=True):
    """A candidate's question ahead of their visit, and the answer HR publishes.

    The draft, internal note and assignee are for staff only; the candidate sees the
    question, its status and the published answer.
    """

    __tablename__ = "questions"
    __table_args__ = (
        # A double click or a retried POST carries the same key: one question, not two.
        sa.UniqueConstraint("candidate_id", "idempotency_key", name="uq_questions_idempotency"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = _text(32, default_factory=new_public_id, unique=True)
    visit_id: int = Field(foreign_key="visits.id", index=True, ondelete="CASCADE")
    candidate_id: int = Field(foreign_key="users.id", index=True)
    idempotency_key: str = _text(64)
    body: str = Field(sa_type=sa.Text)
    ask_in_person: bool = False
    status: QuestionStatus = _enum(QuestionStatus, default=QuestionStatus.RECEIVED, index=True)
    assignee_id: int | None = Field(default=None, foreign_key="users.id", nullable=True, index=True)
    internal_note: str = Field(default="", sa_type=sa.Text)
    draft: str = Field(default="", sa_type=sa.Text)
    return_note: str = Field(default="", sa_type=sa.Text)
    answer: str = Field(default="", sa_type=sa.Text)
    answered_by_id: int | None = Field(default=None, foreign_key="users.id", nullable=True)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)
    answered_at: datetime | None = _when(default=None, nullable=True)
    # Raised on every change: two people saving at once cannot overwrite each other unseen.
    version: int = 1

    visit: "Visit" = Relationship(sa_relationship_kwargs={"lazy": "raise"})
    candidate: "User" = Relationship(
        sa_relationship_kwargs={"foreign_keys": "Question.candidate_id", "lazy": "raise"}
    )
    assignee: Optional["User"] = Relationship(
        sa_relationship_kwargs={"foreign_keys": "Question.assignee_id", "lazy": "raise"}
    )
    answered_by: Optional["User"] = Relationship(
        sa_relationship_kwargs={"foreign_keys": "Question.answered_by_id", "lazy": "raise"}
    )


class RateLimitHit(SQLModel, table=True):
    """A fixed-window counter, shared by every app process through the database."""

    __tablename__ = "rate_limit_hits"

    # The bucket (a hash, never an address in clear) and the window's number.
    key: str = _text(128, primary_key=True)
    count: int = 0
    expires_at: datetime = _when(index=True)


class Image(SQLModel, table=True):
    """An uploaded picture, re-encoded into a few widths (the files live in the storage).

    The original upload is never kept: only the JPEGs the image pipeline wrote, without
    any metadata (a phone photo's GPS position would say where someone lives).
    """

    __tablename__ = "images"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = _text(32, default_factory=new_public_id, unique=True)
    owner_id: int = Field(foreign_key="users.id", index=True)
    # Width and height of the largest variant; the others keep its aspect ratio.
    width: int
    height: int
    widths: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    # SHA-256 of the bytes uploaded: importing the same photo twice stores it once.
    source_digest: str = _text(64, default="")
    created_at: datetime = _when(default_factory=utcnow)


class StoryStatus(StrEnum):
    """Where the author's working copy stands. Whether a version is online is separate
    (``Story.live_number``): a published story can have a new revision in review."""

    DRAFT = "draft"  # being written, or withdrawn from review
    SUBMITTED = "submitted"  # waiting for HR
    CHANGES_REQUESTED = "changes_requested"  # HR sent it back with a note
    REJECTED = "rejected"  # HR said no; read-only for the author
    PUBLISHED = "published"  # the working copy is the version online
    UNPUBLISHED = "unpublished"  # HR took it offline; the author may edit and submit again
    ARCHIVED = "archived"  # retired by HR: kept, shown to no candidate


class Story(SQLModel, table=True):
    """A culture story by a member of staff. Its text lives in numbered revisions: the
    author edits the working one while the live one (if any) stays online."""

    __tablename__ = "stories"
    __table_args__ = (
        sa.UniqueConstraint("author_id", "idempotency_key", name="uq_stories_idempotency"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = _text(32, default_factory=new_public_id, unique=True)
    author_id: int = Field(foreign_key="users.id", index=True)
    # Given at the first publication and never changed after, so shared links keep working.
    slug: str | None = _text(100, default=None, nullable=True, unique=True)
    status: StoryStatus = _enum(StoryStatus, default=StoryStatus.DRAFT, index=True)
    working_number: int = 1
    # The revision candidates read; None while nothing is online.
    live_number: int | None = None
    # HR's last note to the author (changes asked for, or why it was not accepted).
    review_note: str = Field(default="", sa_type=sa.Text)
    first_published_at: datetime | None = _when(default=None, nullable=True)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)
    # The key of the "new story" form that created it: a double POST makes one story.
    idempotency_key: str | None = _text(64, default=None, nullable=True)
    # Raised on every change: two people saving at once cannot overwrite each other unseen.
    version: int = 1

    author: "User" = Relationship(sa_relationship_kwargs={"lazy": "raise"})


class StoryRevision(SQLModel, table=True):
    __tablename__ = "story_revisions"
    __table_args__ = (sa.UniqueConstraint("story_id", "number", name="uq_story_revisions_number"),)

    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(foreign_key="stories.id", index=True, ondelete="CASCADE")
    number: int = 1
    title: str = _text(200)
    teaser: str = _text(300, default="")
    body: str = Field(default="", sa_type=sa.Text)
    # Counted when saved, for the reading time (not on every page view).
    words: int = 0
    language: str = _text(5, default="nl")
    department: str = _text(200, default="")
    team: str = _text(100, default="")
    themes: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    image_id: int | None = Field(default=None, foreign_key="images.id", nullable=True)
    image_alt: str = _text(300, default="")
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)
    submitted_at: datetime | None = _when(default=None, nullable=True)
    reviewed_at: datetime | None = _when(default=None, nullable=True)
    reviewer_id: int | None = Field(default=None, foreign_key="users.id", nullable=True)
    review_note: str = Field(default="", sa_type=sa.Text)
    published_at: datetime | None = _when(default=None, nullable=True)

    image: Optional["Image"] = Relationship(sa_relationship_kwargs={"lazy": "raise"})
