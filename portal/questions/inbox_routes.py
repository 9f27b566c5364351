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
        "departments": await inbox.departments(db),
        "notice": notice,
        "failed": failed,
        "now": now(request),
        "colleagues": await routing.colleagues(db),
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
            ok = None
        if not ok:
            return await _not_routed(request, db, user, ok)
    return _back_to_inbox(request)


async def _not_routed(request: Request, db: Any, user: User, ok: bool | None) -> Response:
    """The inbox again: False, the colleague cannot take it; None, a change came first."""
    notice = (
        _("Choose a colleague who is still active.")
        if ok is False
        else _("Someone else changed this question first; have a look again.")
    )
    return await _inbox(request, db, user, status_code=409 if ok is None else 422, notice=notice)


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
    Route("/hr/questions/{id}/route", hr_route, methods=["POST"], name="hr_question_route"),
    Route(
        "/hr/questions/{id}/send-back", hr_send_back, methods=["POST"], name="hr_question_send_back"
    ),
]
