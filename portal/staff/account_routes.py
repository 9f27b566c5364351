"""What HR and administrators do to a colleague's account from their page: change the role,
deactivate or reactivate it, sign them out everywhere (``/hr/people/{id}/...``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.models import Role
from portal.staff import accounts, colleague_page
from portal.staff.editing import redirect_done
from portal.staff.forms import ProfileForm
from portal.web import form_data, not_found, now, require_hr, unit_of_work


async def set_role(request: Request) -> Response:
    user = require_hr(request)
    if user.role is not Role.ADMIN:
        raise not_found()  # HR may see the page, but roles are for administrators
    value = (await form_data(request)).get("role", "")
    role = Role(value) if value in {r.value for r in Role} else None
    async with unit_of_work(request) as db:
        person = await colleague_page.find(request, db, user)
        try:
            await accounts.change_role(db, actor=user, person=person, role=role, now=now(request))
        except accounts.Refused as exc:
            form = ProfileForm.of(person, hr=True)
            return colleague_page.show(
                request, user, person, form, status_code=422, role_error=exc.message
            )
    if person.id == user.id and not (role and role.is_hr):
        return RedirectResponse(request.url_for("home").path, 303)
    return redirect_done(request, "hr_person", "role", id=person.public_id)


Action = Callable[..., Awaitable[None]]


async def _account_action(request: Request, action: Action, done: str) -> Response:
    user = require_hr(request)
    async with unit_of_work(request) as db:
        person = await colleague_page.find(request, db, user)
        try:
            await action(db, actor=user, person=person, now=now(request))
        except accounts.NotAllowed:
            raise not_found() from None
        except accounts.Refused as exc:
            form = ProfileForm.of(person, hr=True)
            return colleague_page.show(
                request, user, person, form, status_code=422, notice=exc.message
            )
    return redirect_done(request, "hr_person", done, id=person.public_id)


async def deactivate(request: Request) -> Response:
    return await _account_action(request, accounts.deactivate, "deactivated")


async def reactivate(request: Request) -> Response:
    return await _account_action(request, accounts.reactivate, "reactivated")


async def sign_out(request: Request) -> Response:
    return await _account_action(request, accounts.sign_out, "signed_out")


routes = [
    Route("/hr/people/{id}/role", set_role, methods=["POST"], name="hr_person_role"),
    Route("/hr/people/{id}/deactivate", deactivate, methods=["POST"], name="hr_person_deactivate"),
    Route("/hr/people/{id}/reactivate", reactivate, methods=["POST"], name="hr_person_reactivate"),
    Route(
        "/hr/people/{id}/sign-out-everywhere",
        sign_out,
        methods=["POST"],
        name="hr_person_sign_out",
    ),
]
