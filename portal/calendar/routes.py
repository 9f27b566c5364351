"""``GET /visit/{id}/calendar.ics``: the visit's day for the reader's calendar app."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from portal.calendar import service
from portal.web import not_found, now, require_user, state, unit_of_work


async def visit_calendar(request: Request) -> Response:
    user = require_user(request)
    settings = state(request).settings

    def page_url(visit_id: str) -> str:
        # From the configured base URL, never the request's Host header: the file is kept
        # and shared, and a forged Host must not put someone else's site in it.
        return settings.base_url + str(request.app.url_path_for("visit", id=visit_id))

    async with unit_of_work(request) as db:
        ics = await service.visit_calendar(
            db,
            actor=user,
            public_id=request.path_params["id"],
            now=now(request),
            base_url=settings.base_url,
            company_name=settings.company_name,
            page_url=page_url,
        )
    if ics is None:
        # Not there, or not theirs: the same 404 as the visit page, so ids can't be probed.
        raise not_found()
    return Response(
        ics.body,
        media_type="text/calendar; charset=utf-8",
        # An attachment, so the file goes to the calendar app and is never shown as a page.
        headers={"Content-Disposition": f'attachment; filename="{ics.filename}"'},
    )


routes: list[BaseRoute] = [
    Route("/visit/{id}/calendar.ics", visit_calendar, methods=["GET"], name="visit_calendar"),
]
