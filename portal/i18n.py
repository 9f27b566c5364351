"""Languages: gettext catalogs, the current locale, and Babel formatting.

Messages are written in English in the code and templates; ``locale/nl`` holds the Dutch.
The ``.po`` files are compiled in memory once at start-up, so a fresh ``pip install``
needs no build step.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from io import BytesIO
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, get_timezone_name
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from portal.config import LOCALE_DIR, LOCALES

# The reader's own choice of language (the switcher sets it; it wins over Accept-Language).
LANG_COOKIE = "portal_lang"

_current: ContextVar[str] = ContextVar("portal_locale", default="nl")


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    po_file = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_file.exists():
        return _gettext.NullTranslations()
    with po_file.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def load_all() -> None:
    """Compile every catalog now, at start-up, rather than on a first request."""
    for locale in LOCALES:
        translations(locale)


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else "nl")


def get_locale() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(get_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(get_locale()).pgettext(context, message)


_ = gettext


def negotiate(accept_language: str, default: str) -> str:
    """The best of our locales for an ``Accept-Language`` header, else the default."""
    best: tuple[float, str] | None = None
    for part in accept_language.split(","):
        lang, _sep, params = part.strip().partition(";")
        code = lang.strip().lower().split("-")[0]
        if code not in LOCALES:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if best is None or quality > best[0]:
            best = (quality, code)
    return best[1] if best else default


@cache
def _parsed(code: str) -> Locale:
    return Locale.parse(code)


def _babel_locale() -> Locale:
    # Parsed once per language: a page formats dozens of times and dates.
    return _parsed(get_locale())


def fmt_date(value: datetime, zone: str) -> str:
    """ "woensdag 3 december 2026" in the given zone and the reader's language."""
    local = value.astimezone(ZoneInfo(zone))
    return format_date(local.date(), format="full", locale=_babel_locale())


def fmt_time(value: datetime, zone: str) -> str:
    """ "09:30" (or "9:30 AM"): the language's short time pattern, applied directly (what
    babel's format_time does after looking the pattern up, which cost more than applying it)."""
    locale = _babel_locale()
    formatted: str = locale.time_formats["short"].apply(value.astimezone(ZoneInfo(zone)), locale)
    return formatted


def fmt_datetime(value: datetime, zone: str) -> str:
    """ "3 dec 2026, 09:30": a medium date and a short time (seconds tell nobody anything)."""
    day = format_date(
        value.astimezone(ZoneInfo(zone)).date(), format="medium", locale=_babel_locale()
    )
    return f"{day}, {fmt_time(value, zone)}"


def zone_name(value: datetime, zone: str) -> str:
    """The zone's name as a reader knows it, e.g. "Midden-Europese standaardtijd"."""
    return get_timezone_name(value.astimezone(ZoneInfo(zone)), width="long", locale=_babel_locale())
