"""Offices in the HR workspace (/hr/locations): the list, a new office, and changes."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.i18n import gettext as _
from portal.locations import service
from portal.locations.forms import MAX_ADDRESS, MAX_NAME, MAX_NOTES, LocationForm
from portal.markdown import render as render_markdown
from portal.models import Location
from portal.parsing import parse_int
from portal.web import form_data, not_found, now, render, require_hr, unit_of_work


async def locations(request: Request) -> Response:
    require_hr(request)
    async with unit_of_work(request) as db:
        views = await service.list_locations(db, now=now(request))
    return render(request, "locations/index.html", {"views": views})


def _editor(
    request: Request,
    view: service.LocationView | None,
    form: LocationForm,
    *,
    status_code: int = 200,
    notice: str = "",
    current: Any = None,
) -> Response:
    context = {
        "view": view,
        "form": form,
        "notice": notice,
        # What someone else saved meanwhile, shown beside the text this person typed.
        "current": current,
        "preview": render_markdown(form.arrival_notes),
        "limits": {"name": MAX_NAME, "address": MAX_ADDRESS, "notes": MAX_NOTES},
        "status_code": status_code,
    }
    # htmx asks for the preview alone while the person types; the same template renders it.
    block = "preview" if form.intent == "preview" else None
    return render(request, "locations/edit.html", context, status_code=status_code, block=block)


async def new_location(request: Request) -> Response:
    require_hr(request)
    return _editor(request, None, LocationForm())


async def create_location(request: Request) -> Response:
    user = require_hr(request)
    form = LocationForm.parse(await form_data(request))
    if form.intent == "preview":
        return _editor(request, None, form)
    if not form.validate():
        return _editor(request, None, form, status_code=422)
    try:
        async with unit_of_work(request) as db:
            location = await service.create_location(
                db, actor=user, values=form.values(), now=now(request)
            )
    except service.NameTaken:
        form.errors["name"] = _name_taken()
        return _editor(request, None, form, status_code=422)
    return _done(request, location.public_id, "created")


def _name_taken() -> str:
    return _("Another office already has this name. Choose another, or change that office.")


def _done(request: Request, public_id: str, done: str, upcoming: int = 0) -> Response:
    path = request.url_for("hr_location", id=public_id).path
    return RedirectResponse(f"{path}?done={done}&visits={upcoming}", 303)


async def _load(request: Request, db: Any) -> service.LocationView:
    view = await service.get_location(db, public_id=request.path_params["id"], now=now(request))
    if view is None:
        raise not_found()
    return view


def _notice(request: Request) -> str:
    """The news after a save, from the redirect's query (a number HR saw a moment ago)."""
    done = request.query_params.get("done", "")
    visits = parse_int(request.query_params.get("visits"), high=999_999) or 0
    if done == "created":
        return _("The office is saved. You can pick it for a visit now.")
    if done == "unchanged":
        return _("Nothing was changed.")
    if done not in ("saved", "moved"):
        return ""
    if visits == 0:
        return _("Saved. There are no upcoming visits at this office.")
    if done == "moved":
        return _(
            "Saved. Upcoming visits that show the new name and address: %(count)s. Their "
            "calendar events were updated too, for candidates who download the calendar "
            "file again."
        ) % {"count": visits}
    return _("Saved. Upcoming visits that show the new details: %(count)s.") % {"count": visits}


async def location(request: Request) -> Response:
    require_hr(request)
    async with unit_of_work(request) as db:
        view = await _load(request, db)
    return _editor(request, view, LocationForm.of(view.location), notice=_notice(request))


def _changed_meanwhile(
    request: Request, view: service.LocationView, form: LocationForm, current: Location
) -> Response:
    # Nothing lost: their text stays in the form, beside what was saved meanwhile; saving
    # again (with the new fingerprint) replaces it on purpose.
    form.fingerprint = service.fingerprint(current)
    notice = _(
        "Someone else changed this office after you opened it, so your changes were "
        "not saved. Compare with what is saved now (below); your text is still in the "
        "form."
    )
    return _editor(request, view, form, status_code=409, notice=notice, current=current)


async def save_location(request: Request) -> Response:
    user = require_hr(request)
    form = LocationForm.parse(await form_data(request))
    async with unit_of_work(request) as db:
        view = await _load(request, db)
        if form.intent == "preview":
            return _editor(request, view, form)
        if not form.validate():
            return _editor(request, view, form, status_code=422)
        try:
            saved = await service.save_location(
                db,
                actor=user,
                location=view.location,
                values=form.values(),
                seen=form.fingerprint,
                now=now(request),
            )
        except service.NameTaken:
            form.errors["name"] = _name_taken()
            return _editor(request, view, form, status_code=422)
        except service.Conflict as exc:
            return _changed_meanwhile(request, view, form, exc.location)
    done = "moved" if saved.calendars else "saved" if saved.changed else "unchanged"
    return _done(request, view.location.public_id, done, saved.upcoming)


routes = [
    Route("/hr/locations", locations, methods=["GET"], name="hr_locations"),
    Route("/hr/locations", create_location, methods=["POST"], name="hr_location_create"),
    Route("/hr/locations/new", new_location, methods=["GET"], name="hr_location_new"),
    Route("/hr/locations/{id}", location, methods=["GET"], name="hr_location"),
    Route("/hr/locations/{id}", save_location, methods=["POST"], name="hr_location_save"),
]
