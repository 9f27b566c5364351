"""The candidate's home and visit page; staff get their dashboard at ``/``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.visits import service
from portal.web import not_found, now, render, require_user, unit_of_work


async def home(request: Request) -> Response:
    user = require_user(request)
    async with unit_of_work(request) as db:
        if user.role.is_staff:
            visits = await service.upcoming_for_staff(db, actor=user, now=now(request))
            return render(request, "staff/dashboard.html", {"visits": visits})
        views = await service.candidate_visits(db, actor=user, now=now(request))
    return render(request, "visits/home.html", {"views": views, "now": now(request)})


async def visit_page(request: Request) -> Response:
    user = require_user(request)
    async with unit_of_work(request) as db:
        view = await service.get_visit(db, actor=user, public_id=request.path_params["id"])
    if view is None:
        raise not_found()
    return render(request, "visits/visit.html", {"view": view, "now": now(request)})


routes = [
    Route("/", home, methods=["GET"], name="home"),
    Route("/visit/{id}", visit_page, methods=["GET"], name="visit"),
]
