"""HR's dashboard (/hr): the coming two weeks of visits and what still needs doing, and
sending a failed e-mail again."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.dashboard import deliveries, service
from portal.parsing import parse_int
from portal.planning.outcomes import outcome_labels
from portal.privacy.retention import Rules
from portal.web import not_found, now, redirect, render, require_user, state, unit_of_work


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
            rules=Rules.of(settings),
            all_erasing=request.query_params.get("erasing") == "all",
        )
    if board is None:
        raise not_found()
    context = {"board": board, "outcome_labels": outcome_labels()}
    return render(request, "dashboard/dashboard.html", context)


def _email_id(raw: str) -> int | None:
    # ASCII digits within PostgreSQL's INTEGER only: "²", a 30-digit number or 2**31 is no
    # id (and must not reach int() or the database).
    return parse_int(raw, low=1)


async def hr_email_send_again(request: Request) -> Response:
    user = require_user(request)
    email_id = _email_id(request.path_params["id"])
    if email_id is None:
        raise not_found()
    async with unit_of_work(request) as db:
        found = await deliveries.send_again(db, actor=user, email_id=email_id, now=now(request))
    if not found:
        raise not_found()
    return redirect(request, "hr_dashboard")


routes = [
    Route("/hr", hr_dashboard, methods=["GET"], name="hr_dashboard"),
    Route(
        "/hr/emails/{id}/send-again",
        hr_email_send_again,
        methods=["POST"],
        name="hr_email_send_again",
    ),
]
