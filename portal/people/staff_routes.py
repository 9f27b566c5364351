"""The staff directory and accounts (``/hr/people``) and one's own profile (``/me/profile``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import markdown
from portal.db import Conflict
from portal.i18n import get_locale
from portal.i18n import gettext as _
from portal.media import service as media
from portal.media.uploads import accept_picture
from portal.models import Role, User
from portal.people import staff
from portal.people.forms import (
    MAX_BIO,
    STAFF_ROLES,
    NewPersonForm,
    ProfileForm,
    card_of,
    email_taken,
    grantable,
    read_profile_form,
)
from portal.pictures.images import Variant
from portal.web import (
    form_data,
    is_htmx,
    not_found,
    now,
    render,
    require_hr,
    require_staff,
    state,
    unit_of_work,
)


def _done(request: Request, name: str, done: str, **params: Any) -> RedirectResponse:
    return RedirectResponse(request.url_for(name, **params).path + f"?done={done}", 303)


# ---- the directory and new colleagues ----------------------------------------------------


async def hr_people(request: Request) -> Response:
    user = require_hr(request)
    filters = staff.Filters.parse(request.query_params)
    async with unit_of_work(request) as db:
        page = await staff.directory(db, actor=user, filters=filters)
    if page is None:
        raise not_found()
    context = {"page": page, "filters": filters, "roles": STAFF_ROLES}
    return render(request, "people/directory.html", context, block="results")


def _new_form(request: Request, user: User, form: NewPersonForm, status: int = 200) -> Response:
    context = {"form": form, "roles": grantable(user)}
    return render(request, "people/new.html", context, status_code=status)


async def hr_person_new(request: Request) -> Response:
    return _new_form(request, require_hr(request), NewPersonForm())


async def hr_person_create(request: Request) -> Response:
    user = require_hr(request)
    form = NewPersonForm.parse(await form_data(request))
    if not form.validate(user):
        return _new_form(request, user, form, 422)
    async with unit_of_work(request) as db:
        try:
            person = await staff.create_account(
                db, actor=user, values=form.values(), now=now(request)
            )
        except staff.NotAllowed:
            raise not_found() from None
        except staff.EmailTaken as exc:
            form.errors["email"] = email_taken(exc.owner)
            return _new_form(request, user, form, 422)
    return _done(request, "hr_person", "created", id=person.public_id)


# ---- one person, as HR sees them ----------------------------------------------------------


async def _person(request: Request, db: AsyncSession, user: User) -> User:
    person = await staff.staff_member(
        db, actor=user, public_id=request.path_params["id"], now=now(request)
    )
    if person is None:
        raise not_found()
    return person


def _hr_page(
    request: Request,
    user: User,
    person: User,
    form: ProfileForm,
    *,
    status_code: int = 200,
    notice: str = "",
    role_error: str = "",
) -> Response:
    context = {
        "person": person,
        "form": form,
        "notice": notice,
        "role_error": role_error,
        "status_code": status_code,
        "roles": STAFF_ROLES,
        "is_admin": user.role is Role.ADMIN,
        "is_self": person.id == user.id,
        "can_manage": staff.may_manage(user, person) and person.id != user.id,
        "bio_html": markdown.render(person.profile.bio if person.profile else ""),
        **_limits(request, own=False),
    }
    return render(request, "people/edit.html", context, status_code=status_code)


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
        person = await _person(request, db, user)
    notice = _hr_notice(request.query_params.get("done", ""))
    return _hr_page(request, user, person, ProfileForm.of(person, hr=True), notice=notice)


async def hr_person_save(request: Request) -> Response:
    return await _save(request, require_hr(request), hr=True)


async def hr_person_role(request: Request) -> Response:
    user = require_hr(request)
    if user.role is not Role.ADMIN:
        raise not_found()  # HR may see the page, but roles are for administrators
    value = (await form_data(request)).get("role", "")
    role = Role(value) if value in {r.value for r in Role} else None
    async with unit_of_work(request) as db:
        person = await _person(request, db, user)
        try:
            await staff.change_role(db, actor=user, person=person, role=role, now=now(request))
        except staff.Refused as exc:
            form = ProfileForm.of(person, hr=True)
            return _hr_page(request, user, person, form, status_code=422, role_error=exc.message)
    if person.id == user.id and not (role and role.is_hr):
        return RedirectResponse(request.url_for("home").path, 303)
    return _done(request, "hr_person", "role", id=person.public_id)


Action = Callable[..., Awaitable[None]]


async def _account_action(request: Request, action: Action, done: str) -> Response:
    user = require_hr(request)
    async with unit_of_work(request) as db:
        person = await _person(request, db, user)
        try:
            await action(db, actor=user, person=person, now=now(request))
        except staff.NotAllowed:
            raise not_found() from None
        except staff.Refused as exc:
            form = ProfileForm.of(person, hr=True)
            return _hr_page(request, user, person, form, status_code=422, notice=exc.message)
    return _done(request, "hr_person", done, id=person.public_id)


async def hr_person_deactivate(request: Request) -> Response:
    return await _account_action(request, staff.deactivate, "deactivated")


async def hr_person_reactivate(request: Request) -> Response:
    return await _account_action(request, staff.reactivate, "reactivated")


async def hr_person_sign_out(request: Request) -> Response:
    return await _account_action(request, staff.sign_out, "signed_out")


# ---- one's own profile --------------------------------------------------------------------


async def _own(request: Request, db: AsyncSession, user: User) -> User:
    person = await staff.own_profile(db, actor=user, now=now(request))
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
        **_limits(request, own=True),
    }
    return render(request, "people/me.html", context, status_code=status_code, block=block)


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


async def my_profile_save(request: Request) -> Response:
    return await _save(request, require_staff(request), hr=False)


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
            await staff.set_visibility(db, actor=user, visible=visible, now=now(request))
        except staff.NotAllowed:
            raise not_found() from None
    return _done(request, "my_profile", "shown" if visible else "hidden")


# ---- saving a profile (HR's form and one's own) ---------------------------------------------


def _limits(request: Request, *, own: bool) -> dict[str, Any]:
    """What the profile form's hints say, in the reader's number format."""
    size = state(request).settings.max_upload_bytes / (1024 * 1024)
    return {
        "max_upload_mb": format_decimal(round(size, 1), locale=get_locale()),
        "max_bio": format_decimal(MAX_BIO, locale=get_locale()),
        "own": own,
    }


async def _process_upload(
    request: Request, user: User, form: ProfileForm, upload: bytes | None
) -> list[Variant] | None:
    """The photo, checked once the text is fine (portal.media.uploads)."""
    return await accept_picture(
        request,
        user=user,
        upload=upload,
        errors=form.errors,
        field="photo",
        process=media.process_photo,
    )


async def _load(request: Request, db: AsyncSession, user: User, *, hr: bool) -> User:
    return await (_person(request, db, user) if hr else _own(request, db, user))


def _page(
    request: Request, user: User, person: User, form: ProfileForm, *, hr: bool, **kw: Any
) -> Response:
    return (
        _hr_page(request, user, person, form, **kw) if hr else _my_page(request, person, form, **kw)
    )


async def _save(request: Request, user: User, *, hr: bool) -> Response:
    form, upload = await read_profile_form(
        request, hr=hr, limit=state(request).settings.max_upload_bytes
    )
    form.validate()
    async with unit_of_work(request) as db:
        await _load(request, db, user, hr=hr)  # 404 before any work on a picture
    variants = await _process_upload(request, user, form, upload)
    async with unit_of_work(request) as db:
        person = await _load(request, db, user, hr=hr)
        if form.errors:
            return _page(request, user, person, form, hr=hr, status_code=422)
        try:
            # A savepoint: when the profile changed meanwhile nothing of this is kept, the
            # photo's row included (its files stay behind as orphans on disk).
            async with db.begin_nested():
                await _store_and_save(request, db, user, person, form, variants, upload)
        except staff.NotAllowed:
            raise not_found() from None
        except Conflict:
            return _conflict(request, user, person, form, hr=hr, photo=upload is not None)
    if hr:
        return _done(request, "hr_person", "saved", id=person.public_id)
    return _done(request, "my_profile", "saved")


async def _store_and_save(
    request: Request,
    db: AsyncSession,
    user: User,
    person: User,
    form: ProfileForm,
    variants: list[Variant] | None,
    upload: bytes | None,
) -> None:
    photo = None
    if variants and upload is not None:
        photo = await media.store(
            db,
            state(request).storage,
            owner=person,  # the person portrayed: they can always see their own photo
            variants=variants,
            now=now(request),
            source_digest=media.digest(upload),
        )
    await staff.save_profile(
        db,
        actor=user,
        person=person,
        values=form.values(),
        photo=photo,
        remove_photo=form.remove_photo,
        seen=form.version,
        now=now(request),
    )


def _conflict(
    request: Request, user: User, person: User, form: ProfileForm, *, hr: bool, photo: bool
) -> Response:
    # Nothing lost: the text they wrote comes back in the form, with the news. The form now
    # carries the current version, so saving again replaces the other change knowingly.
    form.version = person.profile.updated_at if person.profile else None
    if photo:
        form.errors.setdefault("photo", _("Your picture was not saved: choose it again."))
    notice = _(
        "This profile was changed in the meantime (perhaps in another tab, or by someone "
        "else), so your changes were not saved. Your text is still in the form below; "
        "save again to replace the other changes."
    )
    return _page(request, user, person, form, hr=hr, status_code=409, notice=notice)


routes = [
    Route("/hr/people", hr_people, methods=["GET"], name="hr_people"),
    Route("/hr/people", hr_person_create, methods=["POST"], name="hr_person_create"),
    Route("/hr/people/new", hr_person_new, methods=["GET"], name="hr_person_new"),
    Route("/hr/people/{id}", hr_person, methods=["GET"], name="hr_person"),
    Route("/hr/people/{id}", hr_person_save, methods=["POST"], name="hr_person_save"),
    Route("/hr/people/{id}/role", hr_person_role, methods=["POST"], name="hr_person_role"),
    Route(
        "/hr/people/{id}/deactivate",
        hr_person_deactivate,
        methods=["POST"],
        name="hr_person_deactivate",
    ),
    Route(
        "/hr/people/{id}/reactivate",
        hr_person_reactivate,
        methods=["POST"],
        name="hr_person_reactivate",
    ),
    Route(
        "/hr/people/{id}/sign-out-everywhere",
        hr_person_sign_out,
        methods=["POST"],
        name="hr_person_sign_out",
    ),
    Route("/me/profile", my_profile, methods=["GET"], name="my_profile"),
    Route("/me/profile", my_profile_save, methods=["POST"], name="my_profile_save"),
    Route("/me/profile/preview", my_profile_preview, methods=["POST"], name="my_profile_preview"),
    Route(
        "/me/profile/visibility",
        my_profile_visibility,
        methods=["POST"],
        name="my_profile_visibility",
    ),
]
