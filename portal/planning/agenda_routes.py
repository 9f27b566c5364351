"""The agenda builder on a visit's page: items added, changed, removed and moved, colleagues
found to interview, a programme copied in or saved as a template; and the templates' list.

With htmx a change answers with the agenda alone; a plain form goes back to the page."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.db import Conflict
from portal.i18n import gettext as _
from portal.models import AgendaItem, User, Visit
from portal.parsing import one_line, version_of
from portal.planning import agenda, agenda_templates, service
from portal.planning.forms import ItemForm
from portal.planning.workspace import back, changed, load, refuse, show
from portal.web import is_htmx, not_found, now, render, require_hr, unit_of_work


async def _items_form(request: Request) -> dict[str, Any]:
    """The posted fields, with the interviewer checkboxes as a list."""
    async with request.form(max_files=0, max_fields=200) as form:
        data: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
        data["interviewers"] = [v for v in form.getlist("interviewers") if isinstance(v, str)]
    return data


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
        response = await show(request, db, visit, notice=_("Saved."))
        if focus:
            _focus(response, focus)
        return response
    path = request.url_for("hr_visit", id=visit_id).path
    return RedirectResponse(path + "#agenda", 303)


def _focus(response: Response, selector: str) -> None:
    response.headers["HX-Trigger-After-Settle"] = json.dumps({"portal-focus": selector})


async def _item_errors(
    request: Request, db: Any, visit: Visit, key: str, form: ItemForm
) -> Response:
    """The item's form again (422), with focus on the first field to correct."""
    response = await show(request, db, visit, status_code=422, item_form=(key, form))
    _focus(response, f"#{key}-{next(iter(form.errors))}")
    return response


async def add_item(request: Request) -> Response:
    user = require_hr(request)
    form = ItemForm.parse(await _items_form(request))
    async with unit_of_work(request) as db:
        visit = await load(request, db, user)
        form.validate(day=agenda.day_of(visit), zone=visit.timezone)
        if form.errors:
            return await _item_errors(request, db, visit, "new", form)
        try:
            async with db.begin_nested():
                item = await agenda.add_item(
                    db, actor=user, visit=visit, form=form, now=now(request)
                )
        except Conflict:
            return await changed(request, db, user, item_form=("new", form))
        return await _after_agenda_change(
            request, db, user, visit.public_id, focus=f"#item-{item.public_id} summary"
        )


async def save_item(request: Request) -> Response:
    user = require_hr(request)
    data = await _items_form(request)
    form = ItemForm.parse(data)
    async with unit_of_work(request) as db:
        visit = await load(request, db, user)
        item = _item(visit, request.path_params["item"])
        if data.get("intent") == "find":
            # Without JavaScript: "Find" shows matching colleagues in the same form.
            found = await agenda.search_staff(db, form.search)
            return await show(request, db, visit, item_form=(item.public_id, form), found=found)
        form.validate(day=agenda.day_of(visit), zone=visit.timezone)
        if form.errors:
            return await _item_errors(request, db, visit, item.public_id, form)
        try:
            async with db.begin_nested():
                await agenda.save_item(
                    db, actor=user, visit=visit, item=item, form=form, now=now(request)
                )
        except Conflict:
            return await changed(request, db, user, item_form=(item.public_id, form))
        return await _after_agenda_change(
            request, db, user, visit.public_id, focus=f"#item-{item.public_id} summary"
        )


async def find_for_new_item(request: Request) -> Response:
    """Without JavaScript: "Find" in the new item's form."""
    user = require_hr(request)
    form = ItemForm.parse(await _items_form(request))
    async with unit_of_work(request) as db:
        visit = await load(request, db, user)
        found = await agenda.search_staff(db, form.search)
        return await show(request, db, visit, item_form=("new", form), found=found)


async def delete_item(request: Request) -> Response:
    user = require_hr(request)
    version = version_of(await _items_form(request))
    async with unit_of_work(request) as db:
        visit = await load(request, db, user)
        item = _item(visit, request.path_params["item"])
        try:
            async with db.begin_nested():
                await agenda.remove_item(
                    db, actor=user, visit=visit, item=item, version=version, now=now(request)
                )
        except Conflict:
            return await changed(request, db, user)
        return await _after_agenda_change(request, db, user, visit.public_id, focus="#agenda-title")


async def move_item(request: Request) -> Response:
    user = require_hr(request)
    data = await _items_form(request)
    direction = "up" if data.get("direction") == "up" else "down"
    async with unit_of_work(request) as db:
        visit = await load(request, db, user)
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
            return await changed(request, db, user)
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
        visit = await load(request, db, user)
        try:
            async with db.begin_nested():
                copied = await agenda_templates.copy_into(
                    db,
                    actor=user,
                    visit=visit,
                    source=one_line(str(data.get("source", "")))[:60],
                    version=version_of(data),
                    now=now(request),
                )
        except Conflict:
            return await changed(request, db, user)
        if copied is None:
            notice = _("Choose a template or an earlier visit to copy from.")
            return await refuse(request, db, visit, notice)
    return back(request, visit, "copied")


async def save_template(request: Request) -> Response:
    user = require_hr(request)
    data = await _items_form(request)
    name = one_line(str(data.get("name", "")))[:200]
    department = one_line(str(data.get("department", "")))[:200]
    async with unit_of_work(request) as db:
        visit = await load(request, db, user)
        if not name or not visit.agenda:
            notice = (
                _("Give the template a name.")
                if visit.agenda
                else _("There is no programme to save yet.")
            )
            return await refuse(request, db, visit, notice)
        await agenda_templates.save_template(
            db, actor=user, visit=visit, name=name, department=department, now=now(request)
        )
    return back(request, visit, "template")


async def template_list(request: Request) -> Response:
    require_hr(request)
    async with unit_of_work(request) as db:
        found = await agenda_templates.templates(db)
    return render(request, "planning/templates.html", {"agenda_templates": found})


async def delete_template(request: Request) -> Response:
    user = require_hr(request)
    async with unit_of_work(request) as db:
        template = await agenda_templates.template_by_id(db, request.path_params["id"])
        if template is None:
            raise not_found()
        await agenda_templates.delete_template(db, actor=user, template=template, now=now(request))
    return RedirectResponse(request.url_for("hr_templates").path, 303)
