"""How a visit's procedure ended (hired, rejected, withdrawn) and on which day.

The day starts the retention clock: the candidate's data is erased
PORTAL_RETENTION_WEEKS after the last of their visits has ended (portal.privacy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.db import Conflict, update_if
from portal.i18n import gettext as _
from portal.models import Outcome, User, Visit
from portal.parsing import parse_date, version_of


def outcome_labels() -> dict[str, str]:
    return {
        Outcome.HIRED.value: _("Hired"),
        Outcome.REJECTED.value: _("Rejected"),
        Outcome.WITHDRAWN.value: _("Withdrawn"),
    }


@dataclass
class OutcomeForm:
    """The outcome form; a blank outcome means "not decided yet" (and clears the day)."""

    outcome: str = ""
    decided_on: str = ""
    version: int = 0
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: dict[str, str]) -> OutcomeForm:
        return cls(
            outcome=str(data.get("outcome", "")).strip()[:20],
            decided_on=str(data.get("decided_on", "")).strip()[:20],
            version=version_of(data),
        )

    @classmethod
    def of(cls, visit: Visit, *, today: date) -> OutcomeForm:
        day = visit.decided_on or today
        return cls(
            outcome=visit.outcome.value if visit.outcome else "",
            decided_on=day.isoformat(),
            version=visit.version,
        )

    def validate(self, *, today: date) -> tuple[Outcome | None, date | None] | None:
        """The outcome and its day, or None with ``errors`` filled in."""
        if self.outcome == "":
            return None, None
        if self.outcome not in outcome_labels():
            self.errors["outcome"] = _("Choose hired, rejected or withdrawn.")
            return None
        if not self.decided_on:
            self.decided_on = today.isoformat()  # the usual case: decided today
        day = parse_date(self.decided_on)
        # A decision in the future would postpone the erasure at will.
        if day is None or day > today:
            self.errors["decided_on"] = _(
                "Give the day it was decided as YYYY-MM-DD, today or earlier."
            )
            return None
        return Outcome(self.outcome), day


async def set_outcome(
    db: AsyncSession,
    *,
    actor: User,
    visit: Visit,
    outcome: Outcome | None,
    decided_on: date | None,
    version: int,
    now: datetime,
) -> bool:
    """Record (or change, or clear) the outcome; False when nothing changed.

    Raises Conflict when the visit changed since the form was shown, or was erased.
    """
    if visit.outcome == outcome and visit.decided_on == decided_on:
        return False
    values: dict[str, Any] = {"outcome": outcome, "decided_on": decided_on}
    if not await update_if(
        db, Visit, col(Visit.id) == visit.id, col(Visit.version) == version, now=now, **values
    ):
        raise Conflict
    details = {"outcome": outcome.value if outcome else "", "decided_on": str(decided_on or "")}
    audit.about(db, visit, actor=actor, action="visit.outcome_set", now=now, details=details)
    return True


# At most this many visits at once: a page of the list is 25; a crafted form gets no more.
BULK_LIMIT = 100


async def set_outcomes(
    db: AsyncSession,
    *,
    actor: User,
    public_ids: list[str],
    outcome: Outcome | None,
    decided_on: date | None,
    now: datetime,
) -> tuple[int, int]:
    """The same outcome for several visits, from the visit list: (changed, no longer there).

    HR chose these visits on the list without seeing each one's version, so no version is
    compared; each change still raises the version, so a form open on one of these visits
    is told it changed. A visit erased meanwhile is counted, not an error.
    """
    wanted = list(dict.fromkeys(public_ids))[:BULK_LIMIT]
    found = list(
        await db.scalars(
            sa.select(Visit).where(col(Visit.public_id).in_(wanted)).order_by(col(Visit.id))
        )
    )
    changed, gone = 0, len(wanted) - len(found)
    details = {"outcome": outcome.value if outcome else "", "decided_on": str(decided_on or "")}
    for visit in found:
        if visit.outcome == outcome and visit.decided_on == decided_on:
            continue
        values: dict[str, Any] = {"outcome": outcome, "decided_on": decided_on}
        if await update_if(db, Visit, col(Visit.id) == visit.id, now=now, **values):
            audit.about(
                db, visit, actor=actor, action="visit.outcome_set", now=now, details=details
            )
            changed += 1
        else:
            gone += 1  # erased between the two statements
    return changed, gone
