"""A member of staff's bio: ``/people/{id}``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.staff import reader
from portal.web import not_found, render, require_user, unit_of_work


async def person_page(request: Request) -> Response:
    user = require_user(request)
    async with unit_of_work(request) as db:
        person = await reader.get_person(db, actor=user, public_id=request.path_params["id"])
    if person is None:
        raise not_found()
    return render(request, "staff/profile.html", {"person": person})


routes = [Route("/people/{id}", person_page, methods=["GET"], name="person")]
