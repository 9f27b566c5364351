"""The import format (``portal import FILE``), as documented in the README.

Unknown keys are errors, not ignored: a typo in an ATS export must not silently drop data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from portal.models import AgendaKind


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid e-mail address: {exc}") from exc


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


def _https(value: str | None) -> str | None:
    if value and not value.startswith("https://"):
        raise ValueError("must start with https://")
    return value


Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(_email)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Markdown = Annotated[str, StringConstraints(max_length=20_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class StaffIn(Strict):
    email: Email
    name: Name
    role: Literal["employee", "hr", "admin"]
    job_title: Short = ""
    department: Short = ""
    pronouns: Annotated[str, StringConstraints(max_length=50)] = ""
    bio: Markdown = ""
    linkedin_url: Annotated[str | None, AfterValidator(_https)] = None
    phone: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=50, pattern=r"^[0-9+() \-]*$")
    ] = ""
    visible_to_candidates: bool = True
    # A portrait: a path relative to the import file (read by ``portal import`` only).
    photo: Annotated[str | None, StringConstraints(min_length=1, max_length=500)] = None


class CandidateIn(Strict):
    email: Email
    name: Name
    locale: Literal["nl", "en"] | None = None


class LocationIn(Strict):
    name: Name
    address: Annotated[str, StringConstraints(max_length=500)] = ""
    arrival_notes: Markdown = ""


class AgendaIn(Strict):
    external_id: Short | None = None
    starts_at: datetime
    ends_at: datetime
    kind: AgendaKind
    title: Name
    internal_title: Short = ""
    room: Short = ""
    description: Markdown = ""
    visible_to_candidate: bool = True
    interviewers: list[Email] = Field(default_factory=list, max_length=20)


class VisitIn(Strict):
    external_id: Name
    candidate: CandidateIn
    position: Name
    department: Short = ""
    timezone: Annotated[str, AfterValidator(_zone)] = "Europe/Amsterdam"
    location: LocationIn | None = None
    host: Email | None = None
    # Only needed when the agenda is empty; otherwise taken from the agenda.
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    status: Literal["scheduled", "cancelled"] = "scheduled"
    agenda: list[AgendaIn] = Field(default_factory=list, max_length=50)

    @field_validator("agenda")
    @classmethod
    def _unique_item_ids(cls, items: list[AgendaIn]) -> list[AgendaIn]:
        ids = [i.external_id for i in items if i.external_id]
        if len(ids) != len(set(ids)):
            raise ValueError("two agenda items share an external_id")
        return items


class ImportFile(Strict):
    staff: list[StaffIn] = Field(default_factory=list)
    visits: list[VisitIn] = Field(default_factory=list)
