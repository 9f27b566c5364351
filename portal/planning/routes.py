"""HR plans visits: /hr/visits (list, new, edit), the agenda builder, invitations, templates."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import audit
from portal.db import Conflict
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.models import AgendaItem, AgendaKind, PoolConsent, User, Visit, VisitStatus
from portal.parsing import is_one_line, one_line, page_of, parse_id, parse_int, version_of
from portal.planning import agenda, outcomes, service
from portal.planning.forms import ItemForm, VisitForm, next_slot, parse_date
from portal.preferences.sealed import read_log
from portal.web import (
    form_data,
    is_htmx,
    not_found,
    now,
    render,
    require_hr,
    state,
    unit_of_work,
)

ZONES = ("Europe/Amsterdam", "Europe/Brussels", "Europe/London", "Europe/Berlin", "UTC")


def _today(request: Request) -> date:
    return now(request).astimezone(ZoneInfo(state(request).settings.default_timezone)).date()


async def _items_form(request: Request) -> dict[str, Any]:
    """The posted fields, with the interviewer checkboxes as a list."""
    async with request.form(max_files=0, max_fields=200) as form:
        data: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
        data["interviewers"] = [v for v in form.getlist("interviewers") if isinstance(v, str)]
    return data


# ---- the list ---------------------------------------------------------------------------


async def visits(request: Request) -> Response:
    user = require_hr(request)
    params = request.query_params
    filters = _list_filters(params)
    if "since" not in params and "q" not in params:
        filters.since = _today(request)  # by default: what is coming
    async with unit_of_work(request) as db:
        found = await service.search(db, actor=user, filters=filters)
    if found is None:
        raise not_found()
    context = _list_context(request, found, filters)
    if params.get("done") == "erased":
        context["notice"] = _("The candidate and everything about them were erased.")
    elif params.get("done") == "outcomes":
        context["notice"] = _outcomes_notice(params)
    return render(request, "planning/visits.html", context, block="results")


def _list_filters(data: Any) -> service.VisitFilter:
    """The list's filters from the query string, or from the hidden copy in a posted form."""
    q = str(data.get("q", "")).strip()[:100]
    return service.VisitFilter(
        # From a posted form a NUL could reach the database (the query string's are refused
        # by the middleware): an unreadable search is dropped, as other unreadable filters.
        q=q if is_one_line(q) else "",
        status=str(data.get("status", "")),
        since=parse_date(str(data.get("since", ""))),
        until=parse_date(str(data.get("until", ""))),
        page=page_of(data.get("page")),
    )


def _list_context(request: Request, found: Any, filters: service.VisitFilter) -> dict[str, Any]:
    return {
        "found": found,
        "filters": filters,
        "now": now(request),
        "outcome_labels": outcomes.outcome_labels(),
    }


async def bulk_outcomes(request: Request) -> Response:
    """One outcome for the visits ticked on the list (a page at most)."""
    user = require_hr(request)
    async with request.form(max_files=0, max_fields=outcomes.BULK_LIMIT + 20) as posted:
        data = {k: v for k, v in posted.items() if isinstance(v, str)}
        picked = [parse_id(v) for v in posted.getlist("visits")]
    form = outcomes.OutcomeForm.parse(data)
    decided = form.validate(today=_today(request))
    if not picked:
        form.errors["visits"] = _("Tick the visits to set the outcome for.")
    elif None in picked:
        raise not_found()  # not a visit id at all: like an unknown visit
    filters = _list_filters(data)
    async with unit_of_work(request) as db:
        if decided is None or form.errors:
            found = await service.search(db, actor=user, filters=filters)
            context = {
                **_list_context(request, found, filters),
                "bulk": form,
                "picked": picked,
            }
            return render(request, "planning/visits.html", context, status_code=422)
        changed, gone = await outcomes.set_outcomes(
            db,
            actor=user,
            public_ids=[p for p in picked if p],
            outcome=decided[0],
            decided_on=decided[1],
            now=now(request),
        )
    back = {k: data[k] for k in ("q", "status", "since", "until", "page") if data.get(k)}
    query = urlencode({**back, "done": "outcomes", "changed": changed, "gone": gone})
    return RedirectResponse(f"{request.url_for('hr_visits').path}?{query}", 303)


def _outcomes_notice(params: Any) -> str:
    changed, gone = parse_int(params.get("changed")) or 0, parse_int(params.get("gone")) or 0
    notice = ngettext(
        "The outcome is saved for %(n)s visit.", "The outcome is saved for %(n)s visits.", changed
    ) % {"n": changed}
    if gone:
        notice += " " + ngettext(
            "%(n)s visit was no longer there (its candidate was erased).",
            "%(n)s visits were no longer there (their candidates were erased).",
            gone,
        ) % {"n": gone}
    return notice


# ---- a visit ----------------------------------------------------------------------------


async def new_visit(request: Request) -> Response:
    user = require_hr(request)
    form = VisitForm(
        day=_today(request).isoformat(),
        timezone=state(request).settings.default_timezone,
        host=user.public_id,
    )
    async with unit_of_work(request) as db:
        return await _new_page(request, db, form)


async def _new_page(request: Request, db: Any, form: VisitForm, status_code: int = 200) -> Response:
    context = {
        "form": form,
        "zones": ZONES,
        "templates": await agenda.templates(db),
        **await service.choices(db),
    }
    return render(request, "planning/new.html", context, status_code=status_code)


async def create_visit(request: Request) -> Response:
    user = require_hr(request)
    form = VisitForm.parse(await form_data(request))
    form.validate(today=_today(request))
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
                await agenda.copy_into(
                    db,
                    actor=user,
                    visit=loaded,
                    source=f"template:{form.template}",
                    version=loaded.version,
                    now=now(request),
                )
    path = request.url_for("hr_visit", id=visit.public_id).path
    return RedirectResponse(path + "?done=created", 303)


async def _load(request: Request, db: Any, user: User) -> Visit:
    visit = await service.hr_visit(db, actor=user, public_id=request.path_params["id"])
    if visit is None:
        raise not_found()
    return visit


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


async def _visit_page(
    request: Request,
    db: Any,
    user: User,
    visit: Visit,
    *,
    status_code: int = 200,
    notice: str = "",
    warning: bool = False,
    form: VisitForm | None = None,
    item_form: tuple[str, ItemForm] | None = None,
    found: list[User] | None = None,
    outcome_form: outcomes.OutcomeForm | None = None,
) -> Response:
    """The visit's workspace; for an htmx request from the agenda, only the agenda."""
    zone = visit.timezone
    day = agenda.day_of(visit)
    start, end = next_slot(list(visit.agenda), zone, day)
    extra_ids = item_form[1].interviewers if item_form else []
    people = {p.public_id: p for i in visit.agenda for p in i.interviewers}
    people.update({p.public_id: p for p in await agenda.staff_by_ids(db, extra_ids)})
    context = {
        "visit": visit,
        "zone": zone,
        "items": sorted(visit.agenda, key=lambda i: (i.starts_at, i.position)),
        "form": form or VisitForm.of(visit),
        "item_forms": {i.public_id: ItemForm.of(i, zone, visit.version) for i in visit.agenda},
        "new_item": ItemForm(start=start, end=end, version=visit.version),
        "failed": item_form,
        "found": found or [],
        "people": people,
        "kinds": [k.value for k in AgendaKind],
        "warnings": await agenda.warnings(db, visit),
        "templates": await agenda.templates(db),
        "earlier": await agenda.earlier_visits(db, visit),
        "history": await service.history(db, visit),
        # Who opened the candidate's answers (portal.preferences.sealed): one query.
        "answers_read": await read_log(db, visit_ids=[visit.public_id], limit=20),
        # The talent pool: whether the candidate agreed to be kept longer (one query).
        "pool_until": await db.scalar(
            sa.select(col(PoolConsent.until)).where(col(PoolConsent.user_id) == visit.candidate_id)
        ),
        "zones": ZONES,
        "notice": notice,
        "warning": warning,
        "now": now(request),
        "cancelled": visit.status == VisitStatus.CANCELLED,
        "outcome_form": outcome_form or outcomes.OutcomeForm.of(visit, today=_today(request)),
        "outcome_labels": outcomes.outcome_labels(),
        **await service.choices(db),
    }
    block = "agenda" if request.headers.get("hx-target") == "agenda" and is_htmx(request) else None
    context["in_block"] = block is not None
    return render(request, "planning/visit.html", context, status_code=status_code, block=block)


async def visit_page(request: Request) -> Response:
    user = require_hr(request)
    done = request.query_params.get("done", "")
    async with unit_of_work(request) as db:
        visit = await _load(request, db, user)
        notice = NOTICES[done]() if done in NOTICES else ""
        past = bool(request.query_params.get("past"))
        if past:
            notice += " " + _(
                "This visit is in the past. It is saved, for the record; no e-mail is sent."
            )
        return await _visit_page(request, db, user, visit, notice=notice, warning=past)


async def save_visit(request: Request) -> Response:
    user = require_hr(request)
    form = VisitForm.parse(await form_data(request))
    form.validate(today=_today(request))
    async with unit_of_work(request) as db:
        visit = await _load(request, db, user)
        if form.errors:
            return await _visit_page(request, db, user, visit, status_code=422, form=form)
        try:
            async with db.begin_nested():
                updated = await service.update(
                    db, actor=user, visit=visit, form=form, now=now(request)
                )
        except service.Refused as refused:
            form.errors[refused.field] = refused.message
            # The savepoint's rollback expired what it had touched (the candidate): load
            # the visit again rather than lazy-load it while rendering.
            visit = await _load(request, db, user)
            return await _visit_page(request, db, user, visit, status_code=422, form=form)
        except Conflict:
            visit = await _load(request, db, user)
            notice = _(
                "Someone else changed this visit meanwhile, so your changes were not saved. "
                "The page shows the visit as it is now; your text is in the form."
            )
            form.version = visit.version
            return await _visit_page(
                request, db, user, visit, status_code=409, notice=notice, warning=True, form=form
            )
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
        visit = await _load(request, db, user)
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
            return await _changed(request, db, user)
    return _back(request, visit, "cancelled")


async def set_outcome(request: Request) -> Response:
    """HR records how the procedure ended; its day starts the retention clock."""
    user = require_hr(request)
    form = outcomes.OutcomeForm.parse(await form_data(request))
    decided = form.validate(today=_today(request))
    async with unit_of_work(request) as db:
        # An erased candidate's visit is gone: 404, as for any unknown visit.
        visit = await _load(request, db, user)
        if decided is None:
            return await _visit_page(request, db, user, visit, status_code=422, outcome_form=form)
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
    return _back(request, visit, "outcome")


async def _outcome_conflict(
    request: Request, db: Any, user: User, form: outcomes.OutcomeForm
) -> Response:
    # Changed meanwhile: shown as it is now, the choice kept. Erased: _load answers 404.
    visit = await _load(request, db, user)
    notice = _("Someone else changed this visit meanwhile; the outcome was not saved.")
    form.version = visit.version
    return await _visit_page(
        request, db, user, visit, status_code=409, notice=notice, warning=True, outcome_form=form
    )


async def invite(request: Request) -> Response:
    user = require_hr(request)
    async with unit_of_work(request) as db:
        visit = await _load(request, db, user)
        if visit.status == VisitStatus.CANCELLED:
            notice = _("This visit is cancelled: there is nothing to invite to.")
            return await _visit_page(
                request, db, user, visit, status_code=409, notice=notice, warning=True
            )
        await service.invite(
            db, actor=user, visit=visit, now=now(request), mailer=state(request).mailer
        )
    return _back(request, visit, "invited")


async def sign_out_candidate(request: Request) -> Response:
    """HR ends every session of the visit's candidate and voids their sign-in links."""
    user = require_hr(request)
    async with unit_of_work(request) as db:
        visit = await _load(request, db, user)
        await service.sign_out_candidate(db, actor=user, visit=visit, now=now(request))
    return _back(request, visit, "signed_out")


async def erase_candidate(request: Request) -> Response:
    """HR erases the visit's candidate and everything about them, once HR has ticked that
    it cannot be undone (a form without JavaScript: no confirm() dialog)."""
    user = require_hr(request)
    confirmed = (await form_data(request)).get("confirm") == "yes"
    async with unit_of_work(request) as db:
        visit = await _load(request, db, user)
        if not confirmed:
            notice = _("Tick the box to confirm that you want to erase this candidate.")
            return await _visit_page(
                request, db, user, visit, status_code=422, notice=notice, warning=True
            )
        await service.erase_candidate_now(db, actor=user, visit=visit, now=now(request))
    return RedirectResponse(request.url_for("hr_visits").path + "?done=erased", 303)


def _back(request: Request, visit: Visit, done: str) -> Response:
    path = request.url_for("hr_visit", id=visit.public_id).path
    return RedirectResponse(f"{path}?done={done}", 303)


async def _changed(
    request: Request, db: Any, user: User, item_form: tuple[str, ItemForm] | None = None
) -> Response:
    visit = await _load(request, db, user)
    notice = _(
        "The programme changed meanwhile (someone else is editing it too), so your change "
        "was not saved. Here it is as it is now."
    )
    return await _visit_page(
        request, db, user, visit, status_code=409, notice=notice, warning=True, item_form=item_form
    )


# ---- the agenda builder -----------------------------------------------------------------


def _item(visit: Visit, public_id: str) -> AgendaItem:
    item = next((i for i in visit.agenda if i.public_id == public_id), None)
    if item is None:
        raise not_found()
    return item


async def _after_agenda_change(
    request: Request, db: Any, user: User, visit_id: str, *, focus: str | None = None
) -> Response:
    """htmx gets the agenda again; a plain form goes back to the page (post/redirect/get).

    ``focus``: where keyboard focus goes after the swap (the button that was pressed is
    gone), e.g. the changed item's "Change" control.
    """
    if is_htmx(request):
        visit = await service.hr_visit(db, actor=user, public_id=visit_id)
        if visit is None:
            raise not_found()
        response = await _visit_page(request, db, user, visit, notice=_("Saved."))
        if focus:
            _focus(response, focus)
        return response
    path = request.url_for("hr_visit", id=visit_id).path
    return RedirectResponse(path + "#agenda", 303)


def _focus(response: Response, selector: str) -> None:
    response.headers["HX-Trigger-After-Settle"] = json.dumps({"portal-focus": selector})


async def _item_errors(
    request: Request, db: Any, user: User, visit: Visit, key: str, form: ItemForm
) -> Response:
    """The item's form again (422), with focus on the first field to correct."""
    response = await _visit_page(request, db, user, visit, status_code=422, item_form=(key, form))
    _focus(response, f"#{key}-{next(iter(form.errors))}")
    return response


async def add_item(request: Request) -> Response:
    user = require_hr(request)
    form = ItemForm.parse(await _items_form(request))
    async with unit_of_work(request) as db:
        visit = await _load(request, db, user)
        form.validate(day=agenda.day_of(visit), zone=visit.timezone)
        if form.errors:
            return await _item_errors(request, db, user, visit, "new", form)
        try:
            async with db.begin_nested():
                item = await agenda.add_item(
                    db, actor=user, visit=visit, form=form, now=now(request)
                )
        except Conflict:
            return await _changed(request, db, user, item_form=("new", form))
        return await _after_agenda_change(
            request, db, user, visit.public_id, focus=f"#item-{item.public_id} summary"
        )


async def save_item(request: Request) -> Response:
    user = require_hr(request)
    data = await _items_form(request)
    form = ItemForm.parse(data)
    async with unit_of_work(request) as db:
        visit = await _load(request, db, user)
        item = _item(visit, request.path_params["item"])
        if data.get("intent") == "find":
            # Without JavaScript: "Find" shows matching colleagues in the same form.
            found = await agenda.search_staff(db, form.search)
            return await _visit_page(
                request, db, user, visit, item_form=(item.public_id, form), found=found
            )
        form.validate(day=agenda.day_of(visit), zone=visit.timezone)
        if form.errors:
            return await _item_errors(request, db, user, visit, item.public_id, form)
        try:
            async with db.begin_nested():
                await agenda.save_item(
                    db, actor=user, visit=visit, item=item, form=form, now=now(request)
                )
        except Conflict:
            return await _changed(request, db, user, item_form=(item.public_id, form))
        return await _after_agenda_change(
            request, db, user, visit.public_id, focus=f"#item-{item.public_id} summary"
        )


async def find_for_new_item(request: Request) -> Response:
    """Without JavaScript: "Find" in the new item's form."""
    user = require_hr(request)
    form = ItemForm.parse(await _items_form(request))
    async with unit_of_work(request) as db:
        visit = await _load(request, db, user)
        found = await agenda.search_staff(db, form.search)
        return await _visit_page(request, db, user, visit, item_form=("new", form), found=found)


async def delete_item(request: Request) -> Response:
    user = require_hr(request)
    version = version_of(await _items_form(request))
    async with unit_of_work(request) as db:
        visit = await _load(request, db, user)
        item = _item(visit, request.path_params["item"])
        try:
            async with db.begin_nested():
                await agenda.remove_item(
                    db, actor=user, visit=visit, item=item, version=version, now=now(request)
                )
        except Conflict:
            return await _changed(request, db, user)
        return await _after_agenda_change(request, db, user, visit.public_id, focus="#agenda-title")


async def move_item(request: Request) -> Response:
    user = require_hr(request)
    data = await _items_form(request)
    direction = "up" if data.get("direction") == "up" else "down"
    async with unit_of_work(request) as db:
        visit = await _load(request, db, user)
        item = _item(visit, request.path_params["item"])
        try:
            async with db.begin_nested():
                await agenda.move_item(
                    db,
                    actor=user,
                    visit=visit,
                    item=item,
                    direction=direction,
                    version=version_of(data),
                    now=now(request),
                )
        except Conflict:
            return await _changed(request, db, user)
        return await _after_agenda_change(request, db, user, visit.public_id)


async def staff_search(request: Request) -> Response:
    """Search-as-you-type for interviewers: matching colleagues as checkboxes (htmx)."""
    require_hr(request)
    text = request.query_params.get("search", "")[:100]
    key = request.query_params.get("key", "new")[:40]
    async with unit_of_work(request) as db:
        found = await agenda.search_staff(db, text)
    return render(request, "planning/_found.html", {"found": found, "key": key, "search": text})


async def copy_agenda(request: Request) -> Response:
    user = require_hr(request)
    data = await _items_form(request)
    async with unit_of_work(request) as db:
        visit = await _load(request, db, user)
        try:
            async with db.begin_nested():
                copied = await agenda.copy_into(
                    db,
                    actor=user,
                    visit=visit,
                    source=one_line(str(data.get("source", "")))[:60],
                    version=version_of(data),
                    now=now(request),
                )
        except Conflict:
            return await _changed(request, db, user)
        if copied is None:
            notice = _("Choose a template or an earlier visit to copy from.")
            return await _visit_page(
                request, db, user, visit, status_code=422, notice=notice, warning=True
            )
    return _back(request, visit, "copied")


async def save_template(request: Request) -> Response:
    user = require_hr(request)
    data = await _items_form(request)
    name = one_line(str(data.get("name", "")))[:200]
    department = one_line(str(data.get("department", "")))[:200]
    async with unit_of_work(request) as db:
        visit = await _load(request, db, user)
        if not name or not visit.agenda:
            notice = (
                _("Give the template a name.")
                if visit.agenda
                else _("There is no programme to save yet.")
            )
            return await _visit_page(
                request, db, user, visit, status_code=422, notice=notice, warning=True
            )
        await agenda.save_template(
            db, actor=user, visit=visit, name=name, department=department, now=now(request)
        )
    return _back(request, visit, "template")


async def template_list(request: Request) -> Response:
    require_hr(request)
    async with unit_of_work(request) as db:
        found = await agenda.templates(db)
    return render(request, "planning/templates.html", {"agenda_templates": found})


async def delete_template(request: Request) -> Response:
    user = require_hr(request)
    async with unit_of_work(request) as db:
        template = await agenda.template_by_id(db, request.path_params["id"])
        if template is None:
            raise not_found()
        await db.delete(template)
        audit.record(
            db,
            action="agenda.template_deleted",
            now=now(request),
            actor_id=user.id,
            subject_type="agenda_template",
            subject_id=template.public_id,
            details={"name": template.name},
        )
    return RedirectResponse(request.url_for("hr_templates").path, 303)


routes = [
    Route("/hr/visits", visits, methods=["GET"], name="hr_visits"),
    Route("/hr/visits", create_visit, methods=["POST"], name="hr_visit_create"),
    Route("/hr/visits/new", new_visit, methods=["GET"], name="hr_visit_new"),
    # Before "/hr/visits/{id}": a fixed word, as "new" above.
    Route("/hr/visits/outcomes", bulk_outcomes, methods=["POST"], name="hr_visit_outcomes"),
    Route("/hr/visits/{id}", visit_page, methods=["GET"], name="hr_visit"),
    Route("/hr/visits/{id}", save_visit, methods=["POST"], name="hr_visit_save"),
    Route("/hr/visits/{id}/cancel", cancel_visit, methods=["POST"], name="hr_visit_cancel"),
    Route("/hr/visits/{id}/invite", invite, methods=["POST"], name="hr_visit_invite"),
    Route("/hr/visits/{id}/outcome", set_outcome, methods=["POST"], name="hr_visit_outcome"),
    Route(
        "/hr/visits/{id}/sign-out",
        sign_out_candidate,
        methods=["POST"],
        name="hr_visit_sign_out",
    ),
    Route(
        "/hr/visits/{id}/erase-candidate",
        erase_candidate,
        methods=["POST"],
        name="hr_visit_erase_candidate",
    ),
    Route("/hr/visits/{id}/items", add_item, methods=["POST"], name="hr_item_add"),
    Route("/hr/visits/{id}/items/find", find_for_new_item, methods=["POST"], name="hr_item_find"),
    Route("/hr/visits/{id}/items/{item}", save_item, methods=["POST"], name="hr_item_save"),
    Route(
        "/hr/visits/{id}/items/{item}/delete", delete_item, methods=["POST"], name="hr_item_delete"
    ),
    Route("/hr/visits/{id}/items/{item}/move", move_item, methods=["POST"], name="hr_item_move"),
    Route("/hr/visits/{id}/copy", copy_agenda, methods=["POST"], name="hr_agenda_copy"),
    Route("/hr/visits/{id}/template", save_template, methods=["POST"], name="hr_agenda_template"),
    Route("/hr/staff-search", staff_search, methods=["GET"], name="hr_staff_search"),
    Route("/hr/templates", template_list, methods=["GET"], name="hr_templates"),
    Route(
        "/hr/templates/{id}/delete", delete_template, methods=["POST"], name="hr_template_delete"
    ),
]
