"""Staff bios as each reader may see them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlmodel import col

from portal.models import AgendaInterviewer, AgendaItem, Role, StaffProfile, User, Visit, rel


async def get_person(db: AsyncSession, *, actor: User, public_id: str) -> User | None:
    """A member of staff's profile, or None when it is not for this reader.

    A candidate may read the people of their own visits only: those in an agenda item
    they can see, or their host, and only while that person is visible to candidates.
    Anyone else's profile answers as if it did not exist, so staff lists can't be probed.
    """
    query = (
        sa.select(User)
        .join(rel(User.profile))
        .options(joinedload(rel(User.profile)).joinedload(rel(StaffProfile.photo)))
        .where(
            col(User.public_id) == public_id,
            col(User.is_active).is_(True),
            col(User.role) != Role.CANDIDATE,
        )
    )
    if actor.role is Role.CANDIDATE:
        meets = (
            sa.select(col(AgendaInterviewer.user_id))
            .join(AgendaItem, col(AgendaItem.id) == col(AgendaInterviewer.agenda_item_id))
            .join(Visit, col(Visit.id) == col(AgendaItem.visit_id))
            .where(
                col(Visit.candidate_id) == actor.id,
                col(AgendaItem.visible_to_candidate).is_(True),
            )
        )
        hosts = sa.select(col(Visit.host_id)).where(col(Visit.candidate_id) == actor.id)
        query = query.where(
            col(StaffProfile.visible_to_candidates).is_(True),
            sa.or_(col(User.id).in_(meets), col(User.id).in_(hosts)),
        )
    person: User | None = (await db.scalars(query)).first()
    return person
