"""Who the runner is: a candidate and an HR person of the generated organisation, signed in
through the portal's own machinery, and what of theirs the pages open.

Sessions are started with ``portal.auth.signing.start_session`` (what a checked link or
code leads to) in the runner's process, under the secret key the portal is started with,
so the cookie is the one a browser would get; no e-mail or rate limit is involved.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from benchmarks import databases
from benchmarks.organisation import SHOWCASE
from portal.auth import sessions
from portal.auth.signing import SignedIn, start_session
from portal.config import Settings
from portal.db import make_engine, session_factory, transaction
from portal.models import (
    AgendaInterviewer,
    AgendaItem,
    Question,
    QuestionStatus,
    Role,
    StaffProfile,
    User,
    Visit,
    utcnow,
)
from portal.security import Keyring


@dataclass
class Visitors:
    visit: str  # the candidate's visit (public id): the showcase visit of the generator
    candidate_email: str
    department: str  # the visit's department
    person: str  # someone on the candidate's agenda, visible to them, with a photo
    colleague: str  # the colleague with the most questions routed to them
    cookies: dict[str, str]  # "candidate" and "hr": a Cookie header each


def portal_settings(database_url: str, base_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=databases.SECRET_KEY, base_url=base_url)


async def sign_in(database_url: str, base_url: str) -> Visitors:
    settings = portal_settings(database_url, base_url)
    keyring = Keyring(databases.SECRET_KEY)
    engine = make_engine(database_url)
    try:
        async with transaction(session_factory(engine)) as db:
            visit = (
                await db.scalars(sa.select(Visit).where(col(Visit.external_id) == SHOWCASE))
            ).one()
            candidate = await db.get(User, visit.candidate_id)
            hr = await db.scalar(
                sa.select(User)
                .where(col(User.role) == Role.HR, col(User.is_active))
                .order_by(col(User.id))
            )
            if candidate is None or hr is None:
                raise RuntimeError("the generated database has no candidate or no HR person")
            cookies = {}
            for role, user in (("candidate", candidate), ("hr", hr)):
                started = await start_session(
                    db,
                    keyring=keyring,
                    settings=settings,
                    user_id=user.id or 0,
                    next_path=None,
                    now=utcnow(),
                    via="benchmark",
                )
                if not isinstance(started, SignedIn):
                    raise RuntimeError(f"could not sign in the {role}: {started.problem}")
                cookies[role] = f"{sessions.cookie_name(settings)}={started.session_id}"
            return Visitors(
                visit=visit.public_id,
                candidate_email=candidate.email,
                department=visit.department,
                person=await _person_on(db, visit.id or 0),
                colleague=await _busiest_colleague(db),
                cookies=cookies,
            )
    finally:
        await engine.dispose()


async def _person_on(db: AsyncSession, visit_id: int) -> str:
    query = (
        sa.select(col(User.public_id))
        .join(AgendaInterviewer, col(AgendaInterviewer.user_id) == col(User.id))
        .join(AgendaItem, col(AgendaItem.id) == col(AgendaInterviewer.agenda_item_id))
        .join(StaffProfile, col(StaffProfile.user_id) == col(User.id))
        .where(
            col(AgendaItem.visit_id) == visit_id,
            col(AgendaItem.visible_to_candidate),
            col(StaffProfile.visible_to_candidates),
            col(User.is_active),
        )
        .order_by(col(StaffProfile.photo_id).is_(None), col(AgendaItem.position))
        .limit(1)
    )
    found: str = (await db.scalars(query)).one()
    return found


async def _busiest_colleague(db: AsyncSession) -> str:
    query = (
        sa.select(col(User.public_id))
        .join(Question, col(Question.assignee_id) == col(User.id))
        .where(col(Question.status).in_([QuestionStatus.ROUTED, QuestionStatus.DRAFTED]))
        .group_by(col(User.public_id))
        .order_by(sa.func.count().desc(), col(User.public_id))
        .limit(1)
    )
    found: str = (await db.scalars(query)).one()
    return found
