"""HR reviewing stories (/hr/stories): the queue, one story, and each decision on it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.db import Conflict
from portal.i18n import gettext as _
from portal.mail.mailer import Mailer
from portal.markdown import render_story
from portal.models import User
from portal.parsing import version_of
from portal.stories import reader, review, service
from portal.stories.forms import clean_note
from portal.web import form_data, not_found, now, render, require_hr, state, unit_of_work


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
        "minutes": reader.reading_minutes(view.working.words),
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
        move = service.Move(db, user, view, version, now(request))
        try:
            async with db.begin_nested():
                await _decide(move, action, note, state(request).mailer)
        except Conflict:
            fresh = await _hr_view(request, db, user)
            notice = _(
                "Someone changed this story first (the author or another HR colleague). "
                "Here is how it stands now; nothing was changed."
            )
            return await _review_page(request, fresh, status_code=409, notice=notice, note=note)
    path = request.url_for("hr_story", id=view.story.public_id).path
    return RedirectResponse(f"{path}?done={action}", 303)


async def _decide(move: service.Move, action: str, note: str, mailer: Mailer) -> None:
    if action == "published":
        await review.publish(move, mailer=mailer)
    elif action == "changes":
        await review.request_changes(move, note=note, mailer=mailer)
    elif action == "rejected":
        await review.reject(move, note=note, mailer=mailer)
    elif action == "unpublished":
        await review.unpublish(move)
    elif action == "archived":
        await review.archive(move)
    else:
        await review.restore(move)


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


routes = [
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
