"""Stories: writing (/me/stories), review (/hr/stories) and reading (/stories)."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from sqlalchemy.orm import selectinload
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.db import Conflict
from portal.i18n import get_locale
from portal.i18n import gettext as _
from portal.mail.mailer import Mailer
from portal.markdown import render_story, word_count
from portal.media import service as media
from portal.media.uploads import accept_picture
from portal.models import User, rel
from portal.parsing import version_of
from portal.pictures.images import Variant
from portal.stories import reader, service
from portal.stories.forms import LANGUAGES, MAX_BODY, THEMES, StoryForm, clean_note
from portal.web import (
    form_data,
    is_htmx,
    not_found,
    now,
    render,
    require_hr,
    require_staff,
    require_user,
    state,
    unit_of_work,
)

# ---- the author -----------------------------------------------------------------------


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


def _picture_not_kept(form: StoryForm, upload: bytes | None) -> None:
    if upload is not None:
        form.errors.setdefault("cover", _("Your picture was not saved: choose it again."))


async def create_story(request: Request) -> Response:
    user = require_staff(request)
    form, upload = await _read_form(request)
    form.validate(has_image=upload is not None)
    if form.intent == "submit":
        form.check_ready()
    variants = await _process_upload(request, user, form, upload)
    st = state(request)
    async with unit_of_work(request) as db:
        if form.errors:
            return await _editor(request, None, form, status_code=422)
        try:
            # A savepoint: a story refused by the quota keeps no picture row either.
            async with db.begin_nested():
                limit = st.settings.max_stories_per_author
                earlier = await service.made_by_form(db, actor=user, key=form.key, limit=limit)
                if earlier is not None:  # the same form again: its story, not a second one
                    return _after_save(request, earlier.public_id, form.intent)
                image = None
                if variants:
                    image = await media.store(
                        db, st.storage, owner=user, variants=variants, now=now(request)
                    )
                story = await service.create(
                    db,
                    actor=user,
                    key=form.key,
                    values=form.values(),
                    image=image,
                    now=now(request),
                )
        except service.QuotaExceeded:
            notice = _(
                "You have many stories already. Archive or finish one before you start a new one."
            )
            _picture_not_kept(form, upload)
            return await _editor(request, None, form, status_code=422, notice=notice)
        if form.intent == "submit":
            view = await service.own_story(db, actor=user, public_id=story.public_id)
            if view is not None:
                await service.submit(db, actor=user, view=view, now=now(request))
    return _after_save(request, story.public_id, form.intent)


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
    st = state(request)
    async with unit_of_work(request) as db:
        view = await _own(request, db, user)
        keeps_image = view.working.image_id is not None and not form.remove_image
        form.validate(has_image=upload is not None or keeps_image)
        if form.intent == "submit":
            form.check_ready()
        if not view.editable:
            notice = _("This story cannot be changed now.")
            return await _editor(request, view, form, status_code=409, notice=notice)
    variants = await _process_upload(request, user, form, upload)
    async with unit_of_work(request) as db:
        view = await _own(request, db, user)
        if form.errors:
            return await _editor(request, view, form, status_code=422)
        image_id = None if form.remove_image else view.working.image_id
        try:
            # A savepoint: when the story changed meanwhile, nothing of this is kept (the
            # picture's row included; its files stay behind as orphans on disk).
            async with db.begin_nested():
                if variants:
                    stored = await media.store(
                        db, st.storage, owner=user, variants=variants, now=now(request)
                    )
                    image_id = stored.id
                await service.save(
                    db,
                    actor=user,
                    view=view,
                    values=form.values(),
                    image_id=image_id,
                    version=form.version,
                    now=now(request),
                )
                if form.intent == "submit":
                    await service.submit(db, actor=user, view=view, now=now(request))
        except Conflict:
            # Nothing lost: the text they wrote comes back in the form, with the news.
            notice = _(
                "This story was changed in the meantime (perhaps in another tab, or by HR), "
                "so your changes were not saved. Your text is still in the form below."
            )
            fresh = await _own(request, db, user)
            form.version = fresh.story.version
            _picture_not_kept(form, upload)
            return await _editor(request, fresh, form, status_code=409, notice=notice)
    return _after_save(request, view.story.public_id, form.intent)


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
        "minutes": max(1, -(-word_count(form.body) // reader.WORDS_PER_MINUTE)),
        "language": form.language,
    }


async def withdraw_story(request: Request) -> Response:
    user = require_staff(request)
    version = version_of(await form_data(request))
    async with unit_of_work(request) as db:
        view = await _own(request, db, user)
        try:
            async with db.begin_nested():
                await service.withdraw(db, actor=user, view=view, version=version, now=now(request))
        except Conflict:
            return await _state_changed(request, db, user)
    return RedirectResponse(request.url_for("my_story", id=view.story.public_id).path, 303)


async def discard_story_changes(request: Request) -> Response:
    user = require_staff(request)
    version = version_of(await form_data(request))
    async with unit_of_work(request) as db:
        view = await _own(request, db, user)
        try:
            async with db.begin_nested():
                await service.discard_changes(
                    db, actor=user, view=view, version=version, now=now(request)
                )
        except Conflict:
            return await _state_changed(request, db, user)
    return RedirectResponse(request.url_for("my_story", id=view.story.public_id).path, 303)


async def _state_changed(request: Request, db: Any, user: User) -> Response:
    view = await _own(request, db, user)
    notice = _("This story changed in the meantime; here is how it stands now.")
    return await _editor(request, view, _form_of(view), status_code=409, notice=notice)


# ---- HR ---------------------------------------------------------------------------------


async def hr_stories(request: Request) -> Response:
    user = require_hr(request)
    async with unit_of_work(request) as db:
        views = await service.hr_stories(db, actor=user) or []
    return render(request, "stories/review_list.html", {"views": views})


async def _hr_view(request: Request, db: Any, user: User) -> service.StoryView:
    view = await service.hr_story(db, actor=user, public_id=request.path_params["id"])
    if view is None:
        raise not_found()
    return view


async def _review_page(
    request: Request,
    view: service.StoryView,
    *,
    status_code: int = 200,
    notice: str = "",
    note: str = "",
    note_error: str = "",
) -> Response:
    context = {
        "view": view,
        "notice": notice,
        "note": note,
        "note_error": note_error,
        "status_code": status_code,
        "html": render_story(view.working.body),
        "minutes": max(1, -(-view.working.words // reader.WORDS_PER_MINUTE)),
    }
    return render(request, "stories/review.html", context, status_code=status_code)


async def hr_story(request: Request) -> Response:
    user = require_hr(request)
    async with unit_of_work(request) as db:
        view = await _hr_view(request, db, user)
    done = request.query_params.get("done", "")
    notices = {
        "published": _("The story is online."),
        "changes": _("The author has been asked for changes."),
        "rejected": _("The story was not accepted; the author has been told."),
        "unpublished": _("The story is offline."),
        "archived": _("The story is archived."),
        "restored": _("The story is back, offline, for a new review."),
    }
    return await _review_page(request, view, notice=notices.get(done, ""))


async def _hr_action(request: Request, action: str) -> Response:
    user = require_hr(request)
    data = await form_data(request)
    version = version_of(data)
    note = clean_note(data.get("note", ""))
    async with unit_of_work(request) as db:
        view = await _hr_view(request, db, user)
        if action in ("changes", "rejected") and not note:
            error = _("Write a note for the author: what should change, or why not.")
            return await _review_page(
                request, view, status_code=422, note_error=error, notice=error
            )
        common: dict[str, Any] = {"actor": user, "view": view, "version": version}
        common["now"] = now(request)
        try:
            async with db.begin_nested():
                await _decide(db, action, common, note, state(request).mailer)
        except Conflict:
            fresh = await _hr_view(request, db, user)
            notice = _(
                "Someone changed this story first (the author or another HR colleague). "
                "Here is how it stands now; nothing was changed."
            )
            return await _review_page(request, fresh, status_code=409, notice=notice, note=note)
    path = request.url_for("hr_story", id=view.story.public_id).path
    return RedirectResponse(f"{path}?done={action}", 303)


async def _decide(db: Any, action: str, common: dict[str, Any], note: str, mailer: Mailer) -> None:
    if action == "published":
        await service.publish(db, mailer=mailer, **common)
    elif action == "changes":
        await service.request_changes(db, note=note, mailer=mailer, **common)
    elif action == "rejected":
        await service.reject(db, note=note, mailer=mailer, **common)
    elif action == "unpublished":
        await service.unpublish(db, **common)
    elif action == "archived":
        await service.archive(db, **common)
    else:
        await service.restore(db, **common)


async def hr_publish(request: Request) -> Response:
    return await _hr_action(request, "published")


async def hr_request_changes(request: Request) -> Response:
    return await _hr_action(request, "changes")


async def hr_reject(request: Request) -> Response:
    return await _hr_action(request, "rejected")


async def hr_unpublish(request: Request) -> Response:
    return await _hr_action(request, "unpublished")


async def hr_archive(request: Request) -> Response:
    return await _hr_action(request, "archived")


async def hr_restore(request: Request) -> Response:
    return await _hr_action(request, "restored")


# ---- readers ----------------------------------------------------------------------------


async def stories(request: Request) -> Response:
    user = require_user(request)
    theme = request.query_params.get("theme", "")
    theme = theme if theme in THEMES else ""
    team = request.query_params.get("team", "")[:100]
    async with unit_of_work(request) as db:
        context = await reader.context_for(db, actor=user, now=now(request))
        cards = await reader.live_cards(db)
    ranked = reader.rank(cards, context=context, locale=get_locale())
    shown = [c for c in ranked if reader.matches(c, theme=theme, team=team)]
    themes, teams = reader.tags(cards)
    return render(
        request,
        "stories/index.html",
        {
            "relevant": [c for c in shown if context.relevant(c)],
            "others": [c for c in shown if not context.relevant(c)],
            "themes": themes,
            "teams": teams,
            "theme": theme,
            "team": team,
            "is_htmx": is_htmx(request),
        },
        block="results",
    )


async def story_page(request: Request) -> Response:
    require_user(request)
    async with unit_of_work(request) as db:
        card = await reader.live_card(db, slug=request.path_params["slug"])
    if card is None:
        raise not_found()
    return render(
        request, "stories/story.html", {"card": card, "html": render_story(card.revision.body)}
    )


routes = [
    Route("/stories", stories, methods=["GET"], name="stories"),
    Route("/stories/{slug}", story_page, methods=["GET"], name="story"),
    Route("/me/stories", my_stories, methods=["GET"], name="my_stories"),
    Route("/me/stories", create_story, methods=["POST"], name="my_story_create"),
    Route("/me/stories/new", new_story, methods=["GET"], name="my_story_new"),
    Route("/me/stories/preview", preview, methods=["POST"], name="my_story_preview"),
    Route("/me/stories/{id}", edit_story, methods=["GET"], name="my_story"),
    Route("/me/stories/{id}", save_story, methods=["POST"], name="my_story_save"),
    Route("/me/stories/{id}/withdraw", withdraw_story, methods=["POST"], name="my_story_withdraw"),
    Route(
        "/me/stories/{id}/discard",
        discard_story_changes,
        methods=["POST"],
        name="my_story_discard",
    ),
    Route("/hr/stories", hr_stories, methods=["GET"], name="hr_stories"),
    Route("/hr/stories/{id}", hr_story, methods=["GET"], name="hr_story"),
    Route("/hr/stories/{id}/publish", hr_publish, methods=["POST"], name="hr_story_publish"),
    Route(
        "/hr/stories/{id}/request-changes",
        hr_request_changes,
        methods=["POST"],
        name="hr_story_request_changes",
    ),
    Route("/hr/stories/{id}/reject", hr_reject, methods=["POST"], name="hr_story_reject"),
    Route("/hr/stories/{id}/unpublish", hr_unpublish, methods=["POST"], name="hr_story_unpublish"),
    Route("/hr/stories/{id}/archive", hr_archive, methods=["POST"], name="hr_story_archive"),
    Route("/hr/stories/{id}/restore", hr_restore, methods=["POST"], name="hr_story_restore"),
]
