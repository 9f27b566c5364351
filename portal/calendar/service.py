"""A visit as an iCalendar file (RFC 5545), for the people who may see the visit."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from icalendar.enums import STATUS
from sqlalchemy.ext.asyncio import AsyncSession

from portal.calendar import tombstones
from portal.models import AgendaTombstone, User, Visit
from portal.visits.service import ItemView, get_visit

PRODID = "-//Candidate visit portal//Visit calendar//EN"

# Control characters (C0, DEL, C1: CR, LF, NEL and the rest) and the Unicode line and
# paragraph separators: none belongs in a calendar value.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def line(value: str) -> str:
    """``value`` as one line of plain text: every control character a space, runs of
    space one.

    Every single-line value goes through here before icalendar sees it. A line break in a
    stored position or title (rows from before the forms refused them, a direct database
    write) would otherwise start a content line of its own ("BEGIN:VEVENT"): icalendar
    stops some of those only with an ``assert``, which ``python -O`` removes. So the file
    never depends on the library for this.
    """
    return " ".join(_CONTROL.sub(" ", value).split())


def text(value: str) -> str:
    r"""Multi-line text (a description): its line breaks kept as one ``\n`` each, which
    icalendar writes escaped on the same content line (RFC 5545, 3.3.11, a plain string
    replace, no assert); every other control character a space."""
    return "\n".join(_CONTROL.sub(" ", part).rstrip() for part in _BREAK.split(value)).strip()


@dataclass(frozen=True)
class CalendarFile:
    body: bytes
    # ASCII only, made from the date: safe in a Content-Disposition header as it is.
    filename: str


async def visit_calendar(
    db: AsyncSession,
    *,
    actor: User,
    public_id: str,
    now: datetime,
    base_url: str,
    company_name: str,
    page_url: Callable[[str], str],
) -> CalendarFile | None:
    """The visit's day as an .ics file, or None when the actor may not see the visit.

    ``page_url`` turns a visit's public id into the absolute address of its page.
    """
    # The visit is loaded through get_visit, never a query of our own: it decides what
    # this actor may see (a candidate: their own visit, candidate-visible items and staff
    # only), so the file can hold no more than the visit page shows.
    view = await get_visit(db, actor=actor, public_id=public_id)
    if view is None:
        return None
    visit = view.visit
    zone = ZoneInfo(visit.timezone)
    # UIDs come from random public ids, never row ids (nothing to count), and from the
    # configured host, never the request's Host header (which a client can set).
    domain = urlsplit(base_url).hostname or "localhost"
    url = page_url(visit.public_id)
    # A cancelled visit keeps its events, marked cancelled: a calendar app that imports
    # the file again then removes them instead of keeping a day that will not happen.
    status = STATUS.CANCELLED if view.cancelled else STATUS.CONFIRMED

    calendar = Calendar.new(
        prodid=PRODID,
        method="PUBLISH",
        name=line(f"{company_name}: {visit.position}"),
        uid=line(f"calendar-{visit.public_id}@{domain}"),
        url=line(url),
    )
    if view.items:
        events = [
            _item_event(entry, visit, zone=zone, domain=domain, url=url, now=now, status=status)
            for entry in view.items
        ]
    else:
        # No agenda yet (or none this reader may see): keep the day in the calendar.
        events = [_visit_event(visit, zone=zone, domain=domain, url=url, now=now, status=status)]
    # Items the candidate saw and no longer can, as cancelled events (see tombstones.py),
    # unless the reader sees the item itself (HR sees internal items).
    published = {str(e["UID"]) for e in events}
    for gone in await tombstones.to_publish(db, visit=visit, now=now):
        event = _cancelled_event(gone, zone=zone, domain=domain, url=url, now=now)
        if str(event["UID"]) not in published:
            events.append(event)
    for event in events:
        calendar.add_component(event)
    # Without a VTIMEZONE for the TZID, Outlook guesses the zone and shifts the events by
    # an hour. The definition covers the whole year(s) of the visit and no more: small, and
    # the same on every download.
    first_year = min(e.start.year for e in events)
    last_year = max(e.end.year for e in events)
    calendar.add_missing_timezones(
        first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    )
    local_day = visit.starts_at.astimezone(zone).date()
    return CalendarFile(body=calendar.to_ical(), filename=f"visit-{local_day.isoformat()}.ics")


def _item_event(
    entry: ItemView,
    visit: Visit,
    *,
    zone: ZoneInfo,
    domain: str,
    url: str,
    now: datetime,
    status: STATUS,
) -> Event:
    item = entry.item
    # entry.people is already filtered for the reader (no staff hidden from candidates).
    people = [
        line(", ".join(part for part in (p.name, p.profile.job_title if p.profile else "") if part))
        for p in entry.people
    ]
    description = text("\n\n".join(part for part in (item.description, "\n".join(people)) if part))
    return Event.new(
        uid=line(f"{item.public_id}@{domain}"),
        # Raised by the import when a visible detail changes, so calendars take the update.
        sequence=item.sequence,
        stamp=now,
        start=item.starts_at.astimezone(zone),
        end=item.ends_at.astimezone(zone),
        # The candidate-facing title for everyone: internal titles never go into a file
        # that is forwarded, synced and shared far beyond the portal.
        summary=line(item.title),
        location=_location(visit, room=item.room),
        description=description or None,
        url=line(url),
        status=status,
    )


def _visit_event(
    visit: Visit, *, zone: ZoneInfo, domain: str, url: str, now: datetime, status: STATUS
) -> Event:
    return Event.new(
        uid=line(f"{visit.public_id}@{domain}"),
        # Bumped on every change to the visit: a fine SEQUENCE for the whole-day event.
        sequence=visit.version,
        stamp=now,
        start=visit.starts_at.astimezone(zone),
        end=visit.ends_at.astimezone(zone),
        summary=line(visit.position),
        location=_location(visit),
        url=line(url),
        status=status,
    )


def _cancelled_event(
    gone: AgendaTombstone, *, zone: ZoneInfo, domain: str, url: str, now: datetime
) -> Event:
    """A removed item as the candidate saw it: the same UID, a higher SEQUENCE, cancelled."""
    return Event.new(
        uid=line(f"{gone.item_public_id}@{domain}"),
        sequence=gone.sequence,
        stamp=now,
        start=gone.starts_at.astimezone(zone),
        end=gone.ends_at.astimezone(zone),
        summary=line(gone.title),
        url=line(url),
        status=STATUS.CANCELLED,
    )


def _location(visit: Visit, *, room: str = "") -> str | None:
    place = visit.location
    parts = [place.name, place.address] if place else []
    return ", ".join(p for p in (line(part) for part in [*parts, room]) if p) or None
