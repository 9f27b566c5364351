"""Questions: the candidate's page (/questions) and HR's inbox (/hr/questions)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.db import Conflict
from portal.i18n import gettext as _
from portal.models import Question, User
from portal.parsing import clean_text, filter_text, id_or_blank, page_of, version_of
from portal.questions import routing, service
from portal.questions.forms import AnswerForm, QuestionForm
from portal.web import form_data, is_htmx, not_found, now, render, require_user, state, unit_of_work


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


# ---- HR ---------------------------------------------------------------------------------


async def _inbox(
    request: Request,
    db: Any,
    user: User,
    *,
    status_code: int = 200,
    notice: str = "",
    failed: tuple[str, AnswerForm] | None = None,
) -> Response:
    params = request.query_params
    filters = service.InboxFilter(
        status=params.get("status", "open"),
        department=filter_text(params.get("department"), 200),
        assignee=id_or_blank(params.get("assignee")),
        visit=id_or_blank(params.get("visit")),
        page=page_of(params.get("page")),
    )
    inbox = await service.inbox(db, actor=user, filters=filters)
    if inbox is None:
        raise not_found()
    context = {
        "inbox": inbox,
        "filters": filters,
        "status": filters.status,
        "departments": await service.departments(db),
        "notice": notice,
        "failed": failed,
        "now": now(request),
        "colleagues": await routing.colleagues(db),
    }
    return render(request, "questions/inbox.html", context, status_code=status_code)


async def hr_inbox(request: Request) -> Response:
    user = require_user(request)
    async with unit_of_work(request) as db:
        return await _inbox(request, db, user)


async def hr_answer(request: Request) -> Response:
    user = require_user(request)
    form = AnswerForm.parse(await form_data(request), limit=service.MAX_ANSWER)
    st = state(request)
    async with unit_of_work(request) as db:
        question = await service.hr_question(db, actor=user, public_id=request.path_params["id"])
        if question is None:
            raise not_found()
        if form.errors:
            return await _inbox(
                request, db, user, status_code=422, failed=(question.public_id, form)
            )
        try:
            await service.publish_answer(
                db,
                actor=user,
                question=question,
                answer=form.answer,
                version=form.version,
                mailer=st.mailer,
                now=now(request),
            )
        except Conflict:
            form.errors["answer"] = _(
                "Someone else answered or changed this question first. "
                "Your answer was not saved; it is still in the form."
            )
            return await _inbox(
                request, db, user, status_code=409, failed=(question.public_id, form)
            )
    return RedirectResponse(request.url_for("hr_questions").path, status_code=303)


async def _hr_question(request: Request, db: Any, user: User) -> Question:
    question = await service.hr_question(db, actor=user, public_id=request.path_params["id"])
    if question is None:
        raise not_found()
    return question


async def hr_route(request: Request) -> Response:
    """Hand a question to a colleague, with a note only staff will read."""
    user = require_user(request)
    data = await form_data(request)
    version = version_of(data)
    st = state(request)
    async with unit_of_work(request) as db:
        question = await _hr_question(request, db, user)
        try:
            ok = await routing.route(
                db,
                actor=user,
                question=question,
                assignee_id=id_or_blank(data.get("assignee")),
                note=clean_text(data.get("note", ""))[:2000],
                version=version,
                mailer=st.mailer,
                now=now(request),
            )
        except Conflict:
            ok = None
        if not ok:
            notice = (
                _("Choose a colleague who is still active.")
                if ok is False
                else _("Someone else changed this question first; have a look again.")
            )
            return await _inbox(
                request, db, user, status_code=409 if ok is None else 422, notice=notice
            )
    return RedirectResponse(request.url_for("hr_questions").path, status_code=303)


async def hr_send_back(request: Request) -> Response:
    """Return a colleague's draft with a note."""
    user = require_user(request)
    data = await form_data(request)
    version = version_of(data)
    st = state(request)
    async with unit_of_work(request) as db:
        question = await _hr_question(request, db, user)
        try:
            await routing.send_back(
                db,
                actor=user,
                question=question,
                note=clean_text(data.get("note", ""))[:2000],
                version=version,
                mailer=st.mailer,
                now=now(request),
            )
        except Conflict:
            notice = _("Someone else changed this question first; have a look again.")
            return await _inbox(request, db, user, status_code=409, notice=notice)
    return RedirectResponse(request.url_for("hr_questions").path, status_code=303)


# ---- colleagues -----------------------------------------------------------------------


async def _routed_page(
    request: Request,
    db: Any,
    user: User,
    *,
    status_code: int = 200,
    notice: str = "",
    failed: tuple[str, AnswerForm] | None = None,
) -> Response:
    if not user.role.is_staff:
        raise not_found()
    context = {
        "questions": await routing.routed_to(db, actor=user),
        "notice": notice,
        "failed": failed,
    }
    return render(request, "questions/routed.html", context, status_code=status_code)


async def my_routed(request: Request) -> Response:
    user = require_user(request)
    notice = _("Thank you: HR will look at your draft.") if request.query_params.get("sent") else ""
    async with unit_of_work(request) as db:
        return await _routed_page(request, db, user, notice=notice)


async def draft(request: Request) -> Response:
    user = require_user(request)
    data = await form_data(request)
    form = AnswerForm.parse(
        {"answer": data.get("draft", ""), "version": data.get("version", "")},
        limit=service.MAX_ANSWER,
    )
    async with unit_of_work(request) as db:
        question = await routing.assigned_question(
            db, actor=user, public_id=request.path_params["id"]
        )
        if question is None:
            raise not_found()
        if form.errors:
            return await _routed_page(
                request, db, user, status_code=422, failed=(question.public_id, form)
            )
        try:
            await routing.submit_draft(
                db,
                actor=user,
                question=question,
                draft=form.answer,
                version=form.version,
                now=now(request),
            )
        except Conflict:
            form.errors["answer"] = _(
                "This question changed in the meantime (HR may have "
                "answered it). Your draft was not saved; it is still here."
            )
            return await _routed_page(
                request, db, user, status_code=409, failed=(question.public_id, form)
            )
    return RedirectResponse(request.url_for("my_questions").path + "?sent=1", status_code=303)


routes = [
    Route("/questions", my_questions, methods=["GET"], name="questions"),
    Route("/questions", ask, methods=["POST"], name="questions_post"),
    Route("/questions/{id}/edit", edit, methods=["POST"], name="question_edit"),
    Route("/questions/{id}/withdraw", withdraw, methods=["POST"], name="question_withdraw"),
    Route("/hr/questions", hr_inbox, methods=["GET"], name="hr_questions"),
    Route("/hr/questions/{id}/answer", hr_answer, methods=["POST"], name="hr_question_answer"),
    Route("/hr/questions/{id}/route", hr_route, methods=["POST"], name="hr_question_route"),
    Route(
        "/hr/questions/{id}/send-back", hr_send_back, methods=["POST"], name="hr_question_send_back"
    ),
    Route("/me/questions", my_routed, methods=["GET"], name="my_questions"),
    Route("/me/questions/{id}/draft", draft, methods=["POST"], name="my_question_draft"),
]
