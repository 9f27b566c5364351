"""The import format (``portal import FILE``), as documented in the README, and its checks.

Unknown keys are errors, not ignored: a typo in an ATS export must not silently drop data.
Every check that needs no database lives here, so the JSON and the CSV reader share it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from portal.models import AgendaKind
from portal.parsing import (
    FIRST_DAY,
    LAST_DAY,
    has_control,
    in_window,
    is_one_line,
    is_zone,
    parse_date,
)


@lru_cache(maxsize=4096)
def _email(value: str) -> str:
    # Cached: a big file names the same interviewers thousands of times, and checking an
    # address is most of the time spent on reading a file.
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid e-mail address: {exc}") from exc


def _zone(value: str) -> str:
    # IANA names only: "localtime" would be the server's own zone, whatever that is.
    if not is_zone(value):
        raise ValueError(f"unknown time zone {value[:100]!r}; use a name like Europe/Amsterdam")
    return value


def _one_line(value: str) -> str:
    # Names, titles and rooms go into one-line places: a calendar file's lines, e-mail
    # subjects, lists. A line break there would start a line of its own.
    if not is_one_line(value):
        raise ValueError("must be one line: no line breaks or control characters")
    return value


def _text_only(value: str) -> str:
    # Line breaks are fine in longer text; NUL and other control characters are not
    # (PostgreSQL refuses NUL, and none of them is text a person reads).
    if has_control(value):
        raise ValueError("contains control characters")
    return value


def _when(value: datetime) -> datetime:
    # Within the window every part of the portal computes with (a day before year 1 or
    # after 9999 does not exist); no visit is planned a century ahead.
    if not in_window(value.date()):
        raise ValueError(f"must be from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}")
    return value


def _day(value: str) -> str:
    # YYYY-MM-DD only (no timestamps or other forms pydantic would accept for a date).
    if parse_date(value) is None or value != value.strip():
        raise ValueError(
            f"must be a day as YYYY-MM-DD from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
        )
    return value


def _https(value: str | None) -> str | None:
    if value and not value.startswith("https://"):
        raise ValueError("must start with https://")
    if value and not is_one_line(value):
        raise ValueError("must be one line: no line breaks or control characters")
    return value


Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(_email)]
# One line each (names, titles, rooms, departments): see _one_line.
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_one_line),
]
Short = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_one_line)
]
Markdown = Annotated[str, StringConstraints(max_length=20_000), AfterValidator(_text_only)]
# The same limit as the office form in the workspace, so an imported office can be saved there.
ArrivalNotes = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_text_only)]
When = Annotated[datetime, AfterValidator(_when)]
Day = Annotated[str, StringConstraints(max_length=10), AfterValidator(_day)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class StaffIn(Strict):
    email: Email
    name: Name
    role: Literal["employee", "hr", "admin"]
    job_title: Short = ""
    department: Short = ""
    pronouns: Annotated[str, StringConstraints(max_length=50), AfterValidator(_one_line)] = ""
    bio: Markdown = ""
    linkedin_url: Annotated[
        str | None, StringConstraints(max_length=500), AfterValidator(_https)
    ] = None
    phone: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=50, pattern=r"^[0-9+() \-]*$")
    ] = ""
    visible_to_candidates: bool = True
    # A portrait: a path relative to the import file (read by ``portal import`` only).
    photo: Annotated[
        str | None, StringConstraints(min_length=1, max_length=500), AfterValidator(_one_line)
    ] = None


class CandidateIn(Strict):
    email: Email
    name: Name
    locale: Literal["nl", "en"] | None = None


class LocationIn(Strict):
    """An office, matched on its name. A key left out keeps what the portal has (HR may
    have written the directions in the workspace); a key given replaces it."""

    name: Name
    address: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_one_line)
    ] = ""
    arrival_notes: ArrivalNotes = ""


class AgendaIn(Strict):
    external_id: Short | None = None
    starts_at: When
    ends_at: When
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
    starts_at: When | None = None
    ends_at: When | None = None
    status: Literal["scheduled", "cancelled"] = "scheduled"
    # How the procedure ended and the day it was decided (the retention clock starts
    # there). Left out: the visit keeps what HR set; null: no outcome yet.
    outcome: Literal["hired", "rejected", "withdrawn"] | None = None
    decided_on: Day | None = None
    agenda: list[AgendaIn] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _outcome_has_a_day(self) -> VisitIn:
        # No default day: a file imported again every night would move "today" along and
        # postpone the erasure for ever.
        if (self.outcome is None) != (self.decided_on is None):
            raise ValueError("outcome and decided_on go together: give both or neither")
        return self

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


class ImportProblems(Exception):
    """The file was refused; ``problems`` lists every one of them with its path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def validate(data: Any) -> ImportFile:
    """The whole file checked at once: every problem reported, with its path."""
    try:
        parsed = ImportFile.model_validate(data)
    except ValidationError as exc:
        raise ImportProblems([describe(err) for err in exc.errors()]) from exc
    problems = check_times(parsed.visits)
    ids = [v.external_id for v in parsed.visits]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"visits: external_id {dup!r} appears more than once")
    problems += check_offices(parsed.visits)
    if problems:
        raise ImportProblems(problems)
    return parsed


def path_of(loc: tuple[int | str, ...]) -> str:
    """``("visits", 0, "agenda", 2, "kind")`` -> ``visits[0].agenda[2].kind``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def describe(err: Any) -> str:
    message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
    return f"{path_of(err['loc']) or '(file)'}: {message}"


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


def check_times(visits: list[VisitIn]) -> list[str]:
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


def office_key(name: str) -> str:
    """Offices match on their name, whatever its case ("Kantoor Utrecht", "kantoor utrecht")."""
    return name.casefold()


def check_offices(visits: list[VisitIn]) -> list[str]:
    """One office, one address: two visits may not give the same office different details
    (one of them would silently win)."""
    problems = []
    first: dict[tuple[str, str], tuple[int, str]] = {}
    for n, visit in enumerate(visits):
        loc = visit.location
        if loc is None:
            continue
        for key in ("address", "arrival_notes"):
            if key not in loc.model_fields_set:
                continue
            value = getattr(loc, key)
            m, seen = first.setdefault((office_key(loc.name), key), (n, value))
            if seen != value:
                problems.append(
                    f"visits[{n}].location.{key}: differs from visits[{m}].location.{key} "
                    f"for the same office {loc.name!r}"
                )
    return problems
