"""Error pages: plain, translated, and never a stack trace."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.i18n import gettext as _
from portal.logs import safe_traceback

log = logging.getLogger("portal.errors")


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("We could not understand that request.")),
        403: (
            _("This form has expired"),
            _("Please go back, reload the page and try again."),
        ),
        404: (
            _("Page not found"),
            _("This page does not exist, or it is not meant for you."),
        ),
        405: (_("Not allowed"), _("That action is not possible here.")),
        413: (
            _("Too much data"),
            _("What you sent is larger than we accept. Please shorten it and try again."),
        ),
        429: (
            _("Too many attempts"),
            _("Please wait a few minutes and try again."),
        ),
        500: (
            _("Something went wrong"),
            _("Our apologies. Please try again in a moment."),
        ),
    }


async def error_page(request: Request, status: int) -> Response:
    from portal.web import render

    title, text = _messages().get(status, _messages()[400])
    return render(request, "errors/error.html", {"title": title, "text": text}, status_code=status)


async def http_exception(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 401:
        # Not signed in: go and sign in, then come back here.
        from urllib.parse import urlencode

        target = request.url.path
        login = request.url_for("login").path
        return RedirectResponse(f"{login}?{urlencode({'next': target})}", status_code=303)
    return await error_page(request, status)


async def server_error(request: Request, exc: Exception) -> Response:
    # The last resort: log the failure with the request id, show the person a plain page.
    # The traceback goes without the exceptions' messages (they can quote personal data)
    # and the path without its query string (it can hold a sign-in token or a search).
    log.error("unhandled error on %s %s\n%s", request.method, request.url.path, safe_traceback(exc))
    return await error_page(request, 500)
