"""The candidate tells HR about attendance, diet, accessibility and travel."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.models import User
from portal.preferences import service
from portal.preferences.forms import PreferencesForm
from portal.web import (
    form_data,
    is_htmx,
    not_found,
    now,
    render,
    require_user,
    state,
    unit_of_work,
)


async def _load(request: Request, db: AsyncSession, user: User) -> service.PreferencesPage:
    """The page for the visit's own candidate; 404 for everyone else (ids can't be probed)."""
    page = await service.preferences_page(
        db,
        actor=user,
        public_id=request.path_params["id"],
        now=now(request),
        retention_days=state(request).settings.retention_days,
        keyring=state(request).keyring,
    )
    if page is None:
        raise not_found()
    return page


def _show(
    request: Request,
    page: service.PreferencesPage,
    form: PreferencesForm,
    *,
    status_code: int = 200,
    saved: bool = False,
    refused: bool = False,
) -> Response:
    context = {"page": page, "visit": page.visit, "form": form, "saved": saved, "refused": refused}
    return render(
        request, "preferences/form.html", context, status_code=status_code, block="preferences"
    )


def _refused(request: Request, page: service.PreferencesPage) -> Response:
    # 409, not 422: nothing is wrong with the input, the visit no longer takes answers (it
    # has started or was cancelled). The page says so and shows what HR already has.
    response = _show(
        request, page, PreferencesForm.initial(page.prefs), status_code=409, refused=True
    )
    if is_htmx(request):
        # htmx does not swap a 409 (see base.html); reloading shows the same message.
        response.headers["HX-Refresh"] = "true"
    return response


async def preferences_form(request: Request) -> Response:
    user = require_user(request)
    async with unit_of_work(request) as db:
        page = await _load(request, db, user)
    saved = page.open and request.query_params.get("saved") == "1"
    return _show(request, page, PreferencesForm.initial(page.prefs), saved=saved)


async def preferences_post(request: Request) -> Response:
    user = require_user(request)
    form = PreferencesForm.parse(await form_data(request))
    async with unit_of_work(request) as db:
        page = await _load(request, db, user)
        saved = None
        if form.answers is not None:
            saved = await service.save_preferences(
                db,
                actor=user,
                page=page,
                answers=form.answers,
                now=now(request),
                keyring=state(request).keyring,
            )
    if not page.open:
        return _refused(request, page)
    if saved is None:
        return _show(request, page, form, status_code=422)
    if is_htmx(request):
        page.prefs = saved.prefs
        return _show(request, page, PreferencesForm.initial(saved.prefs), saved=True)
    target = request.url_for("visit_preferences", id=page.visit.public_id).path
    return RedirectResponse(f"{target}?saved=1", status_code=303)


routes = [
    Route("/visit/{id}/preferences", preferences_form, methods=["GET"], name="visit_preferences"),
    Route(
        "/visit/{id}/preferences", preferences_post, methods=["POST"], name="visit_preferences_post"
    ),
]
