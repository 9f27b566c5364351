"""HR's side of questions: the inbox, and the answer HR publishes to the candidate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join
from sqlmodel import col

from portal.mail.mailer import Mailer
from portal.models import Question, QuestionStatus, User, Visit, rel
from portal.questions.lifecycle import OPEN_STATUSES, advance, with_people
from portal.questions.routing import IS_STAFF

MAX_ANSWER = 5000
PAGE_SIZE = 25
# The statuses whose questions are HR's work at hand: few, whatever the years of history.
NARROW_STATUSES = {"open", *(s.value for s in OPEN_STATUSES)}


@dataclass
class InboxPage:
    questions: list[Question]
    page: int
    has_next: bool


@dataclass
class InboxFilter:
    """What HR narrowed the inbox to (from the query string; unknown values mean "all")."""

    status: str = "open"
    department: str = ""
    assignee: str = ""  # a colleague's public id, or "nobody"
    visit: str = ""  # a visit's public id
    page: int = 1


class _InWrittenOrder(Join):
    """An inner join that SQLite runs in the order written (its CROSS JOIN); other
    databases plan it as any join.

    Without statistics SQLite's planner starts from the status index and sorts every
    answered question (~90 % of them, 200 ms on 100,000); walking the visits in date order
    instead reaches the first page after a handful. PostgreSQL finds that plan itself.
    """

    inherit_cache = True


@compiles(_InWrittenOrder, "sqlite")
def _cross_join(join: _InWrittenOrder, compiler: SQLCompiler, **kw: Any) -> str:
    tables = {**kw, "asfrom": True}
    left, right = compiler.process(join.left, **tables), compiler.process(join.right, **tables)
    on = compiler.process(join.onclause, **kw)  # type: ignore[arg-type]  # always given
    return f"{left} CROSS JOIN {right} ON {on}"


def _page_of_ids(filters: InboxFilter) -> sa.Select[int | None, datetime, datetime]:
    """The ids on the page asked for, soonest visit first, with what they sort by.

    Two shapes, chosen here because the planner cannot know how the data lie: open
    questions (and those of one colleague or one visit) are few, so they are found first
    and sorted; every other filter reaches into years of answered questions, so the visits
    are walked in date order and their questions looked up, which stops after a page.
    """
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.status == "open":
        conditions.append(col(Question.status).in_(OPEN_STATUSES))
    elif filters.status in {s.value for s in QuestionStatus}:
        conditions.append(col(Question.status) == QuestionStatus(filters.status))
    if filters.assignee == "nobody":
        conditions.append(col(Question.assignee_id).is_(None))
    elif filters.assignee:
        assignee = sa.select(col(User.id)).where(col(User.public_id) == filters.assignee)
        conditions.append(col(Question.assignee_id).in_(assignee.scalar_subquery()))
    on_visit: list[sa.ColumnElement[bool]] = []
    if filters.department:
        on_visit.append(col(Visit.department) == filters.department)
    if filters.visit:
        on_visit.append(col(Visit.public_id) == filters.visit)
    one_colleague = filters.assignee not in ("", "nobody")
    if filters.status in NARROW_STATUSES or filters.visit or one_colleague:
        # The questions first (by the status or assignee index), then each one's visit date.
        visit_of = col(Visit.id) == col(Question.visit_id)
        starts = sa.select(col(Visit.starts_at)).where(visit_of).scalar_subquery().label("starts")
        if on_visit:
            chosen = sa.select(col(Visit.id)).where(*on_visit).scalar_subquery()
            conditions.append(col(Question.visit_id).in_(chosen))
        query = sa.select(col(Question.id), starts, col(Question.created_at))
    else:
        # The visits in date order, each one's questions looked up by the visit index.
        starts = col(Visit.starts_at).label("starts")
        walk = _InWrittenOrder(
            sa.inspect(Visit).local_table,
            sa.inspect(Question).local_table,
            col(Question.visit_id) == col(Visit.id),
        )
        conditions.extend(on_visit)
        query = sa.select(col(Question.id), starts, col(Question.created_at)).select_from(walk)
    offset = (max(1, filters.page) - 1) * PAGE_SIZE
    return (
        query.where(*conditions)
        .order_by(starts, col(Question.created_at), col(Question.id))
        .offset(offset)
        .limit(PAGE_SIZE + 1)
    )


async def inbox(db: AsyncSession, *, actor: User, filters: InboxFilter) -> InboxPage | None:
    """HR's inbox: the soonest visit first, a page at a time (one query, its cost bounded
    by a page and the open questions, not by the history)."""
    if not actor.role.is_hr:
        return None
    page = _page_of_ids(filters).subquery("page")
    query = (
        sa.select(Question)
        .select_from(page)
        .join(Question, col(Question.id) == page.c.id)
        .join(rel(Question.visit))
        .options(
            contains_eager(rel(Question.visit)),
            joinedload(rel(Question.candidate)),
            joinedload(rel(Question.assignee)),
            joinedload(rel(Question.answered_by)),
        )
        .order_by(page.c.starts, page.c.created_at, page.c.id)
    )
    rows = list((await db.scalars(query)).unique())
    return InboxPage(rows[:PAGE_SIZE], max(1, filters.page), len(rows) > PAGE_SIZE)


class Colleague(NamedTuple):
    """A colleague in the inbox's filter. A tuple: the template unpacks ~500 of them, which
    costs a quarter of reading them as attributes."""

    public_id: str
    name: str


@dataclass
class Choices:
    """What the inbox's filters offer."""

    departments: list[str]
    colleagues: list[Colleague]


async def filter_choices(db: AsyncSession) -> Choices:
    """The departments that have visits and the active colleagues, by name, for the
    inbox's filters: one query.

    The departments are found by skipping through the index on visits.department, one
    lookup per department, instead of reading every visit: a loose index scan, written as
    a recursive query because neither database does it by itself.
    """
    found = sa.select(col(Visit.department)).order_by(col(Visit.department)).limit(1)
    first = found.where(col(Visit.department) > "").scalar_subquery()
    departments = sa.select(first.label("department")).cte("departments", recursive=True)
    after = found.where(col(Visit.department) > departments.c.department).scalar_subquery()
    departments = departments.union_all(
        sa.select(after).where(departments.c.department.is_not(None))
    )
    choices = sa.union_all(
        sa.select(
            sa.literal(0).label("kind"),
            departments.c.department.label("value"),
            departments.c.department.label("label"),
        ).where(departments.c.department.is_not(None)),
        sa.select(sa.literal(1), col(User.public_id), col(User.name)).where(
            IS_STAFF, col(User.is_active).is_(True)
        ),
    ).order_by("kind", "label", "value")
    result = Choices([], [])
    for kind, value, label in (await db.execute(choices)).all():
        if kind == 0:
            result.departments.append(value)
        else:
            result.colleagues.append(Colleague(value, label))
    return result


async def hr_question(db: AsyncSession, *, actor: User, public_id: str) -> Question | None:
    if not actor.role.is_hr:
        return None
    found: Question | None = (
        await db.scalars(with_people().where(col(Question.public_id) == public_id))
    ).first()
    return found


async def publish_answer(
    db: AsyncSession,
    *,
    actor: User,
    question: Question,
    answer: str,
    version: int,
    mailer: Mailer,
    now: datetime,
) -> None:
    """HR publishes an answer: the candidate is told by e-mail, the text stays behind sign-in.

    Conditional on the version HR saw, so two HR people answering at once cannot
    overwrite each other: the second is told (Conflict) and nothing changes. Approving a
    colleague's draft publishes it under the colleague's name: they answered.
    """
    drafted = question.status == QuestionStatus.DRAFTED and question.assignee_id is not None
    author_id = question.assignee_id if drafted else actor.id
    await advance(
        db,
        question,
        actor=actor,
        action="question.answered",
        details={"approved_draft": drafted},
        allowed=OPEN_STATUSES,
        now=now,
        version=version,
        answer=answer,
        answered_by_id=author_id,
        answered_at=now,
        status=QuestionStatus.ANSWERED,
    )
    await mailer.queue(
        db,
        "question_answered",
        to=question.candidate,
        context={"name": question.candidate.name, "link": mailer.link("/questions")},
        now=now,
    )
