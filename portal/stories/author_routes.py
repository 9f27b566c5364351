"""Staff writing their stories (/me/stories): the list, the editor, and sending to HR."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy.orm import selectinload
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.db import Conflict
from portal.i18n import get_locale
from portal.i18n import gettext as _
from portal.markdown import render_story, word_count
from portal.media import service as media
from portal.media.uploads import accept_picture
from portal.models import Image, Story, User, rel
from portal.parsing import version_of
from portal.pictures.images import Variant
from portal.stories import reader, service, writing
from portal.stories.forms import LANGUAGES, MAX_BODY, THEMES, StoryForm
from portal.web import (
    UploadRoute,
    form_data,
    not_found,
    now,
    render,
    require_staff,
    state,
    unit_of_work,
)


async def my_stories(request: Request) -> Response:
    user = require_staff(request)
    async with unit_of_work(request) as db:
        views = await service.my_stories(db, actor=user)
    return render(request, "stories/mine.html", {"views": views})


def _blank_form(user: User) -> StoryForm:
    department = user.profile.department if user.profile else ""
    return StoryForm(language=get_locale(), department=department)


async def _editor(
    request: Request,
    view: service.StoryView | None,
    form: StoryForm,
    *,
    status_code: int = 200,
    notice: str = "",
) -> Response:
    context = {
        "view": view,
        "form": form,
        "themes": THEMES,
        "languages": LANGUAGES,
        "max_body": MAX_BODY,
        "max_upload_mb": format_decimal(
            round(state(request).settings.max_upload_bytes / (1024 * 1024), 1), locale=get_locale()
        ),
        "notice": notice,
        "preview": _preview_context(form),
        "status_code": status_code,
    }
    return render(request, "stories/edit.html", context, status_code=status_code)


def _form_of(view: service.StoryView) -> StoryForm:
    w = view.working
    return StoryForm(
        title=w.title,
        teaser=w.teaser,
        body=w.body,
        language=w.language,
        department=w.department,
        team=w.team,
        themes=list(w.themes),
        image_alt=w.image_alt,
        version=view.story.version,
    )


async def new_story(request: Request) -> Response:
    user = require_staff(request)
    async with unit_of_work(request) as db:
        user = await _with_profile(db, user)
    return await _editor(request, None, _blank_form(user))


async def _with_profile(db: Any, user: User) -> User:
    """The signed-in user with their profile (for the department a new story starts with)."""
    loaded = await db.get(User, user.id, options=[selectinload(rel(User.profile))])
    return loaded or user


async def _read_form(request: Request) -> tuple[StoryForm, bytes | None]:
    """The posted fields and, when one was chosen, the picture's bytes."""
    limit = state(request).settings.max_upload_bytes
    async with request.form(max_files=1, max_fields=60) as data:
        form = StoryForm.from_form(data)
        upload = await form.upload.read(limit + 1) if form.upload else None
    return form, upload


def _validate(form: StoryForm, *, has_image: bool) -> None:
    form.validate(has_image=has_image)
    if form.intent == "submit":
        form.check_ready()


async def _process_upload(
    request: Request, user: User, form: StoryForm, upload: bytes | None
) -> list[Variant] | None:
    """The cover, checked once the text is fine (portal.media.uploads)."""
    return await accept_picture(
        request,
        user=user,
        upload=upload,
        errors=form.errors,
        field="cover",
        process=media.process_cover,
    )


async def _store_picture(request: Request, db: Any, user: User, variants: list[Variant]) -> Image:
    st = state(request)
    return await media.store(db, st.storage, owner=user, variants=variants, now=now(request))


def _picture_not_kept(form: StoryForm, upload: bytes | None) -> None:
    if upload is not None:
        form.errors.setdefault("cover", _("Your picture was not saved: choose it again."))


async def create_story(request: Request) -> Response:
    user = require_staff(request)
    form, upload = await _read_form(request)
    _validate(form, has_image=upload is not None)
    variants = await _process_upload(request, user, form, upload)
    async with unit_of_work(request) as db:
        if form.errors:
            return await _editor(request, None, form, status_code=422)
        try:
            # A savepoint: a story refused by the quota keeps no picture row either.
            async with db.begin_nested():
                story, made_now = await _make_story(request, db, user, form, variants)
        except writing.QuotaExceeded:
            notice = _(
                "You have many stories already. Archive or finish one before you start a new one."
            )
            _picture_not_kept(form, upload)
            return await _editor(request, None, form, status_code=422, notice=notice)
        if made_now and form.intent == "submit":
            view = await service.own_story(db, actor=user, public_id=story.public_id)
            if view is not None:
                await writing.submit(service.Move(db, user, view, None, now(request)))
    return _after_save(request, story.public_id, form.intent)


async def _make_story(
    request: Request, db: Any, user: User, form: StoryForm, variants: list[Variant] | None
) -> tuple[Story, bool]:
    """The form's story, and whether this post made it (False: an earlier post of the same
    form did, and this one changes nothing)."""
    limit = state(request).settings.max_stories_per_author
    earlier = await writing.made_by_form(db, actor=user, key=form.key, limit=limit)
    if earlier is not None:  # the same form again: its story, not a second one
        return earlier, False
    image = await _store_picture(request, db, user, variants) if variants else None
    values = form.values()
    story = await writing.create(
        db, actor=user, key=form.key, values=values, image=image, now=now(request)
    )
    return story, True


def _after_save(request: Request, public_id: str, intent: str) -> Response:
    path = request.url_for("my_story", id=public_id).path
    # Without JavaScript, "Preview" saves and shows the preview below the form.
    after = {"submit": "?done=submitted", "preview": "#preview"}.get(intent, "?done=saved")
    return RedirectResponse(path + after, 303)


async def _own(request: Request, db: Any, user: User) -> service.StoryView:
    view = await service.own_story(db, actor=user, public_id=request.path_params["id"])
    if view is None:
        raise not_found()
    return view


async def edit_story(request: Request) -> Response:
    user = require_staff(request)
    async with unit_of_work(request) as db:
        view = await _own(request, db, user)
    notice = {
        "saved": _("Your story is saved."),
        "submitted": _("Thank you: HR will read your story and let you know."),
    }.get(request.query_params.get("done", ""), "")
    return await _editor(request, view, _form_of(view), notice=notice)


async def save_story(request: Request) -> Response:
    user = require_staff(request)
    form, upload = await _read_form(request)
    async with unit_of_work(request) as db:
        view = await _own(request, db, user)
        keeps_image = view.working.image_id is not None and not form.remove_image
        _validate(form, has_image=upload is not None or keeps_image)
        if not view.editable:
            notice = _("This story cannot be changed now.")
            return await _editor(request, view, form, status_code=409, notice=notice)
    variants = await _process_upload(request, user, form, upload)
    async with unit_of_work(request) as db:
        view = await _own(request, db, user)
        if form.errors:
            return await _editor(request, view, form, status_code=422)
        move = service.Move(db, user, view, form.version, now(request))
        try:
            # A savepoint: when the story changed meanwhile, nothing of this is kept (the
            # picture's row included; its files stay behind as orphans on disk).
            async with db.begin_nested():
                await _save(request, move, form, variants)
        except Conflict:
            return await _changed_meanwhile(request, db, user, form, upload)
    return _after_save(request, view.story.public_id, form.intent)


async def _save(
    request: Request, move: service.Move, form: StoryForm, variants: list[Variant] | None
) -> None:
    """The text, the new picture if one came, and the sending to HR if asked for."""
    image_id = None if form.remove_image else move.view.working.image_id
    if variants:
        image_id = (await _store_picture(request, move.db, move.actor, variants)).id
    await writing.save(move, values=form.values(), image_id=image_id)
    if form.intent == "submit":
        await writing.submit(move)


async def _changed_meanwhile(
    request: Request, db: Any, user: User, form: StoryForm, upload: bytes | None
) -> Response:
    # Nothing lost: the text they wrote comes back in the form, with the news.
    notice = _(
        "This story was changed in the meantime (perhaps in another tab, or by HR), "
        "so your changes were not saved. Your text is still in the form below."
    )
    fresh = await _own(request, db, user)
    form.version = fresh.story.version
    _picture_not_kept(form, upload)
    return await _editor(request, fresh, form, status_code=409, notice=notice)


async def preview(request: Request) -> Response:
    """The story as candidates will see it, rendered by the same code as the real page."""
    require_staff(request)
    data = await form_data(request)
    form = StoryForm(
        title=" ".join(data.get("title", "").split())[:200],
        teaser=" ".join(data.get("teaser", "").split())[:300],
        body=data.get("body", "")[: MAX_BODY + 1],
        language=data.get("language", "") if data.get("language") in LANGUAGES else "",
    )
    return render(
        request, "stories/_preview.html", {"preview": _preview_context(form), "form": form}
    )


def _preview_context(form: StoryForm) -> dict[str, Any]:
    return {
        "title": form.title,
        "teaser": form.teaser,
        "html": render_story(form.body),
        "minutes": reader.reading_minutes(word_count(form.body)),
        "language": form.language,
    }


async def withdraw_story(request: Request) -> Response:
    return await _change_own(request, writing.withdraw)


async def discard_changes(request: Request) -> Response:
    return await _change_own(request, writing.discard_changes)


async def _change_own(
    request: Request, change: Callable[[service.Move], Awaitable[None]]
) -> Response:
    """A change without a form (only the version seen): back to the story, or, when someone
    changed it first, the story as it stands now."""
    user = require_staff(request)
    version = version_of(await form_data(request))
    async with unit_of_work(request) as db:
        view = await _own(request, db, user)
        try:
            async with db.begin_nested():
                await change(service.Move(db, user, view, version, now(request)))
        except Conflict:
            return await _state_changed(request, db, user)
    return RedirectResponse(request.url_for("my_story", id=view.story.public_id).path, 303)


async def _state_changed(request: Request, db: Any, user: User) -> Response:
    view = await _own(request, db, user)
    notice = _("This story changed in the meantime; here is how it stands now.")
    return await _editor(request, view, _form_of(view), status_code=409, notice=notice)


routes = [
    Route("/me/stories", my_stories, methods=["GET"], name="my_stories"),
    UploadRoute("/me/stories", create_story, name="my_story_create"),
    Route("/me/stories/new", new_story, methods=["GET"], name="my_story_new"),
    UploadRoute("/me/stories/preview", preview, name="my_story_preview"),
    Route("/me/stories/{id}", edit_story, methods=["GET"], name="my_story"),
    UploadRoute("/me/stories/{id}", save_story, name="my_story_save"),
    Route("/me/stories/{id}/withdraw", withdraw_story, methods=["POST"], name="my_story_withdraw"),
    Route("/me/stories/{id}/discard", discard_changes, methods=["POST"], name="my_story_discard"),
]
