"""The candidate's home and visit page; at ``/`` staff get their own start page instead
(HR's workspace, or an employee's page in portal.staff.home)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.i18n import get_locale
from portal.i18n import gettext as _
from portal.models import User
from portal.parsing import parse_int
from portal.preferences import sealed
from portal.security import safe_next
from portal.staff import home as home_page
from portal.stories import reader
from portal.visits import notices, service
from portal.web import (
    form_data,
    not_found,
    now,
    render,
    require_user,
    state,
    unit_of_work,
)


async def home(request: Request) -> Response:
    user = require_user(request)
    if user.role.is_hr:
        # HR's start page is their workspace.
        return RedirectResponse(request.url_for("hr_dashboard").path, 303)
    async with unit_of_work(request) as db:
        if user.role.is_staff:
            return await home_page.start_page(request, db, user)
        views = await service.candidate_visits(db, actor=user, now=now(request))
        cards = await _stories_for(db, views[0]) if views else []
    context = {"views": views, "now": now(request), "story_cards": cards}
    return render(request, "visits/home.html", context)


async def _stories_for(db: Any, view: service.VisitView) -> list[reader.Card]:
    """Two or three stories for a candidate's visit: its department and its people first."""
    people = [p.user.id for p in view.people if p.user.id is not None]
    return await reader.for_visit(
        db,
        department=view.visit.department,
        people=people,
        locale=get_locale(),
    )


async def visit_page(request: Request) -> Response:
    user = require_user(request)
    async with unit_of_work(request) as db:
        view = await service.get_visit(db, actor=user, public_id=request.path_params["id"])
        if view is None:
            raise not_found()
        cards = await _stories_for(db, view) if not user.role.is_staff else []
        # HR's panel shows the answers: opened here, and the read logged (one event).
        answers = None
        if user.role.is_hr:
            answers = sealed.reveal_for(
                db,
                keyring=state(request).keyring,
                reader=user,
                candidate_id=view.visit.candidate_id,
                visit_public_id=view.visit.public_id,
                prefs=view.visit.preferences,
                now=now(request),
            )
    context = {"view": view, "now": now(request), "story_cards": cards, "answers": answers}
    return render(request, "visits/visit.html", context)


def _not_today(request: Request) -> Response:
    text = _("You can tell us you are running late on the day of your visit.")
    context = {"title": _("Not today"), "text": text}
    return render(request, "errors/error.html", context, status_code=409)


async def _minutes_refused(request: Request, db: Any, user: User) -> Response:
    """The candidate's start page, saying what the form takes instead."""
    views = await service.candidate_visits(db, actor=user, now=now(request))
    error = _("Enter a number of minutes from 1 to 240, or leave it empty.")
    context = {"views": views, "now": now(request), "late_error": error}
    return render(request, "visits/home.html", context, status_code=422)


async def running_late(request: Request) -> Response:
    """The candidate says they run late: the host hears at once (on the day only)."""
    user = require_user(request)
    form = await form_data(request)
    raw = form.get("minutes", "").strip()
    minutes = parse_int(raw, low=1, high=240)
    async with unit_of_work(request) as db:
        visit = await service.candidate_visit_for_update(
            db, actor=user, public_id=request.path_params["id"]
        )
        if visit is None:
            raise not_found()
        if not service.VisitView(visit, []).is_today(now(request)):
            return _not_today(request)
        if raw and minutes is None:
            return await _minutes_refused(request, db, user)
        await notices.report_running_late(
            db,
            visit=visit,
            minutes=minutes,
            mailer=state(request).mailer,
            now=now(request),
        )
    # Back where the form was: the start page or the visit page.
    return RedirectResponse(safe_next(form.get("next")) or request.url_for("home").path, 303)


routes = [
    Route("/", home, methods=["GET"], name="home"),
    Route("/visit/{id}", visit_page, methods=["GET"], name="visit"),
    Route("/visit/{id}/late", running_late, methods=["POST"], name="visit_late"),
]
