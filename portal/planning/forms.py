"""HR's visit and agenda item forms: an explicit list of fields, a message per field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from portal.i18n import gettext as _
from portal.models import AgendaKind
from portal.parsing import (
    clean_text,
    day_message,
    id_or_blank,
    is_zone,
    key_of,
    line_errors,
    new_key,
    one_line,
    parse_date,
    parse_id,
    parse_time,
    version_of,
)

__all__ = ["ItemForm", "VisitForm", "known_zone", "next_slot", "parse_date", "parse_time"]

LOCALES = ("nl", "en")
MAX_NOTES = 10_000
MAX_DESCRIPTION = 5_000
# The fields shown on one line (in lists, e-mail subjects and the calendar file's lines).
VISIT_LINES = ("candidate_name", "position", "department")
ITEM_LINES = ("title", "internal_title", "room")


def _line(value: str, limit: int = 200) -> str:
    return one_line(value)[: limit + 1]


def _too_long(limit: int) -> str:
    return _("Please keep this under %(limit)s characters.") % {"limit": limit}


def known_zone(name: str) -> bool:
    """An IANA time zone name (see portal.parsing.is_zone)."""
    return is_zone(name)


def wall_clock(day: date, at: time, zone: str) -> datetime | None:
    """A local date and time as an aware datetime, or None when that time does not exist
    (the hour skipped when clocks go forward)."""
    tz = ZoneInfo(zone)
    local = datetime.combine(day, at, tzinfo=tz)
    # A time in the gap comes back from UTC as another wall-clock time.
    if local.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None) != local.replace(
        tzinfo=None
    ):
        return None
    return local


@dataclass
class VisitForm:
    candidate_name: str = ""
    candidate_email: str = ""
    candidate_locale: str = "nl"
    position: str = ""
    department: str = ""
    day: str = ""
    start: str = "09:30"
    end: str = "15:00"
    timezone: str = "Europe/Amsterdam"
    location: str = ""  # a Location's public id, or empty
    host: str = ""  # an HR person's public id, or empty
    arrival_notes: str = ""
    template: str = ""  # an AgendaTemplate's public id, for a new visit
    # The new-visit form's idempotency key: a double POST makes one visit, not two.
    key: str = field(default_factory=new_key)
    version: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Filled by validate():
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    @classmethod
    def parse(cls, data: dict[str, str]) -> VisitForm:
        """Only these fields are read: a posted ``status`` or ``candidate_id`` is ignored."""
        form = cls(
            candidate_name=_line(data.get("candidate_name", "")),
            candidate_email=data.get("candidate_email", "").strip().lower()[:321],
            candidate_locale=data.get("candidate_locale", "nl"),
            position=_line(data.get("position", "")),
            department=_line(data.get("department", "")),
            day=data.get("day", "").strip()[:10],
            start=data.get("start", "").strip()[:5],
            end=data.get("end", "").strip()[:5],
            timezone=data.get("timezone", "").strip()[:64],
            location=id_or_blank(data.get("location")),
            host=id_or_blank(data.get("host")),
            arrival_notes=clean_text(data.get("arrival_notes", ""))[: MAX_NOTES + 1],
            template=id_or_blank(data.get("template")),
            key=key_of(data.get("idempotency_key")),
            version=version_of(data),
        )
        form.errors.update(line_errors(data, VISIT_LINES))
        return form

    def validate(self, *, today: date) -> bool:
        e = self.errors
        if not self.candidate_name and "candidate_name" not in e:
            e["candidate_name"] = _("Write the candidate's name.")
        elif len(self.candidate_name) > 200:
            e["candidate_name"] = _too_long(200)
        try:
            self.candidate_email = validate_email(
                self.candidate_email, check_deliverability=False
            ).normalized.lower()
        except EmailNotValidError:
            e["candidate_email"] = _("Write the candidate's e-mail address, like name@example.org.")
        if self.candidate_locale not in LOCALES:
            self.candidate_locale = "nl"
        if not self.position and "position" not in e:
            e["position"] = _("Write the position the candidate applies for.")
        elif len(self.position) > 200:
            e["position"] = _too_long(200)
        if len(self.department) > 200:
            e["department"] = _too_long(200)
        if len(self.arrival_notes) > MAX_NOTES:
            e["arrival_notes"] = _too_long(MAX_NOTES)
        if not known_zone(self.timezone):
            e["timezone"] = _("This time zone does not exist. Use a name like Europe/Amsterdam.")
        day = parse_date(self.day)
        start, end = parse_time(self.start), parse_time(self.end)
        if day is None:
            # Within a window: year 1 or 9999 breaks every computation a day later or earlier.
            e["day"] = day_message() if self.day else _("Choose the date of the visit.")
        if start is None:
            e["start"] = _("Write the start time as HH:MM.")
        if end is None:
            e["end"] = _("Write the end time as HH:MM.")
        if day and start and end and "timezone" not in e:
            if end <= start:
                e["end"] = _("The visit must end after it starts.")
            else:
                self.starts_at = wall_clock(day, start, self.timezone)
                self.ends_at = wall_clock(day, end, self.timezone)
                if self.starts_at is None or self.ends_at is None:
                    e["start"] = _("That time does not exist on this day (the clocks change).")
        if day and day < today and not e:
            # Allowed (HR may record a visit afterwards), but said out loud.
            self.warnings.append(
                _("This visit is in the past. It is saved, for the record; no e-mail is sent.")
            )
        return not e

    @classmethod
    def of(cls, visit: Any) -> VisitForm:
        zone = ZoneInfo(visit.timezone)
        start, end = visit.starts_at.astimezone(zone), visit.ends_at.astimezone(zone)
        return cls(
            candidate_name=visit.candidate.name,
            candidate_email=visit.candidate.email,
            candidate_locale=visit.candidate.locale or "nl",
            position=visit.position,
            department=visit.department,
            day=start.date().isoformat(),
            start=start.strftime("%H:%M"),
            end=end.strftime("%H:%M"),
            timezone=visit.timezone,
            location=visit.location.public_id if visit.location else "",
            host=visit.host.public_id if visit.host else "",
            arrival_notes=visit.arrival_notes,
            version=visit.version,
        )


@dataclass
class ItemForm:
    start: str = ""
    end: str = ""
    kind: str = "interview"
    title: str = ""
    internal_title: str = ""
    room: str = ""
    description: str = ""
    visible_to_candidate: bool = True
    interviewers: list[str] = field(default_factory=list)  # public ids of staff
    search: str = ""
    version: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    @classmethod
    def parse(cls, data: dict[str, Any]) -> ItemForm:
        def text(name: str) -> str:
            value = data.get(name, "")
            return value if isinstance(value, str) else ""

        people = data.get("interviewers", [])
        people = [people] if isinstance(people, str) else list(people)
        form = cls(
            start=text("start").strip()[:5],
            end=text("end").strip()[:5],
            kind=text("kind") if text("kind") in AgendaKind.__members__.values() else "",
            title=_line(text("title")),
            internal_title=_line(text("internal_title")),
            room=_line(text("room")),
            description=clean_text(text("description"))[: MAX_DESCRIPTION + 1],
            visible_to_candidate=text("visible_to_candidate") == "on",
            interviewers=list(dict.fromkeys(p for p in people if parse_id(p))),
            search=_line(text("search"), 100),
            version=version_of({"version": text("version")}),
        )
        form.errors.update(line_errors({name: text(name) for name in ITEM_LINES}, ITEM_LINES))
        return form

    def validate(self, *, day: date, zone: str) -> bool:
        e = self.errors
        start, end = parse_time(self.start), parse_time(self.end)
        if start is None:
            e["start"] = _("Write the start time as HH:MM.")
        if end is None:
            e["end"] = _("Write the end time as HH:MM.")
        if start and end:
            if end <= start:
                e["end"] = _("An item must end after it starts.")
            else:
                self.starts_at = wall_clock(day, start, zone)
                self.ends_at = wall_clock(day, end, zone)
                if self.starts_at is None or self.ends_at is None:
                    e["start"] = _("That time does not exist on this day (the clocks change).")
        if not self.kind:
            e["kind"] = _("Choose what kind of item this is.")
        if not self.title and "title" not in e:
            e["title"] = _("Write the title the candidate reads.")
        for name in ("title", "internal_title", "room"):
            if len(getattr(self, name)) > 200:
                e[name] = _too_long(200)
        if len(self.description) > MAX_DESCRIPTION:
            e["description"] = _too_long(MAX_DESCRIPTION)
        return not e

    @classmethod
    def of(cls, item: Any, zone: str, version: int) -> ItemForm:
        tz = ZoneInfo(zone)
        return cls(
            start=item.starts_at.astimezone(tz).strftime("%H:%M"),
            end=item.ends_at.astimezone(tz).strftime("%H:%M"),
            kind=str(item.kind),
            title=item.title,
            internal_title=item.internal_title,
            room=item.room,
            description=item.description,
            visible_to_candidate=item.visible_to_candidate,
            interviewers=[p.public_id for p in item.interviewers],
            version=version,
        )


def next_slot(items: list[Any], zone: str, day: date) -> tuple[str, str]:
    """Where a new item most likely goes: right after the last one, 30 minutes long."""
    if not items:
        return "09:30", "10:00"
    last = max(i.ends_at for i in items).astimezone(ZoneInfo(zone))
    if last.date() != day:
        return "09:30", "10:00"
    after = last + timedelta(minutes=30)
    if after.date() != day:
        return last.strftime("%H:%M"), "23:59"
    return last.strftime("%H:%M"), after.strftime("%H:%M")
