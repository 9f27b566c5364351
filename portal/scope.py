"""Who may see which visits: the one rule every feature composes into its queries.

A query that shows a visit, or anything hanging off one (its questions, its answers, the
stories shown on its page), starts from ``visits_visible_to(actor)``, so a visit someone
may not see is never loaded and answers 404 like an unknown one.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql import Select
from sqlmodel import col

from portal.models import Role, User, Visit


def visits_visible_to(actor: User) -> Select[Visit]:
    """The visits ``actor`` may open: a candidate their own, HR all, others none (yet)."""
    query = sa.select(Visit)
    if actor.role is Role.CANDIDATE:
        return query.where(col(Visit.candidate_id) == actor.id)
    if actor.role.is_hr:
        return query
    return query.where(sa.false())
