"""What HR's page of a colleague and one's own profile page share: the hints of the form,
the way back after a change, and saving a profile (one flow for both editors)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from babel.numbers import format_decimal
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.db import Conflict
from portal.i18n import get_locale
from portal.i18n import gettext as _
from portal.media import service as media
from portal.media.uploads import accept_picture
from portal.models import User
from portal.pictures.images import Variant
from portal.staff import profiles
from portal.staff.accounts import NotAllowed
from portal.staff.forms import MAX_BIO, ProfileForm, read_profile_form
from portal.web import not_found, now, state, unit_of_work


def redirect_done(request: Request, name: str, done: str, **params: Any) -> RedirectResponse:
    """Back to the page ``name``, which says what was ``done`` (its ``?done=`` notice)."""
    return RedirectResponse(request.url_for(name, **params).path + f"?done={done}", 303)


def limits(request: Request, *, own: bool) -> dict[str, Any]:
    """What the profile form's hints say, in the reader's number format."""
    size = state(request).settings.max_upload_bytes / (1024 * 1024)
    return {
        "max_upload_mb": format_decimal(round(size, 1), locale=get_locale()),
        "max_bio": format_decimal(MAX_BIO, locale=get_locale()),
        "own": own,
    }


class Page(Protocol):
    """The profile form's page again: a refused or conflicting save shows it with a status."""

    def __call__(
        self,
        request: Request,
        user: User,
        person: User,
        form: ProfileForm,
        *,
        status_code: int = ...,
        notice: str = ...,
    ) -> Response: ...


@dataclass(frozen=True)
class Editor:
    """Where HR's form and the owner's differ when saving: the fields the form binds (all
    for HR), how the person is found (a 404 when the actor may not), the page that shows
    the form again, and where a saved profile leads."""

    hr: bool
    load: Callable[[Request, AsyncSession, User], Awaitable[User]]
    page: Page
    saved: Callable[[Request, User], Response]


async def save(request: Request, user: User, editor: Editor) -> Response:
    form, upload = await read_profile_form(
        request, hr=editor.hr, limit=state(request).settings.max_upload_bytes
    )
    form.validate()
    async with unit_of_work(request) as db:
        await editor.load(request, db, user)  # 404 before any work on a picture
    variants = await _process_upload(request, user, form, upload)
    async with unit_of_work(request) as db:
        person = await editor.load(request, db, user)
        if form.errors:
            return editor.page(request, user, person, form, status_code=422)
        try:
            # A savepoint: when the profile changed meanwhile nothing of this is kept, the
            # photo's row included (its files stay behind as orphans on disk).
            async with db.begin_nested():
                await _store_and_save(request, db, user, person, form, variants, upload)
        except NotAllowed:
            raise not_found() from None
        except Conflict:
            return _conflict(request, user, person, form, editor, photo=upload is not None)
    return editor.saved(request, person)


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
    await profiles.save_profile(
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
    request: Request, user: User, person: User, form: ProfileForm, editor: Editor, *, photo: bool
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
    return editor.page(request, user, person, form, status_code=409, notice=notice)
