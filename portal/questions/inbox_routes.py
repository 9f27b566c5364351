"""HR's inbox of questions (/hr/questions): answer, route to a colleague, send a draft back."""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.db import Conflict
from portal.i18n import gettext as _
from portal.models import Question, User
from portal.parsing import clean_text, filter_text, id_or_blank, page_of, version_of
from portal.questions import inbox, routing
from portal.questions.forms import AnswerForm
from portal.questions.lifecycle import OPEN_STATUSES
from portal.web import form_data, not_found, now, render, require_user, state, unit_of_work


async def _inbox(
    request: Request,
    db: Any,
    user: User,
    *,
    status_code: int = 200,
    notice: str = "",
    failed: tuple[str, AnswerForm] | None = None,
) -> Response:
    filters = _filters(request)
    page = await inbox.inbox(db, actor=user, filters=filters)
    if page is None:
        raise not_found()
    context = {
        "inbox": page,
        "filters": filters,
        "status": filters.status,
        "choices": await inbox.filter_choices(db),
        "notice": notice,
        "failed": failed,
        "now": now(request),
    }
    return render(request, "questions/inbox.html", context, status_code=status_code)


def _filters(request: Request) -> inbox.InboxFilter:
    params = request.query_params
    return inbox.InboxFilter(
        status=params.get("status", "open"),
        department=filter_text(params.get("department"), 200),
        assignee=id_or_blank(params.get("assignee")),
        visit=id_or_blank(params.get("visit")),
        page=page_of(params.get("page")),
    )


async def _hr_question(request: Request, db: Any, user: User) -> Question:
    question = await inbox.hr_question(db, actor=user, public_id=request.path_params["id"])
    if question is None:
        raise not_found()
    return question


def _note(data: dict[str, str]) -> str:
    return clean_text(data.get("note", ""))[:2000]


def _back_to_inbox(request: Request) -> Response:
    return RedirectResponse(request.url_for("hr_questions").path, status_code=303)


async def hr_inbox(request: Request) -> Response:
    user = require_user(request)
    async with unit_of_work(request) as db:
        return await _inbox(request, db, user)


async def hr_answer(request: Request) -> Response:
    user = require_user(request)
    form = AnswerForm.parse(await form_data(request), limit=inbox.MAX_ANSWER)
    async with unit_of_work(request) as db:
        question = await _hr_question(request, db, user)
        publish = partial(
            inbox.publish_answer,
            db,
            actor=user,
            question=question,
            answer=form.answer,
            version=form.version,
            mailer=state(request).mailer,
            now=now(request),
        )
        conflict = _(
            "Someone else answered or changed this question first. "
            "Your answer was not saved; it is still in the form."
        )
        status = await form.save(publish, conflict=conflict)
        if status is not None:
            return await _inbox(
                request, db, user, status_code=status, failed=(question.public_id, form)
            )
    return _back_to_inbox(request)


async def _route_page(
    request: Request,
    db: Any,
    question: Question,
    *,
    note: str | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    context = {
        "q": question,
        "colleagues": await routing.colleagues(db),
        "note": question.internal_note if note is None else note,
        "error": error,
        "can_route": question.status in OPEN_STATUSES,
    }
    return render(request, "questions/route.html", context, status_code=status_code)


async def hr_route_form(request: Request) -> Response:
    """The form to hand a question to a colleague: every active colleague, once per page
    instead of once per question of the inbox."""
    user = require_user(request)
    async with unit_of_work(request) as db:
        question = await _hr_question(request, db, user)
        return await _route_page(request, db, question)


async def hr_route(request: Request) -> Response:
    """Hand a question to a colleague, with a note only staff will read."""
    user = require_user(request)
    data = await form_data(request)
    async with unit_of_work(request) as db:
        question = await _hr_question(request, db, user)
        try:
            ok = await routing.route(
                db,
                actor=user,
                question=question,
                assignee_id=id_or_blank(data.get("assignee")),
                note=_note(data),
                version=version_of(data),
                mailer=state(request).mailer,
                now=now(request),
            )
        except Conflict:
            notice = _("Someone else changed this question first; have a look again.")
            return await _inbox(request, db, user, status_code=409, notice=notice)
        if not ok:
            # The form again, the note kept, the reason beside the list of colleagues.
            error = _("Choose a colleague who is still active.")
            return await _route_page(
                request, db, question, note=_note(data), error=error, status_code=422
            )
    return _back_to_inbox(request)


async def hr_send_back(request: Request) -> Response:
    """Return a colleague's draft with a note."""
    user = require_user(request)
    data = await form_data(request)
    async with unit_of_work(request) as db:
        question = await _hr_question(request, db, user)
        try:
            await routing.send_back(
                db,
                actor=user,
                question=question,
                note=_note(data),
                version=version_of(data),
                mailer=state(request).mailer,
                now=now(request),
            )
        except Conflict:
            notice = _("Someone else changed this question first; have a look again.")
            return await _inbox(request, db, user, status_code=409, notice=notice)
    return _back_to_inbox(request)


routes = [
    Route("/hr/questions", hr_inbox, methods=["GET"], name="hr_questions"),
    Route("/hr/questions/{id}/answer", hr_answer, methods=["POST"], name="hr_question_answer"),
    Route(
        "/hr/questions/{id}/route", hr_route_form, methods=["GET"], name="hr_question_route_form"
    ),
    Route("/hr/questions/{id}/route", hr_route, methods=["POST"], name="hr_question_route"),
    Route(
        "/hr/questions/{id}/send-back", hr_send_back, methods=["POST"], name="hr_question_send_back"
    ),
]
