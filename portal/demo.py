"""Demo data: a fictional company, Zuiderlicht Energie in Utrecht, and its candidates.

Dates are relative to today, and the data goes in through the ordinary import, so
running the demo again moves the visits along instead of duplicating them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ZONE = "Europe/Amsterdam"

CANDIDATE = "sam.devries@example.org"
HR = "fatima.elamrani@zuiderlicht.example"
EMPLOYEE = "noor.bakker@zuiderlicht.example"

STAFF: list[dict[str, Any]] = [
    {
        "email": HR,
        "name": "Fatima El Amrani",
        "role": "hr",
        "job_title": "Recruiter",
        "department": "People & Culture",
        "pronouns": "zij/haar",
        "bio": "Ik begeleid je van de eerste kennismaking tot je eerste werkdag. "
        "Bel of mail me gerust.\n\nVoor ik bij Zuiderlicht begon werkte ik zes jaar als "
        "recruiter in de zorg. Ik hou van **eerlijke gesprekken**: vraag me alles.",
        "phone": "+31 30 123 45 67",
        "visible_to_candidates": True,
    },
    {
        "email": EMPLOYEE,
        "name": "Noor Bakker",
        "role": "employee",
        "job_title": "Engineering manager",
        "department": "Engineering",
        "pronouns": "zij/haar",
        "bio": "Ik leid het team dat de laadpalen van onze klanten aanstuurt. Daarvoor bouwde ik "
        "acht jaar aan betaalsystemen.",
        "linkedin_url": "https://www.linkedin.com/in/example-noor",
        "visible_to_candidates": True,
    },
    {
        "email": "daan.verhoeven@zuiderlicht.example",
        "name": "Daan Verhoeven",
        "role": "employee",
        "job_title": "Senior backend developer",
        "department": "Engineering",
        "bio": "Python, PostgreSQL en veel te veel koffie. Ik ben je buddy als je bij ons begint.",
        "visible_to_candidates": True,
    },
    {
        "email": "eline.jansen@zuiderlicht.example",
        "name": "Eline Jansen",
        "role": "employee",
        "job_title": "Product owner",
        "department": "Engineering",
        "pronouns": "zij/haar",
        "bio": "Ik vertaal wat netbeheerders en klanten nodig hebben naar werk voor het team.",
        "visible_to_candidates": True,
    },
    {
        "email": "jeroen.smit@zuiderlicht.example",
        "name": "Jeroen Smit",
        "role": "employee",
        "job_title": "CTO",
        "department": "Directie",
        "visible_to_candidates": False,
    },
    {
        "email": "yusuf.demir@zuiderlicht.example",
        "name": "Yusuf Demir",
        "role": "admin",
        "job_title": "HR business partner",
        "department": "People & Culture",
        "visible_to_candidates": True,
    },
]

OFFICE = {
    "name": "Kantoor Utrecht",
    "address": "Catharijnesingel 1, 3511 GA Utrecht",
    "arrival_notes": "- **Met de trein:** vanaf Utrecht Centraal is het vijf minuten lopen; "
    "volg de borden Catharijnesingel.\n"
    "- **Met de auto:** parkeer in garage Jaarbeurs. Wij vergoeden je parkeerticket.\n"
    "- **Binnenkomst:** meld je bij de receptie op de begane grond; we halen je daar op. "
    "Het gebouw heeft een lift en een invalidentoilet op elke verdieping.\n"
    "- **Meenemen:** een identiteitsbewijs en, als je wilt, je eigen laptop voor de "
    "praktijkopdracht. Kleding: gewoon wat je prettig vindt.",
}

# The privacy notice's details for the demo's company, each used when the setting is not
# given (in the environment or .env).
PRIVACY_SETTINGS = {
    "organisation_name": "Zuiderlicht Energie B.V.",
    "privacy_contact": "privacy@zuiderlicht.example",
    "dpo_contact": "Functionaris gegevensbescherming, fg@zuiderlicht.example, "
    "Postbus 1234, 3500 AA Utrecht",
}


def privacy_settings(settings: Any) -> dict[str, str]:
    """The demo's privacy-notice settings for those ``settings`` were not given."""
    return {k: v for k, v in PRIVACY_SETTINGS.items() if k not in settings.model_fields_set}


def _at(day: date, hhmm: str) -> str:
    return f"{day.isoformat()}T{hhmm}"


def _engineering_day(day: date, prefix: str, *, with_dinner: bool) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        {
            "external_id": f"{prefix}-1",
            "starts_at": _at(day, "09:30"),
            "ends_at": _at(day, "10:00"),
            "kind": "other",
            "title": "Ontvangst en koffie",
            "room": "Receptie",
            "interviewers": [HR],
        },
        {
            "external_id": f"{prefix}-2",
            "starts_at": _at(day, "10:00"),
            "ends_at": _at(day, "11:00"),
            "kind": "interview",
            "title": "Gesprek met je toekomstige manager",
            "internal_title": "Ronde 2: motivatie en cultuur",
            "room": "Zaal Dom",
            "interviewers": [EMPLOYEE],
        },
        {
            "external_id": f"{prefix}-3",
            "starts_at": _at(day, "11:15"),
            "ends_at": _at(day, "12:30"),
            "kind": "assignment",
            "title": "Praktijkopdracht: een API-ontwerp bespreken",
            "room": "Zaal Oudegracht",
            "description": "Je krijgt een korte casus over laadsessies. "
            "Er is geen goed of fout antwoord.",
            "interviewers": ["daan.verhoeven@zuiderlicht.example"],
        },
        {
            "external_id": f"{prefix}-4",
            "starts_at": _at(day, "12:30"),
            "ends_at": _at(day, "13:30"),
            "kind": "lunch",
            "title": "Lunch met het team",
            "room": "Kantine, 3e verdieping",
            "interviewers": [
                "daan.verhoeven@zuiderlicht.example",
                "eline.jansen@zuiderlicht.example",
            ],
        },
        {
            "external_id": f"{prefix}-5",
            "starts_at": _at(day, "13:30"),
            "ends_at": _at(day, "14:00"),
            "kind": "tour",
            "title": "Rondleiding door het kantoor en de testhal",
            "interviewers": ["eline.jansen@zuiderlicht.example"],
        },
        {
            "external_id": f"{prefix}-6",
            "starts_at": _at(day, "14:00"),
            "ends_at": _at(day, "14:30"),
            "kind": "interview",
            "title": "Afsluiting en jouw vragen",
            "room": "Zaal Dom",
            "interviewers": [HR, "jeroen.smit@zuiderlicht.example"],
        },
        {
            "external_id": f"{prefix}-7",
            "starts_at": _at(day, "14:30"),
            "ends_at": _at(day, "15:00"),
            "kind": "other",
            "title": "Debrief interviewers",
            "internal_title": "Debrief (intern)",
            "visible_to_candidate": False,
            "interviewers": [EMPLOYEE, "daan.verhoeven@zuiderlicht.example"],
        },
    ]
    if with_dinner:
        items.append(
            {
                "external_id": f"{prefix}-8",
                "starts_at": _at(day, "18:00"),
                "ends_at": _at(day, "20:00"),
                "kind": "dinner",
                "title": "Diner met het team",
                "room": "Restaurant De Zaak, Korte Minrebroederstraat",
                "interviewers": [EMPLOYEE, "eline.jansen@zuiderlicht.example"],
            }
        )
    return items


def demo_data(today: date) -> dict[str, Any]:
    """The demo in the import format: a visit tomorrow, one today, one in the past."""
    tomorrow, last_month = today + timedelta(days=1), today - timedelta(days=30)
    return {
        "staff": STAFF,
        "visits": [
            {
                "external_id": "demo-sam",
                "position": "Backend developer",
                "department": "Engineering",
                "timezone": ZONE,
                "location": OFFICE,
                "host": HR,
                "candidate": {"email": CANDIDATE, "name": "Sam de Vries", "locale": "nl"},
                "agenda": _engineering_day(tomorrow, "demo-sam", with_dinner=True),
            },
            {
                "external_id": "demo-lotte",
                "position": "Data engineer",
                "department": "Engineering",
                "timezone": ZONE,
                "location": OFFICE,
                "host": HR,
                "candidate": {
                    "email": "lotte.mulder@example.org",
                    "name": "Lotte Mulder",
                    "locale": "nl",
                },
                "agenda": _engineering_day(today, "demo-lotte", with_dinner=False),
            },
            {
                "external_id": "demo-ahmed",
                "position": "Product designer",
                "department": "Product",
                "timezone": ZONE,
                "location": OFFICE,
                "host": HR,
                "candidate": {
                    "email": "ahmed.benali@example.org",
                    "name": "Ahmed Ben Ali",
                    "locale": "en",
                },
                "agenda": _engineering_day(last_month, "demo-ahmed", with_dinner=False),
            },
        ],
    }


# A saved programme HR can start a new visit from (times as minutes from the first item).
TEMPLATE: dict[str, Any] = {
    "name": "Engineering op locatie, hele dag",
    "department": "Engineering",
    "day_start": "09:30",
    "items": [
        {
            "start": 0,
            "end": 30,
            "kind": "other",
            "title": "Ontvangst en koffie",
            "room": "Receptie",
        },
        {
            "start": 30,
            "end": 90,
            "kind": "interview",
            "title": "Gesprek met je toekomstige manager",
            "internal_title": "Ronde 2: motivatie en cultuur",
            "room": "Zaal Dom",
        },
        {
            "start": 105,
            "end": 180,
            "kind": "assignment",
            "title": "Praktijkopdracht: een API-ontwerp bespreken",
            "room": "Zaal Oudegracht",
        },
        {
            "start": 180,
            "end": 240,
            "kind": "lunch",
            "title": "Lunch met het team",
            "room": "Kantine, 3e verdieping",
        },
    ],
}
TEMPLATE_PEOPLE = [
    [HR],
    [EMPLOYEE],
    ["daan.verhoeven@zuiderlicht.example"],
    ["daan.verhoeven@zuiderlicht.example", "eline.jansen@zuiderlicht.example"],
]


async def seed_template(db: Any, *, now: datetime) -> bool:
    """Add the demo's programme template unless it is there (matched on its name)."""
    import sqlalchemy as sa
    from sqlmodel import col

    from portal.models import AgendaTemplate, User

    found = await db.scalar(
        sa.select(AgendaTemplate).where(col(AgendaTemplate.name) == TEMPLATE["name"])
    )
    if found is not None:
        return False
    emails = {e for people in TEMPLATE_PEOPLE for e in people}
    ids = {
        u.email: u.public_id
        for u in await db.scalars(sa.select(User).where(col(User.email).in_(emails)))
    }
    items = [
        {
            "description": "",
            "internal_title": "",
            "room": "",
            "visible_to_candidate": True,
            **item,
            "interviewers": [ids[e] for e in people if e in ids],
        }
        for item, people in zip(TEMPLATE["items"], TEMPLATE_PEOPLE, strict=True)
    ]
    db.add(
        AgendaTemplate(
            name=TEMPLATE["name"],
            department=TEMPLATE["department"],
            day_start=TEMPLATE["day_start"],
            items=items,
            created_at=now,
            updated_at=now,
        )
    )
    return True


def today_in_zone(now: datetime) -> date:
    return now.astimezone(ZoneInfo(ZONE)).date()


async def load_demo(settings: Any, keyring: Any) -> None:
    """Migrate the database and import (or refresh) the demo data."""
    import json

    from portal.db import make_engine, session_factory, transaction, upgrade
    from portal.demo_stories import seed_stories
    from portal.imports.service import import_bytes
    from portal.models import utcnow
    from portal.pictures.storage import LocalStorage

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        raw = json.dumps(demo_data(today_in_zone(utcnow())))
        async with transaction(session_factory(engine)) as db:
            await import_bytes(db, raw, now=utcnow())
            await seed_stories(db, LocalStorage(settings.media_dir), settings, now=utcnow())
            await seed_template(db, now=utcnow())
            await _mark_invited(db, now=utcnow())
    finally:
        await engine.dispose()


async def _mark_invited(db: Any, *, now: datetime) -> None:
    """The demo's candidates count as invited (their links are printed as invitations), so
    the reminder and change notices reach them as they would a real invited candidate."""
    import sqlalchemy as sa
    from sqlmodel import col

    from portal.models import Visit

    await db.execute(sa.update(Visit).where(col(Visit.invited_at).is_(None)).values(invited_at=now))


async def demo_links(settings: Any, keyring: Any) -> list[tuple[str, str, str]]:
    """Fresh sign-in links for the demo's candidate, HR user and employee."""
    import sqlalchemy as sa
    from sqlmodel import col

    from portal.auth.service import create_token, link_for
    from portal.db import make_engine, session_factory, transaction
    from portal.models import TokenPurpose, User, utcnow

    engine = make_engine(settings.database_url)
    links = []
    try:
        async with transaction(session_factory(engine)) as db:
            for role, email in (("candidate", CANDIDATE), ("HR", HR), ("employee", EMPLOYEE)):
                # load_demo has just imported these people: each is there, exactly once.
                user = (await db.scalars(sa.select(User).where(col(User.email) == email))).one()
                token, _code = create_token(
                    db,
                    keyring=keyring,
                    settings=settings,
                    user=user,
                    purpose=TokenPurpose.INVITATION,
                    now=utcnow(),
                )
                links.append((role, user.name, link_for(settings, token)))
    finally:
        await engine.dispose()
    return links
