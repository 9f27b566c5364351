"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

import logging
import secrets

from email_validator import EmailNotValidError, validate_email
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import codes, links, service, sessions, signing
from portal.errors import error_page
from portal.i18n import LANG_COOKIE
from portal.i18n import gettext as _
from portal.security import client_ip, safe_next
from portal.web import current_user, form_data, now, redirect, render, state, unit_of_work

log = logging.getLogger("portal.auth")

# Identifies the browser that asked for a code, so the code works only there.
BROWSER_COOKIE = "portal_login"


def _browser_id(request: Request) -> str:
    value = request.cookies.get(BROWSER_COOKIE, "")
    return value if 20 <= len(value) <= 64 else secrets.token_urlsafe(24)


def _problem_text(problem: links.Problem) -> str:
    return {
        links.Problem.USED: _("This sign-in link has already been used."),
        links.Problem.EXPIRED: _("This sign-in link has expired."),
        links.Problem.WRONG_CODE: _("That code is not right. Check the e-mail and try again."),
        links.Problem.NO_CODE: _(
            "There is no code waiting in this browser. Ask for a new e-mail below."
        ),
        links.Problem.TOO_MANY: _(
            "Too many wrong codes for now. Use the link in the e-mail instead: it still works."
        ),
        links.Problem.INACTIVE: _("This account is no longer active."),
    }.get(problem, _("This sign-in link is not valid. Check that you copied all of it."))


async def _client_within_limit(request: Request, bucket: str) -> bool:
    """Count a hit in ``bucket`` for the client's address (from a trusted proxy only)."""
    st = state(request)
    key = st.keyring.digest(bucket, client_ip(request, st.settings.trusted_proxy_set))
    return await _hit(request, key, st.settings.login_rate_per_client, f"this client ({bucket})")


async def _address_within_limit(request: Request, email: str) -> bool:
    """Count a sign-in e-mail for ``email``: POST /login and /login/resend share the count."""
    st = state(request)
    key = service.address_key(st.keyring, email)
    return await _hit(request, key, st.settings.login_rate_per_address, "this address")


async def _hit(request: Request, key: str, limit: int, what: str) -> bool:
    ok: bool = await state(request).limiter.hit(key, limit, now(request))
    if not ok:
        # Which limit, never which address: the log is no place for personal data.
        log.warning("sign-in refused: too many requests for %s", what)
    return ok


async def login_form(request: Request) -> Response:
    if current_user(request):
        return redirect(request, "home")
    return render(request, "auth/login.html", {"next": safe_next(request.query_params.get("next"))})


async def login(request: Request) -> Response:
    form = await form_data(request)
    raw_email = form.get("email", "").strip()
    next_path = safe_next(form.get("next"))
    email = _valid_email(raw_email)
    if email is None:
        return _login_refused(request, raw_email, next_path)
    st = state(request)
    clock = now(request)
    # Limits per client and per address, counted for unknown addresses too, so a 429
    # says nothing about whether an address has an account.
    ip_ok = await _client_within_limit(request, "rl-login-ip")
    if not (await _address_within_limit(request, email) and ip_ok):
        return await error_page(request, 429)
    browser_id = _browser_id(request)
    async with unit_of_work(request) as db:
        await service.request_link(
            db,
            mailer=st.mailer,
            email=email,
            browser_id=browser_id,
            next_path=next_path,
            now=clock,
        )
    return _check_inbox(request, browser_id)


def _valid_email(raw_email: str) -> str | None:
    """The address, normalised; None when it is not one. Whether it takes mail is not checked."""
    try:
        return validate_email(raw_email, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _login_refused(request: Request, raw_email: str, next_path: str | None) -> Response:
    error = (
        _("Enter your e-mail address.")
        if not raw_email
        else _("This does not look like an e-mail address. Check it and try again.")
    )
    return render(
        request,
        "auth/login.html",
        {"email": raw_email, "error": error, "next": next_path},
        status_code=422,
    )


def _check_inbox(
    request: Request, browser_id: str, *, error: str = "", status: int = 200
) -> Response:
    response = render(
        request,
        "auth/check_inbox.html",
        {"error": error, "minutes": state(request).settings.sign_in_link_minutes},
        status_code=status,
    )
    response.set_cookie(
        BROWSER_COOKIE,
        browser_id,
        max_age=3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=state(request).settings.https,
    )
    return response


async def confirm_page(request: Request) -> Response:
    """Shows one button and uses nothing: mail scanners open links before people do."""
    token = request.query_params.get("token", "")
    async with unit_of_work(request) as db:
        problem = (
            await links.inspect_token(
                db, keyring=state(request).keyring, token=token, now=now(request)
            )
            if token
            else links.Problem.UNKNOWN
        )
    if problem is not None:
        return _link_problem(
            request,
            links.Failed(problem, problem in (links.Problem.USED, links.Problem.EXPIRED)),
            token,
        )
    return render(request, "auth/confirm.html", {"token": token})


def _link_problem(request: Request, failed: links.Failed, token: str) -> Response:
    return render(
        request,
        "auth/link_problem.html",
        {"message": _problem_text(failed.problem), "token": token if failed.can_resend else ""},
        status_code=400,
    )


async def confirm(request: Request) -> Response:
    form = await form_data(request)
    st = state(request)
    token, code = form.get("token", "").strip(), form.get("code", "").strip()
    if not token and not code:
        return _check_inbox(
            request, _browser_id(request), error=_("Enter the code from the e-mail."), status=422
        )
    if code and not await _client_within_limit(request, "rl-code-ip"):
        return await error_page(request, 429)
    result = await (_confirm_link(request, token[:200]) if token else _confirm_code(request, code))
    if isinstance(result, links.Failed):
        if token:
            return _link_problem(request, result, token)
        return _check_inbox(
            request, _browser_id(request), error=_problem_text(result.problem), status=422
        )
    response = RedirectResponse(
        safe_next(result.next_path) or request.url_for("home").path, status_code=303
    )
    sessions.set_cookie(response, st.settings, result.session_id, result.max_age)
    response.delete_cookie(BROWSER_COOKIE, path="/")
    return response


async def _confirm_link(request: Request, token: str) -> signing.SignedIn | links.Failed:
    st = state(request)
    async with unit_of_work(request) as db:
        return await service.confirm_token(
            db,
            keyring=st.keyring,
            settings=st.settings,
            token=token,
            now=now(request),
            chosen_locale=request.cookies.get(LANG_COOKIE),
        )


async def _confirm_code(request: Request, code: str) -> signing.SignedIn | links.Failed:
    """Find this browser's code, count the attempt for its account, then compare: the
    count happens between two transactions, so no request holds a connection while the
    rate limiter needs another."""
    st, clock = state(request), now(request)
    async with unit_of_work(request) as db:
        waiting = await codes.waiting_code(
            db, keyring=st.keyring, browser_id=request.cookies.get(BROWSER_COOKIE), now=clock
        )
    if waiting is None:
        return links.Failed(links.Problem.NO_CODE)
    if not await codes.count_attempt(
        st.limiter, keyring=st.keyring, settings=st.settings, waiting=waiting, now=clock
    ):
        return links.Failed(links.Problem.TOO_MANY)
    async with unit_of_work(request) as db:
        return await codes.use_code(
            db,
            keyring=st.keyring,
            settings=st.settings,
            waiting=waiting,
            code=code[:20],
            now=clock,
            chosen_locale=request.cookies.get(LANG_COOKIE),
        )


async def resend(request: Request) -> Response:
    form = await form_data(request)
    st = state(request)
    token = form.get("token", "")[:200]
    if not await _client_within_limit(request, "rl-login-ip"):
        return await error_page(request, 429)
    async with unit_of_work(request) as db:
        owner = await links.link_owner(db, keyring=st.keyring, token=token)
    # The same count as POST /login for the owner's address: an old link must not be a
    # way around it (nor a way to flood someone's inbox).
    if owner and not await _address_within_limit(request, owner):
        return await error_page(request, 429)
    browser_id = _browser_id(request)
    async with unit_of_work(request) as db:
        await service.resend_for_token(
            db,
            mailer=st.mailer,
            token=token,
            browser_id=browser_id,
            now=now(request),
        )
    return _check_inbox(request, browser_id)


async def logout(request: Request) -> Response:
    user, session_id = current_user(request), request.state.session_id
    st = state(request)
    if user is not None and session_id:
        async with unit_of_work(request) as db:
            await signing.sign_out(
                db, keyring=st.keyring, user=user, session_id=session_id, now=now(request)
            )
    response = RedirectResponse(request.url_for("login").path + "?signed_out=1", status_code=303)
    sessions.clear_cookie(response, st.settings)
    return response


async def set_language(request: Request) -> Response:
    form = await form_data(request)
    locale = form.get("locale", "")
    target = safe_next(form.get("next")) or request.url_for("home").path
    response = RedirectResponse(target, status_code=303)
    if locale not in ("nl", "en"):
        return response
    user = current_user(request)
    if user is not None:
        async with unit_of_work(request) as db:
            await service.set_locale(db, user_id=user.id, locale=locale)  # type: ignore[arg-type]
    response.set_cookie(
        LANG_COOKIE,
        locale,
        max_age=365 * 86400,
        path="/",
        samesite="lax",
        secure=state(request).settings.https,
    )
    return response


routes = [
    Route("/login", login_form, methods=["GET"], name="login"),
    Route("/login", login, methods=["POST"], name="login_post"),
    Route("/login/confirm", confirm_page, methods=["GET"], name="confirm"),
    Route("/login/confirm", confirm, methods=["POST"], name="confirm_post"),
    Route("/login/resend", resend, methods=["POST"], name="resend"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/language", set_language, methods=["POST"], name="language"),
]
