"""One visit: created, shown, saved, cancelled; its candidate invited, signed out or
erased; how its procedure ended."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.db import Conflict
from portal.i18n import gettext as _
from portal.models import User, Visit, VisitStatus
from portal.parsing import version_of
from portal.planning import agenda_templates, candidates, outcomes, service
from portal.planning.forms import VisitForm
from portal.planning.workspace import ZONES, back, changed, load, refuse, show, today
from portal.web import form_data, now, render, require_hr, state, unit_of_work


async def new_visit(request: Request) -> Response:
    user = require_hr(request)
    form = VisitForm(
        day=today(request).isoformat(),
        timezone=state(request).settings.default_timezone,
        host=user.public_id,
    )
    async with unit_of_work(request) as db:
        return await _new_page(request, db, form)


async def _new_page(request: Request, db: Any, form: VisitForm, status_code: int = 200) -> Response:
    context = {
        "form": form,
        "zones": ZONES,
        "templates": await agenda_templates.templates(db),
        **await service.choices(db),
    }
    return render(request, "planning/new.html", context, status_code=status_code)


async def create_visit(request: Request) -> Response:
    user = require_hr(request)
    form = VisitForm.parse(await form_data(request))
    form.validate(today=today(request))
    async with unit_of_work(request) as db:
        if form.errors:
            return await _new_page(request, db, form, 422)
        try:
            async with db.begin_nested():
                visit, new = await service.create(db, actor=user, form=form, now=now(request))
        except service.Refused as refused:
            form.errors[refused.field] = refused.message
            return await _new_page(request, db, form, 422)
        if new and form.template:
            loaded = await service.hr_visit(db, actor=user, public_id=visit.public_id)
            if loaded is not None:
                await agenda_templates.copy_into(
                    db,
                    actor=user,
                    visit=loaded,
                    source=f"template:{form.template}",
                    version=loaded.version,
                    now=now(request),
                )
    return back(request, visit, "created")


NOTICES = {
    "created": lambda: _("The visit is saved. Now plan its programme and invite the candidate."),
    "saved": lambda: _("Your changes are saved."),
    "invited": lambda: _("The invitation is on its way."),
    "cancelled": lambda: _("The visit is cancelled; the candidate is told by e-mail."),
    "copied": lambda: _("The programme was copied. Adjust it below."),
    "template": lambda: _("The programme is saved as a template."),
    "outcome": lambda: _("The outcome is saved."),
    "handed_over": lambda: _(
        "Your changes are saved. The visit has a new candidate: send them the invitation."
    ),
    "handed_over_erased": lambda: _(
        "Your changes are saved. The visit has a new candidate, so the answers the earlier "
        "candidate gave (attendance, diet, accessibility, travel) were erased. Send the new "
        "candidate the invitation."
    ),
    "signed_out": lambda: _(
        "The candidate is signed out everywhere, and the sign-in links sent to them no longer "
        "work. They can ask for a new link on the sign-in page."
    ),
}


async def visit_page(request: Request) -> Response:
    user = require_hr(request)
    done = request.query_params.get("done", "")
    async with unit_of_work(request) as db:
        visit = await load(request, db, user)
        notice = NOTICES[done]() if done in NOTICES else ""
        past = bool(request.query_params.get("past"))
        if past:
            notice += " " + _(
                "This visit is in the past. It is saved, for the record; no e-mail is sent."
            )
        return await show(request, db, visit, notice=notice, warning=past)


async def save_visit(request: Request) -> Response:
    user = require_hr(request)
    form = VisitForm.parse(await form_data(request))
    form.validate(today=today(request))
    async with unit_of_work(request) as db:
        visit = await load(request, db, user)
        if form.errors:
            return await show(request, db, visit, status_code=422, form=form)
        try:
            async with db.begin_nested():
                updated = await service.update(
                    db, actor=user, visit=visit, form=form, now=now(request)
                )
        except service.Refused as refused:
            form.errors[refused.field] = refused.message
            # The savepoint's rollback expired what it had touched (the candidate): load
            # the visit again rather than lazy-load it while rendering.
            visit = await load(request, db, user)
            return await show(request, db, visit, status_code=422, form=form)
        except Conflict:
            return await _visit_conflict(request, db, user, form)
    return _saved(request, visit, form, updated)


async def _visit_conflict(request: Request, db: Any, user: User, form: VisitForm) -> Response:
    visit = await load(request, db, user)
    notice = _(
        "Someone else changed this visit meanwhile, so your changes were not saved. "
        "The page shows the visit as it is now; your text is in the form."
    )
    form.version = visit.version
    return await show(request, db, visit, status_code=409, notice=notice, warning=True, form=form)


def _saved(request: Request, visit: Visit, form: VisitForm, updated: service.Updated) -> Response:
    """Back to the page, which says what a new candidate cleared and that a visit in the
    past was saved without e-mail."""
    notice = " ".join(form.warnings)
    done = "saved"
    if updated.handed_over is not None:
        done = "handed_over_erased" if updated.handed_over.answers_erased else "handed_over"
    path = request.url_for("hr_visit", id=visit.public_id).path
    return RedirectResponse(path + f"?done={done}" + ("&past=1" if notice else ""), 303)


async def cancel_visit(request: Request) -> Response:
    user = require_hr(request)
    version = version_of(await form_data(request))
    async with unit_of_work(request) as db:
        visit = await load(request, db, user)
        try:
            async with db.begin_nested():
                await service.cancel(
                    db,
                    actor=user,
                    visit=visit,
                    version=version,
                    now=now(request),
                    mailer=state(request).mailer,
                )
        except Conflict:
            return await changed(request, db, user)
    return back(request, visit, "cancelled")


async def set_outcome(request: Request) -> Response:
    """HR records how the procedure ended; its day starts the retention clock."""
    user = require_hr(request)
    form = outcomes.OutcomeForm.parse(await form_data(request))
    decided = form.validate(today=today(request))
    async with unit_of_work(request) as db:
        # An erased candidate's visit is gone: 404, as for any unknown visit.
        visit = await load(request, db, user)
        if decided is None:
            return await show(request, db, visit, status_code=422, outcome_form=form)
        try:
            async with db.begin_nested():
                await outcomes.set_outcome(
                    db,
                    actor=user,
                    visit=visit,
                    outcome=decided[0],
                    decided_on=decided[1],
                    version=form.version,
                    now=now(request),
                )
        except Conflict:
            return await _outcome_conflict(request, db, user, form)
    return back(request, visit, "outcome")


async def _outcome_conflict(
    request: Request, db: Any, user: User, form: outcomes.OutcomeForm
) -> Response:
    # Changed meanwhile: shown as it is now, the choice kept. Erased: load answers 404.
    visit = await load(request, db, user)
    notice = _("Someone else changed this visit meanwhile; the outcome was not saved.")
    form.version = visit.version
    return await show(
        request, db, visit, status_code=409, notice=notice, warning=True, outcome_form=form
    )


async def invite(request: Request) -> Response:
    user = require_hr(request)
    async with unit_of_work(request) as db:
        visit = await load(request, db, user)
        if visit.status == VisitStatus.CANCELLED:
            notice = _("This visit is cancelled: there is nothing to invite to.")
            return await refuse(request, db, visit, notice, status_code=409)
        await candidates.invite(
            db, actor=user, visit=visit, now=now(request), mailer=state(request).mailer
        )
    return back(request, visit, "invited")


async def sign_out_candidate(request: Request) -> Response:
    """HR ends every session of the visit's candidate and voids their sign-in links."""
    user = require_hr(request)
    async with unit_of_work(request) as db:
        visit = await load(request, db, user)
        await candidates.sign_out_candidate(db, actor=user, visit=visit, now=now(request))
    return back(request, visit, "signed_out")


async def erase_candidate(request: Request) -> Response:
    """HR erases the visit's candidate and everything about them, once HR has ticked that
    it cannot be undone (a form without JavaScript: no confirm() dialog)."""
    user = require_hr(request)
    confirmed = (await form_data(request)).get("confirm") == "yes"
    async with unit_of_work(request) as db:
        visit = await load(request, db, user)
        if not confirmed:
            notice = _("Tick the box to confirm that you want to erase this candidate.")
            return await refuse(request, db, visit, notice)
        await candidates.erase_candidate_now(db, actor=user, visit=visit, now=now(request))
    return RedirectResponse(request.url_for("hr_visits").path + "?done=erased", 303)
