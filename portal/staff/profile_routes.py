"""One's own profile, as candidates will see it: ``/me/profile``."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import markdown
from portal.i18n import gettext as _
from portal.models import User
from portal.staff import accounts, profiles
from portal.staff.editing import Editor, limits, redirect_done, save
from portal.staff.forms import ProfileForm, card_of
from portal.web import (
    UploadRoute,
    form_data,
    is_htmx,
    not_found,
    now,
    render,
    require_staff,
    unit_of_work,
)


async def _own(request: Request, db: AsyncSession, user: User) -> User:
    person = await profiles.own_profile(db, actor=user, now=now(request))
    if person is None:
        raise not_found()
    return person


def _my_page(
    request: Request,
    person: User,
    form: ProfileForm,
    *,
    status_code: int = 200,
    notice: str = "",
    block: str | None = None,
) -> Response:
    # The preview shows what the form holds, except fields that failed their checks: those
    # show what is saved (an unchecked link must never reach an href, even in a preview).
    shown = {k: v for k, v in form.values().items() if k not in form.errors}
    card = card_of(person, shown, photo=person.profile.photo if person.profile else None)
    context = {
        "person": person,
        "form": form,
        "card": card,
        "bio_html": markdown.render(card.profile.bio),
        "notice": notice,
        "status_code": status_code,
        **limits(request, own=True),
    }
    return render(request, "staff/me.html", context, status_code=status_code, block=block)


def _my_notice(done: str) -> str:
    return {
        "saved": _("Your profile is saved."),
        "hidden": _(
            "Candidates no longer see you: your card, photo and bio are gone from their pages."
        ),
        "shown": _("Candidates you meet see your card, photo and bio again."),
    }.get(done, "")


async def my_profile(request: Request) -> Response:
    user = require_staff(request)
    async with unit_of_work(request) as db:
        person = await _own(request, db, user)
    notice = _my_notice(request.query_params.get("done", ""))
    return _my_page(request, person, ProfileForm.of(person, hr=False), notice=notice)


def _form_again(
    request: Request,
    user: User,
    person: User,
    form: ProfileForm,
    *,
    status_code: int = 200,
    notice: str = "",
) -> Response:
    """The page again after a save that did not go through (the owner is ``person``)."""
    return _my_page(request, person, form, status_code=status_code, notice=notice)


def _saved(request: Request, person: User) -> Response:
    return redirect_done(request, "my_profile", "saved")


# The owner's form binds their own words only (portal.staff.forms.OWN_FIELDS).
_EDITOR = Editor(hr=False, load=_own, page=_form_again, saved=_saved)


async def my_profile_save(request: Request) -> Response:
    return await save(request, require_staff(request), _EDITOR)


async def my_profile_preview(request: Request) -> Response:
    """How candidates would see the form's text: the preview block for htmx, or (without
    JavaScript) the whole page with the text kept and nothing saved."""
    user = require_staff(request)
    async with request.form(max_files=1, max_fields=40) as data:
        form = ProfileForm.from_form(data, hr=False)
    form.upload = None  # a preview never looks at a picture
    form.validate()
    async with unit_of_work(request) as db:
        person = await _own(request, db, user)
    notice = "" if is_htmx(request) else _("This is a preview: nothing is saved yet.")
    return _my_page(request, person, form, notice=notice, block="preview")


async def my_profile_visibility(request: Request) -> Response:
    user = require_staff(request)
    visible = (await form_data(request)).get("visible") == "1"
    async with unit_of_work(request) as db:
        try:
            await profiles.set_visibility(db, actor=user, visible=visible, now=now(request))
        except accounts.NotAllowed:
            raise not_found() from None
    return redirect_done(request, "my_profile", "shown" if visible else "hidden")


routes = [
    Route("/me/profile", my_profile, methods=["GET"], name="my_profile"),
    UploadRoute("/me/profile", my_profile_save, name="my_profile_save"),
    UploadRoute("/me/profile/preview", my_profile_preview, name="my_profile_preview"),
    Route(
        "/me/profile/visibility",
        my_profile_visibility,
        methods=["POST"],
        name="my_profile_visibility",
    ),
]
