"""The candidate's own privacy page (/me/privacy), their data export, and HR's export of it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import sessions
from portal.models import User
from portal.privacy import export, withdrawal
from portal.privacy.retention import Rules
from portal.web import form_data, not_found, now, render, require_user, state, unit_of_work


def _require_candidate(request: Request) -> User:
    user = require_user(request)
    if user.role.is_staff:
        # Staff have no candidate data here; 404 like the other candidate-only pages.
        raise not_found()
    return user


async def my_privacy(request: Request, *, status_code: int = 200) -> Response:
    user = _require_candidate(request)
    async with unit_of_work(request) as db:
        holding = await export.load(db, candidate=user)
    rules = Rules.of(state(request).settings)
    context = {
        "holding": holding,
        "erasure_at": rules.midnight(export.erasure_day(holding, rules)),
        "zone": rules.zone,
        "retention_weeks": rules.weeks,
    }
    return render(request, "privacy/me.html", context, status_code=status_code)


async def erase_mine(request: Request) -> Response:
    """Erase my data: a first post asks to confirm, a second one with ``confirm`` erases."""
    user = _require_candidate(request)
    form = await form_data(request)
    if form.get("intent") != "erase":
        return await my_privacy(request, status_code=422)
    if form.get("confirm") != "yes":
        # Erasure cannot be undone: one more deliberate step, no JavaScript needed.
        return render(request, "privacy/me_confirm.html")
    st = state(request)
    async with unit_of_work(request) as db:
        await withdrawal.erase_on_request(
            db,
            candidate=user,
            settings=st.settings,
            templates=st.templates,
            keyring=st.keyring,
            now=now(request),
        )
    # Their sessions are gone with the account; the cookie goes too.
    response = RedirectResponse(request.url_for("privacy").path + "?erased=1", status_code=303)
    sessions.clear_cookie(response, st.settings)
    return response


def _download(request: Request, holding: export.Holding, filename: str) -> Response:
    st = state(request)
    data = export.document(
        holding, keyring=st.keyring, rules=Rules.of(st.settings), now=now(request)
    )
    return Response(
        export.dumps(data),
        media_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            # Personal data, special categories included: no browser or proxy keeps a copy.
            "Cache-Control": "no-store",
        },
    )


async def my_privacy_export(request: Request) -> Response:
    user = _require_candidate(request)
    async with unit_of_work(request) as db:
        holding = await export.load(db, candidate=user)
    # The name of the file says nothing about whose it is (it may end up in a shared folder).
    return _download(request, holding, f"my-data-{now(request).date().isoformat()}.json")


async def hr_candidate_export(request: Request) -> Response:
    user = require_user(request)
    async with unit_of_work(request) as db:
        candidate = await export.candidate_of_visit(
            db, actor=user, public_id=request.path_params["id"]
        )
        if candidate is None:
            raise not_found()
        holding = await export.load(db, candidate=candidate)
        export.record_export(db, actor=user, candidate=candidate, now=now(request))
    return _download(
        request, holding, f"candidate-{candidate.public_id}-{now(request).date().isoformat()}.json"
    )


routes = [
    Route("/me/privacy", my_privacy, methods=["GET"], name="my_privacy"),
    Route("/me/privacy", erase_mine, methods=["POST"], name="my_privacy_erase"),
    Route("/me/privacy/export", my_privacy_export, methods=["GET"], name="my_privacy_export"),
    Route(
        "/hr/visits/{id}/export", hr_candidate_export, methods=["GET"], name="hr_candidate_export"
    ),
]
