"""Questions: the candidate's page (/questions).

``routes`` also holds HR's inbox (inbox_routes) and colleagues' drafts (colleague_routes).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.db import Conflict
from portal.i18n import gettext as _
from portal.models import Question, User
from portal.questions import colleague_routes, inbox_routes, service
from portal.questions.forms import QuestionForm
from portal.web import form_data, is_htmx, not_found, now, render, require_user, unit_of_work


async def _candidate_page(
    request: Request,
    db: Any,
    user: User,
    *,
    form: QuestionForm | None = None,
    status_code: int = 200,
    notice: str = "",
) -> Response:
    if user.role.is_staff:
        raise not_found()
    context = {
        "questions": await service.candidate_questions(db, actor=user),
        "visit": await service.askable_visit(db, actor=user, now=now(request)),
        "form": form or QuestionForm(),
        "notice": notice,
        "limit": service.MAX_QUESTION,
        "answerer_visible": service.answerer_visible,
    }
    return render(
        request, "questions/mine.html", context, status_code=status_code, block="questions"
    )


async def my_questions(request: Request) -> Response:
    user = require_user(request)
    notice = _("Thank you: we have your question.") if request.query_params.get("asked") else ""
    async with unit_of_work(request) as db:
        return await _candidate_page(request, db, user, notice=notice)


async def ask(request: Request) -> Response:
    user = require_user(request)
    form = QuestionForm.parse(await form_data(request), limit=service.MAX_QUESTION)
    async with unit_of_work(request) as db:
        visit = await service.askable_visit(db, actor=user, now=now(request))
        if visit is None or form.errors:
            status = 409 if visit is None else 422
            return await _candidate_page(request, db, user, form=form, status_code=status)
        try:
            await service.ask(
                db,
                actor=user,
                visit=visit,
                body=form.body,
                ask_in_person=form.ask_in_person,
                idempotency_key=form.key,
                now=now(request),
            )
        except service.QuotaExceeded:
            form.errors["body"] = _(
                "You have asked many questions already. HR will answer them; "
                "ask the rest during your visit."
            )
            return await _candidate_page(request, db, user, form=form, status_code=422)
        if is_htmx(request):
            notice = _("Thank you: we have your question.")
            return await _candidate_page(request, db, user, notice=notice)
    return RedirectResponse(request.url_for("questions").path + "?asked=1", status_code=303)


async def _own(request: Request, db: Any, user: User) -> Question:
    question = await service.own_question(db, actor=user, public_id=request.path_params["id"])
    if question is None:
        raise not_found()
    return question


async def edit(request: Request) -> Response:
    user = require_user(request)
    form = QuestionForm.parse(await form_data(request), limit=service.MAX_QUESTION)
    async with unit_of_work(request) as db:
        question = await _own(request, db, user)
        if form.errors:
            return await _candidate_page(
                request, db, user, status_code=422, notice=form.errors["body"]
            )
        try:
            await service.edit(
                db,
                actor=user,
                question=question,
                body=form.body,
                ask_in_person=form.ask_in_person,
                version=form.version,
                now=now(request),
            )
        except Conflict:
            # Nothing lost: the text they wrote comes back in the form to ask it anew.
            notice = _(
                "This question was answered or changed in the meantime, so your "
                "change was not saved. Your text is in the form below."
            )
            return await _candidate_page(
                request, db, user, status_code=409, notice=notice, form=QuestionForm(body=form.body)
            )
    return RedirectResponse(request.url_for("questions").path, status_code=303)


async def withdraw(request: Request) -> Response:
    user = require_user(request)
    async with unit_of_work(request) as db:
        question = await _own(request, db, user)
        try:
            await service.withdraw(db, actor=user, question=question, now=now(request))
        except Conflict:
            notice = _("This question has been answered already, so it can no longer be withdrawn.")
            return await _candidate_page(request, db, user, status_code=409, notice=notice)
    return RedirectResponse(request.url_for("questions").path, status_code=303)


routes = [
    Route("/questions", my_questions, methods=["GET"], name="questions"),
    Route("/questions", ask, methods=["POST"], name="questions_post"),
    Route("/questions/{id}/edit", edit, methods=["POST"], name="question_edit"),
    Route("/questions/{id}/withdraw", withdraw, methods=["POST"], name="question_withdraw"),
    *inbox_routes.routes,
    *colleague_routes.routes,
]
