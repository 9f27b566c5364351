"""The preferences form: an explicit list of fields, each checked, with a message per field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from babel.numbers import format_decimal

from portal.i18n import get_locale
from portal.i18n import gettext as _
from portal.models import Attendance, TravelMode, VisitPreferences
from portal.parsing import clean_text
from portal.preferences.sealed import Revealed

# Longest text kept per field, in characters (after line endings are made "\n").
TEXT_LIMITS = {"reschedule_reason": 2000, "diet": 1000, "accessibility": 1000, "note": 2000}
CHECKBOXES = ("needs_parking", "wants_travel_reimbursement")
# The candidate may answer "I will be there" or "I need to reschedule", or leave it open.
ATTENDANCE_CHOICES = ("", Attendance.CONFIRMED.value, Attendance.RESCHEDULE.value)


@dataclass(frozen=True)
class Answers:
    """What the candidate told HR, as stored; equal answers mean nothing changed."""

    attendance: Attendance = Attendance.UNANSWERED
    reschedule_reason: str = ""
    diet: str = ""
    accessibility: str = ""
    travel_mode: TravelMode = TravelMode.UNSAID
    needs_parking: bool = False
    wants_travel_reimbursement: bool = False
    note: str = ""

    @classmethod
    def of(cls, prefs: VisitPreferences | Revealed | None) -> Answers:
        """The answers as stored; pass a Revealed row, a VisitPreferences holds tokens."""
        if prefs is None:
            return cls()
        return cls(**{f.name: getattr(prefs, f.name) for f in fields(cls)})

    def changed_from(self, other: Answers) -> list[str]:
        """The names of the fields that differ (never their contents)."""
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]

    def as_values(self) -> dict[str, str]:
        """The answers as form values, to fill the form in."""
        values = {
            name: str(getattr(self, name)) for name in (*TEXT_LIMITS, "attendance", "travel_mode")
        }
        if self.attendance is Attendance.UNANSWERED:
            values["attendance"] = ""
        values.update({name: "yes" if getattr(self, name) else "" for name in CHECKBOXES})
        return values


@dataclass
class PreferencesForm:
    """The form as typed (``values``), its errors, and the clean answers when it has none."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    answers: Answers | None = None

    @classmethod
    def initial(cls, prefs: VisitPreferences | Revealed | None) -> PreferencesForm:
        answers = Answers.of(prefs)
        return cls(values=answers.as_values(), answers=answers)

    @classmethod
    def parse(cls, data: Mapping[str, str]) -> PreferencesForm:
        """Read only the fields listed here: anything else posted (an injected ``visit_id``,
        ``erased_at``, …) is never looked at, so it cannot reach the database."""
        values = {name: data.get(name, "") for name in (*TEXT_LIMITS, "attendance", "travel_mode")}
        values.update({name: "yes" if data.get(name) else "" for name in CHECKBOXES})
        errors: dict[str, str] = {}
        texts = {name: _clean(values[name]) for name in TEXT_LIMITS}
        for name, limit in TEXT_LIMITS.items():
            if len(texts[name]) > limit:
                errors[name] = _too_long(limit, len(texts[name]))
        if values["attendance"] not in ATTENDANCE_CHOICES:
            errors["attendance"] = _("Choose one of the options.")
        if values["travel_mode"] not in {m.value for m in TravelMode}:
            errors["travel_mode"] = _("Choose one of the options.")
        rescheduling = values["attendance"] == Attendance.RESCHEDULE.value
        if rescheduling and not texts["reschedule_reason"] and "reschedule_reason" not in errors:
            errors["reschedule_reason"] = _(
                "Tell us why you need to reschedule, so HR can find a day that suits you."
            )
        if errors:
            return cls(values=values, errors=errors)
        answers = Answers(
            attendance=Attendance(values["attendance"] or Attendance.UNANSWERED),
            # A reason is kept only with a request to reschedule: no more than HR needs.
            reschedule_reason=texts["reschedule_reason"] if rescheduling else "",
            diet=texts["diet"],
            accessibility=texts["accessibility"],
            travel_mode=TravelMode(values["travel_mode"]),
            needs_parking=bool(values["needs_parking"]),
            wants_travel_reimbursement=bool(values["wants_travel_reimbursement"]),
            note=texts["note"],
        )
        return cls(values=values, answers=answers)


def _clean(text: str) -> str:
    # Browsers send a textarea's line breaks as CRLF: counted and kept as one character.
    # No control characters: PostgreSQL refuses NUL in text, and none belongs in an answer.
    return clean_text(text)


def _too_long(limit: int, length: int) -> str:
    locale = get_locale()
    return _("Please shorten this to %(limit)s characters at most; it is %(length)s now.") % {
        "limit": format_decimal(limit, locale=locale),
        "length": format_decimal(length, locale=locale),
    }
