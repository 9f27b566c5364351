"""The office form: an explicit list of fields, a message per field."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.i18n import gettext as _
from portal.locations.service import fingerprint
from portal.models import Location
from portal.parsing import clean_text, line_errors, one_line

MAX_NAME = 200
MAX_ADDRESS = 500
MAX_NOTES = 10_000
# One line each: the name and address go into a calendar's one-line LOCATION.
LINES = ("name", "address")


def _line(value: str) -> str:
    return one_line(value)


@dataclass
class LocationForm:
    name: str = ""
    address: str = ""
    arrival_notes: str = ""
    # The office as the form showed it (see service.fingerprint); empty for a new one.
    fingerprint: str = ""
    # "save", or "preview" (show the notes as candidates will read them; nothing saved).
    intent: str = "save"
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: dict[str, str]) -> LocationForm:
        """Only these fields are read; anything else posted is ignored."""
        intent = data.get("intent", "")
        form = cls(
            name=_line(data.get("name", "")),
            address=_line(data.get("address", "")),
            # Cut far above the limit: the form comes back with the message, not a huge page.
            arrival_notes=clean_text(data.get("arrival_notes", ""))[: MAX_NOTES * 2],
            fingerprint=one_line(data.get("fingerprint", ""))[:64],
            intent=intent if intent in ("save", "preview") else "save",
        )
        form.errors.update(line_errors(data, LINES))
        return form

    @classmethod
    def of(cls, location: Location) -> LocationForm:
        return cls(
            name=location.name,
            address=location.address,
            arrival_notes=location.arrival_notes,
            fingerprint=fingerprint(location),
        )

    def validate(self) -> bool:
        e = self.errors
        if not self.name and "name" not in e:
            e["name"] = _("Give the office a name.")
        elif len(self.name) > MAX_NAME:
            e["name"] = _too_long(MAX_NAME, self.name)
        if len(self.address) > MAX_ADDRESS:
            e["address"] = _too_long(MAX_ADDRESS, self.address)
        if len(self.arrival_notes) > MAX_NOTES:
            e["arrival_notes"] = _too_long(MAX_NOTES, self.arrival_notes)
        return not e

    def values(self) -> dict[str, str]:
        return {"name": self.name, "address": self.address, "arrival_notes": self.arrival_notes}


def _too_long(limit: int, value: str) -> str:
    return _("Please keep this under %(limit)s characters (it has %(count)s).") % {
        "limit": limit,
        "count": len(value),
    }
