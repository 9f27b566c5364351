"""Templating and the helpers every handler uses."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from jinja2_fragments.starlette import Jinja2Blocks
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, NoMatchFound, Route

from portal import i18n, markdown
from portal.config import LOCALES, TEMPLATES_DIR
from portal.db import transaction
from portal.models import User
from portal.state import AppState


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the whole process, shared by every app built in it.

    Templates do not change while the portal runs (auto_reload is off), so each one is
    parsed and compiled once, not once per app (the tests build hundreds of apps).
    """

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _MemoryBytecodeCache()


def make_templates() -> Jinja2Blocks:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        bytecode_cache=_BYTECODE,
        extensions=["jinja2.ext.i18n"],
        # Every HTML template and fragment is escaped; only plain-text e-mail is not HTML.
        autoescape=lambda name: not (name or "").endswith(".txt"),  # noqa: S701
        auto_reload=False,
    )
    templates = Jinja2Blocks(env=env)
    # Replaced by the app's own Paths (portal.app.create_app) once its routes exist; this
    # one serves templates rendered outside an app (none today) the slow, general way.
    env.globals["url_for"] = _path_for  # replaces Starlette's absolute-URL version
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext
    )
    env.globals.update(
        locales=LOCALES,
        get_locale=i18n.get_locale,
        HTMX_PATH="vendor/htmx-2.0.11/htmx.min.js",
        PICO_PATH="vendor/pico-2.1.1/pico.min.css",
    )
    env.filters.update(
        date=i18n.fmt_date,
        time=i18n.fmt_time,
        datetime=i18n.fmt_datetime,
        zone_name=i18n.zone_name,
        date_in=lambda value, zone: value.astimezone(ZoneInfo(zone)).date(),
        initials=initials,
        markdown=markdown.render,
        excerpt=markdown.plain_excerpt,
    )
    return templates


@jinja2.pass_context
def _path_for(context: dict[str, Any], name: str, /, **path_params: Any) -> str:
    """A named route's path: relative, so links never depend on the Host header."""
    request: Request = context["request"]
    return str(request.app.url_path_for(name, **path_params))


class Paths:
    """Named routes' paths, found by name in a dict.

    Starlette's ``url_path_for`` tries every route of the app in turn, and each miss raises
    and catches an exception: the visit page makes dozens of these calls (a picture's srcset
    alone is one per width), which cost 40 % of its time. The routes do not change after
    start-up, so each name is looked up once and the route builds its own path. Relative
    paths, so links never depend on the Host header.
    """

    def __init__(self, app: Any, *, static: Callable[[str], str] | None = None) -> None:
        self._app = app
        # url_for('static', path=...) -> the file's hashed, cached-for-a-year path
        # (portal.assets.StaticAssets.url_path).
        self._static = static
        self._routes: dict[str, Route] = {}
        for route in app.routes:
            if isinstance(route, Route):
                self._routes.setdefault(route.name, route)

    def __call__(self, name: str, /, **path_params: Any) -> str:
        if name == "static" and self._static is not None:
            return self._static(path_params["path"])
        route = self._routes.get(name)
        if route is not None:
            try:
                return str(route.url_path_for(name, **path_params))
            except NoMatchFound:
                pass  # another route of that name with other parameters: Starlette decides
        return str(self._app.url_path_for(name, **path_params))


def initials(name: str) -> str:
    """ "Sam de Vries" -> "SV": shown where a person has no photo."""
    words = name.split()
    if not words:
        return "?"
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


def is_htmx(request: Request) -> bool:
    """An htmx swap (not a history restore): answer with a fragment."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    block: str | None = None,
) -> Response:
    """The page, or only ``block`` of it for an htmx request.

    Validation errors answer 422 with the form; the htmx config in base.html tells htmx to
    swap 422 responses, so one convention serves both.
    """
    templates: Jinja2Blocks = request.app.state.templates
    ctx = {"user": current_user(request), **(context or {})}
    if block and is_htmx(request):
        response = templates.TemplateResponse(
            request, template, ctx, status_code=status_code, block_name=block
        )
    else:
        response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    response.headers["Vary"] = "HX-Request, Cookie, Accept-Language"
    return response


def redirect(request: Request, name: str, **path_params: Any) -> RedirectResponse:
    return RedirectResponse(request.url_for(name, **path_params).path, status_code=303)


def current_user(request: Request) -> User | None:
    return getattr(request.state, "user", None)


def require_user(request: Request) -> User:
    """The signed-in user; a visitor is sent to sign in (see the app's 401 handler)."""
    user = current_user(request)
    if user is None:
        raise HTTPException(status_code=401)
    return user


def require_hr(request: Request) -> User:
    """The signed-in HR person (or administrator); anyone else gets 404, never 403, so the
    HR workspace's addresses cannot be told apart from unknown ones."""
    user = require_user(request)
    if not user.role.is_hr:
        raise not_found()
    return user


def require_staff(request: Request) -> User:
    """The signed-in member of staff; a candidate gets 404 (see ``require_hr``)."""
    user = require_user(request)
    if not user.role.is_staff:
        raise not_found()
    return user


def not_found() -> HTTPException:
    # 404, never 403, for what the actor may not see: ids can't be probed.
    return HTTPException(status_code=404)


def now(request: Request) -> datetime:
    """The app's clock (injectable in tests)."""
    clock = request.app.state.clock
    result: datetime = clock()
    return result


@asynccontextmanager
async def unit_of_work(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction for the request; queued e-mail is handed to the worker after commit."""
    state = request.app.state
    async with transaction(state.db) as db:
        yield db
    worker = getattr(state, "worker", None)
    if worker is not None:
        worker.wake.set()


async def form_data(request: Request) -> dict[str, str]:
    """The text fields of a posted form (files are read by the handlers that take them)."""
    async with request.form(max_files=0, max_fields=100) as form:
        return {k: v for k, v in form.items() if isinstance(v, str)}


def state(request: Request) -> AppState:
    """The app's typed state (portal.state.AppState)."""
    app_state: AppState = request.app.state
    return app_state


class UploadRoute(Route):
    """A POST route whose form may carry a file, so its body may be as large as
    PORTAL_MAX_UPLOAD_BYTES allows; every other body keeps the small PORTAL_MAX_BODY_BYTES.
    The route declares it here; the app hands these routes' paths to the body limit."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *, name: str) -> None:
        super().__init__(path, endpoint, methods=["POST"], name=name)


def upload_paths(routes: Iterable[BaseRoute]) -> tuple[re.Pattern[str], ...]:
    """The path patterns of the routes that take uploads (for the body limit)."""
    return tuple(r.path_regex for r in routes if isinstance(r, UploadRoute))
