"""Strict parsing of what people send: numbers, ids, text, dates and time zones.

One place for every value read from a form, a query string, a path or an import file, so
an odd value is refused the same way everywhere. ``str.isdigit()`` is not used: it says yes
to "²" and "٣", which ``int()`` then refuses or reads as another number. Numbers are ASCII
digits of a bounded length and range (PostgreSQL's INTEGER ends at 2**31 - 1, and
``int()`` refuses more than 4,300 digits); text carries no NUL (PostgreSQL refuses it) nor
other control characters; dates fall within a window every part of the portal can
compute with; time zones are IANA names.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import date, time
from typing import Any

from portal.i18n import gettext as _
from portal.zones import is_zone as is_zone
from portal.zones import zone_names as zone_names

# PostgreSQL's INTEGER: every version and count the portal keeps fits in it.
MAX_INT = 2**31 - 1
# Visits take place within this window. Year 1 and 9999 break date arithmetic (a day
# before or after is out of range) and no visit is planned a century ahead.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
# A row's public id in a URL: ``secrets.token_urlsafe(16)`` is 22 characters; the columns
# hold 32.
MAX_ID = 32

_INT = re.compile(r"-?[0-9]{1,10}")
_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_ID}}}")
_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")  # the columns hold 64
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?")
# Control characters except tab, line feed and carriage return (multi-line text keeps
# its line breaks).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What must not be in a value shown on one line: every control character (line breaks
# included) and the Unicode line and paragraph separators. A tab is squeezed to a space.
_NOT_ONE_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")
# Files in the zoneinfo folder that are not the name of a place's time zone.


# ---- numbers --------------------------------------------------------------------------------


def parse_int(value: object, *, low: int = 0, high: int = MAX_INT) -> int | None:
    """The whole number written in ``value`` with ASCII digits (a leading "-" only when
    ``low`` is negative) within ``low``..``high``; None for anything else."""
    if not isinstance(value, str):
        return None
    text = value.strip(" ")
    if not _INT.fullmatch(text) or (text.startswith("-") and low >= 0):
        return None
    number = int(text)
    return number if low <= number <= high else None


def version_of(data: Mapping[str, Any]) -> int:
    """The version of the row the person's page showed (0 when missing or garbled, which
    matches no row: the change is refused as made on an old page)."""
    return parse_int(data.get("version")) or 0


def page_of(value: object, *, last: int = 10_000) -> int:
    """A page number of a list: 1 when missing or not a number from 1 to ``last``."""
    return parse_int(value, low=1, high=last) or 1


# ---- ids and text ---------------------------------------------------------------------------


def parse_id(value: object) -> str | None:
    """A public id (URL-safe characters, at most 32), or None."""
    if isinstance(value, str) and _ID.fullmatch(value):
        return value
    return None


def id_or_blank(value: object) -> str:
    """A posted choice of a row: its public id, "" for none, or a value that can match no
    row when what was posted is no id at all (so the choice is refused, not dropped)."""
    if value is None or value == "":
        return ""
    return parse_id(value) or "?"


def new_key() -> str:
    """A fresh idempotency key for each form the server renders."""
    return secrets.token_urlsafe(24)


def key_of(value: object) -> str:
    """The form's idempotency key as posted, or a fresh one when it is missing or odd."""
    if isinstance(value, str) and _KEY.fullmatch(value):
        return value
    return new_key()


def clean_text(value: str) -> str:
    """Multi-line text: line breaks as one character, no control characters, trimmed."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def has_control(value: str) -> bool:
    """A control character other than tab and line breaks (NUL, escape, ...)."""
    return _CONTROL.search(value) is not None


def one_line(value: str) -> str:
    """Text shown on one line: control characters and line breaks made spaces, runs of
    spaces made one. What a form shows back; ``line_errors`` refuses such a value."""
    return " ".join(_NOT_ONE_LINE.sub(" ", value).split())


def is_one_line(value: str) -> bool:
    """No line break nor control character (a tab counts as a space)."""
    return _NOT_ONE_LINE.search(value) is None


def one_line_message() -> str:
    return _("Keep this on one line: remove line breaks and special characters.")


def line_errors(data: Mapping[str, Any], names: Iterable[str]) -> dict[str, str]:
    """A message for each of the fields ``names`` whose posted value is not one line.

    Such a value never comes from the page's own form (a browser drops line breaks from a
    one-line field); it would break the one-line places the value goes to (a calendar
    file's lines, an e-mail's subject), so it is refused with a message, not saved.
    """
    return {
        name: one_line_message()
        for name in names
        if isinstance(data.get(name), str) and not is_one_line(data[name])
    }


def filter_text(value: object, limit: int = 100) -> str:
    """A search or filter term from a query string: without control characters or line
    breaks, trimmed, at most ``limit`` characters."""
    return _NOT_ONE_LINE.sub("", value).strip()[:limit] if isinstance(value, str) else ""


# ---- dates, times and zones -----------------------------------------------------------------


def parse_date(value: object) -> date | None:
    """A day written as YYYY-MM-DD (ASCII) within FIRST_DAY..LAST_DAY, or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _DAY.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def in_window(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def day_message() -> str:
    return _("Choose a date from %(first)s to %(last)s.") % {
        "first": FIRST_DAY.isoformat(),
        "last": LAST_DAY.isoformat(),
    }


def parse_time(value: object) -> time | None:
    """A time of day written as HH:MM (seconds are dropped), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    text = "0" + text if text[1:2] == ":" else text  # 9:30
    if not _TIME.fullmatch(text):
        return None
    try:
        parsed = time.fromisoformat(text)
    except ValueError:  # 25:00
        return None
    return parsed.replace(second=0, microsecond=0)
