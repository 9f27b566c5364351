"""The candidate's own privacy page (/me/privacy), their data export, and HR's export of it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import sessions
from portal.i18n import get_locale
from portal.i18n import gettext as _
from portal.models import User
from portal.privacy import consent, export, withdrawal
from portal.privacy.retention import Rules
from portal.web import form_data, not_found, now, render, require_user, state, unit_of_work


def _require_candidate(request: Request) -> User:
    user = require_user(request)
    if user.role.is_staff:
        # Staff have no candidate data here; 404 like the other candidate-only pages.
        raise not_found()
    return user


def _notices() -> dict[str, str]:
    # Built per request: the words follow the request's language.
    return {
        "consent_given": _("Thank you. We keep your data for one year from today."),
        "consent_withdrawn": _(
            "Your consent is withdrawn. Your data is erased on the ordinary schedule."
        ),
    }


async def my_privacy(
    request: Request, *, status_code: int = 200, errors: dict[str, str] | None = None
) -> Response:
    user = _require_candidate(request)
    async with unit_of_work(request) as db:
        holding = await export.load(db, candidate=user)
    st = state(request)
    rules = Rules.of(st.settings)
    today = rules.today(now(request))
    context = {
        "holding": holding,
        "erasure_at": rules.midnight(export.erasure_day(holding, rules)),
        "zone": rules.zone,
        "retention_weeks": rules.weeks,
        "statement": consent.statement(st.settings.organisation_name),
        "renewable": holding.consent is not None and consent.renewable(holding.consent, today),
        "consent_until": rules.midnight(holding.consent.until) if holding.consent else None,
        "notice": _notices().get(request.query_params.get("done", ""), ""),
        "errors": errors or {},
    }
    return render(request, "privacy/me.html", context, status_code=status_code)


async def my_consent(request: Request) -> Response:
    """Give, renew or withdraw the consent to be kept for future vacancies."""
    user = _require_candidate(request)
    form = await form_data(request)
    intent = form.get("intent")
    st = state(request)
    if intent == "give":
        # Opt-in only: the box is never ticked for them, and an unticked box changes nothing.
        if form.get("agree") != "yes":
            errors = {"agree": _("Tick the box if you agree; otherwise nothing changes.")}
            return await my_privacy(request, status_code=422, errors=errors)
        async with unit_of_work(request) as db:
            await consent.give(
                db,
                candidate=user,
                # The words exactly as this page showed them, in the language it was read in.
                text=consent.statement(st.settings.organisation_name),
                locale=get_locale(),
                now=now(request),
                rules=Rules.of(st.settings),
            )
        done = "consent_given"
    elif intent == "withdraw":
        async with unit_of_work(request) as db:
            await consent.withdraw(db, candidate=user, now=now(request))
        done = "consent_withdrawn"
    else:
        return await my_privacy(request, status_code=422)
    path = request.url_for("my_privacy").path
    return RedirectResponse(f"{path}?done={done}#consent", status_code=303)


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
            mailer=st.mailer,
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
    Route("/me/privacy/consent", my_consent, methods=["POST"], name="my_privacy_consent"),
    Route("/me/privacy/export", my_privacy_export, methods=["GET"], name="my_privacy_export"),
    Route(
        "/hr/visits/{id}/export", hr_candidate_export, methods=["GET"], name="hr_candidate_export"
    ),
]
