"""A colleague's questions to draft an answer for (/me/questions), which HR then approves."""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.i18n import gettext as _
from portal.models import Question, User
from portal.questions import routing
from portal.questions.forms import AnswerForm
from portal.questions.inbox import MAX_ANSWER
from portal.web import form_data, not_found, now, render, require_user, unit_of_work


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


async def _assigned(request: Request, db: Any, user: User) -> Question:
    question = await routing.assigned_question(db, actor=user, public_id=request.path_params["id"])
    if question is None:
        raise not_found()
    return question


async def my_routed(request: Request) -> Response:
    user = require_user(request)
    notice = _("Thank you: HR will look at your draft.") if request.query_params.get("sent") else ""
    async with unit_of_work(request) as db:
        return await _routed_page(request, db, user, notice=notice)


def _draft_form(data: dict[str, str]) -> AnswerForm:
    """A draft is checked as an answer is: the same limit, the same messages."""
    return AnswerForm.parse(
        {"answer": data.get("draft", ""), "version": data.get("version", "")}, limit=MAX_ANSWER
    )


async def draft(request: Request) -> Response:
    user = require_user(request)
    form = _draft_form(await form_data(request))
    async with unit_of_work(request) as db:
        question = await _assigned(request, db, user)
        submit = partial(
            routing.submit_draft,
            db,
            actor=user,
            question=question,
            draft=form.answer,
            version=form.version,
            now=now(request),
        )
        conflict = _(
            "This question changed in the meantime (HR may have "
            "answered it). Your draft was not saved; it is still here."
        )
        status = await form.save(submit, conflict=conflict)
        if status is not None:
            return await _routed_page(
                request, db, user, status_code=status, failed=(question.public_id, form)
            )
    return RedirectResponse(request.url_for("my_questions").path + "?sent=1", status_code=303)


routes = [
    Route("/me/questions", my_routed, methods=["GET"], name="my_questions"),
    Route("/me/questions/{id}/draft", draft, methods=["POST"], name="my_question_draft"),
]
