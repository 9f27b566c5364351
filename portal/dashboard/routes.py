"""HR's dashboard (/hr): the coming two weeks of visits and what still needs doing."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.dashboard import service
from portal.web import not_found, now, render, require_user, state, unit_of_work


async def hr_dashboard(request: Request) -> Response:
    user = require_user(request)
    settings = state(request).settings
    async with unit_of_work(request) as db:
        board = await service.hr_dashboard(
            db,
            actor=user,
            now=now(request),
            zone=settings.default_timezone,
            wait_hours=settings.question_wait_hours,
        )
    if board is None:
        raise not_found()
    return render(request, "hr/dashboard.html", {"board": board})


routes = [
    Route("/hr", hr_dashboard, methods=["GET"], name="hr_dashboard"),
]
