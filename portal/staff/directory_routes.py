"""HR's staff directory and new colleagues (``/hr/people``), and a colleague's page with
their profile as HR edits it (``/hr/people/{id}``; the account's buttons: account_routes)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.i18n import gettext as _
from portal.models import User
from portal.staff import accounts, colleague_page
from portal.staff.editing import Editor, redirect_done, save
from portal.staff.forms import STAFF_ROLES, NewPersonForm, ProfileForm, email_taken, grantable
from portal.web import UploadRoute, form_data, not_found, now, render, require_hr, unit_of_work

# ---- the directory and new colleagues ----------------------------------------------------


async def hr_people(request: Request) -> Response:
    user = require_hr(request)
    filters = accounts.Filters.parse(request.query_params)
    async with unit_of_work(request) as db:
        page = await accounts.directory(db, actor=user, filters=filters)
    if page is None:
        raise not_found()
    context = {"page": page, "filters": filters, "roles": STAFF_ROLES}
    return render(request, "staff/directory.html", context, block="results")


def _new_form(request: Request, user: User, form: NewPersonForm, status: int = 200) -> Response:
    context = {"form": form, "roles": grantable(user)}
    return render(request, "staff/new.html", context, status_code=status)


async def hr_person_new(request: Request) -> Response:
    return _new_form(request, require_hr(request), NewPersonForm())


async def hr_person_create(request: Request) -> Response:
    user = require_hr(request)
    form = NewPersonForm.parse(await form_data(request))
    if not form.validate(user):
        return _new_form(request, user, form, 422)
    async with unit_of_work(request) as db:
        try:
            person = await accounts.create_account(
                db, actor=user, values=form.values(), now=now(request)
            )
        except accounts.NotAllowed:
            raise not_found() from None
        except accounts.EmailTaken as exc:
            form.errors["email"] = email_taken(exc.owner)
            return _new_form(request, user, form, 422)
    return redirect_done(request, "hr_person", "created", id=person.public_id)


# ---- one colleague's profile, as HR edits it ---------------------------------------------


def _hr_notice(done: str) -> str:
    return {
        "created": _("The account is ready. They sign in with their e-mail address."),
        "saved": _("Saved."),
        "role": _("The role is changed."),
        "deactivated": _(
            "The account is deactivated and signed out everywhere. Their stories and answers stay."
        ),
        "reactivated": _("The account is active again."),
        "signed_out": _(
            "They are signed out everywhere, and the sign-in links and codes sent to them "
            "no longer work. Their account stays active: they can sign in again."
        ),
    }.get(done, "")


async def hr_person(request: Request) -> Response:
    user = require_hr(request)
    async with unit_of_work(request) as db:
        person = await colleague_page.find(request, db, user)
    notice = _hr_notice(request.query_params.get("done", ""))
    form = ProfileForm.of(person, hr=True)
    return colleague_page.show(request, user, person, form, notice=notice)


def _saved(request: Request, person: User) -> Response:
    return redirect_done(request, "hr_person", "saved", id=person.public_id)


# HR's form binds every field of the profile (portal.staff.forms.HR_FIELDS).
_EDITOR = Editor(hr=True, load=colleague_page.find, page=colleague_page.show, saved=_saved)


async def hr_person_save(request: Request) -> Response:
    return await save(request, require_hr(request), _EDITOR)


routes = [
    Route("/hr/people", hr_people, methods=["GET"], name="hr_people"),
    UploadRoute("/hr/people", hr_person_create, name="hr_person_create"),
    Route("/hr/people/new", hr_person_new, methods=["GET"], name="hr_person_new"),
    Route("/hr/people/{id}", hr_person, methods=["GET"], name="hr_person"),
    UploadRoute("/hr/people/{id}", hr_person_save, name="hr_person_save"),
]
