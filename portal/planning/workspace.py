"""The visit's workspace page, which most planning routes answer with, and the steps
their handlers share: today's date, the visit of the path, the way back to its page."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.i18n import gettext as _
from portal.models import AgendaKind, PoolConsent, User, Visit, VisitStatus
from portal.planning import agenda, agenda_templates, agenda_warnings, outcomes, service
from portal.planning.forms import ItemForm, VisitForm, next_slot
from portal.preferences.sealed import read_log
from portal.web import is_htmx, not_found, now, render, state

ZONES = ("Europe/Amsterdam", "Europe/Brussels", "Europe/London", "Europe/Berlin", "UTC")


def today(request: Request) -> date:
    return now(request).astimezone(ZoneInfo(state(request).settings.default_timezone)).date()


async def load(request: Request, db: Any, user: User) -> Visit:
    visit = await service.hr_visit(db, actor=user, public_id=request.path_params["id"])
    if visit is None:
        raise not_found()
    return visit


async def show(
    request: Request,
    db: Any,
    visit: Visit,
    *,
    status_code: int = 200,
    notice: str = "",
    warning: bool = False,
    form: VisitForm | None = None,
    item_form: tuple[str, ItemForm] | None = None,
    found: list[User] | None = None,
    outcome_form: outcomes.OutcomeForm | None = None,
) -> Response:
    """The visit's workspace; for an htmx request from the agenda, only the agenda."""
    context = {
        "visit": visit,
        "zone": visit.timezone,
        **await _agenda_context(db, visit, item_form, found),
        "form": form or VisitForm.of(visit),
        "history": await service.history(db, visit),
        # Who opened the candidate's answers (portal.preferences.sealed): one query.
        "answers_read": await read_log(db, visit_ids=[visit.public_id], limit=20),
        # The talent pool: whether the candidate agreed to be kept longer (one query).
        "pool_until": await db.scalar(
            sa.select(col(PoolConsent.until)).where(col(PoolConsent.user_id) == visit.candidate_id)
        ),
        "zones": ZONES,
        "notice": notice,
        "warning": warning,
        "now": now(request),
        "cancelled": visit.status == VisitStatus.CANCELLED,
        "outcome_form": outcome_form or outcomes.OutcomeForm.of(visit, today=today(request)),
        "outcome_labels": outcomes.outcome_labels(),
        **await service.choices(db),
    }
    block = "agenda" if request.headers.get("hx-target") == "agenda" and is_htmx(request) else None
    context["in_block"] = block is not None
    return render(request, "planning/visit.html", context, status_code=status_code, block=block)


async def _agenda_context(
    db: Any, visit: Visit, item_form: tuple[str, ItemForm] | None, found: list[User] | None
) -> dict[str, Any]:
    """The agenda builder's part of the page: the items, their forms, what to look at."""
    zone = visit.timezone
    start, end = next_slot(list(visit.agenda), zone, agenda.day_of(visit))
    extra_ids = item_form[1].interviewers if item_form else []
    people = {p.public_id: p for i in visit.agenda for p in i.interviewers}
    people.update({p.public_id: p for p in await agenda.staff_by_ids(db, extra_ids)})
    return {
        "items": sorted(visit.agenda, key=lambda i: (i.starts_at, i.position)),
        "item_forms": {i.public_id: ItemForm.of(i, zone, visit.version) for i in visit.agenda},
        "new_item": ItemForm(start=start, end=end, version=visit.version),
        "failed": item_form,
        "found": found or [],
        "people": people,
        "kinds": [k.value for k in AgendaKind],
        "warnings": await agenda_warnings.warnings(db, visit),
        "templates": await agenda_templates.templates(db),
        "earlier": await agenda_templates.earlier_visits(db, visit),
    }


async def refuse(
    request: Request, db: Any, visit: Visit, notice: str, *, status_code: int = 422
) -> Response:
    """The page again with a warning that says why nothing was done."""
    return await show(request, db, visit, status_code=status_code, notice=notice, warning=True)


async def changed(
    request: Request, db: Any, user: User, item_form: tuple[str, ItemForm] | None = None
) -> Response:
    visit = await load(request, db, user)
    notice = _(
        "The programme changed meanwhile (someone else is editing it too), so your change "
        "was not saved. Here it is as it is now."
    )
    return await show(
        request, db, visit, status_code=409, notice=notice, warning=True, item_form=item_form
    )


def back(request: Request, visit: Visit, done: str) -> Response:
    path = request.url_for("hr_visit", id=visit.public_id).path
    return RedirectResponse(f"{path}?done={done}", 303)
