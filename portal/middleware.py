"""Pure ASGI middleware: request context, headers, body limit, sessions, locale, CSRF."""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import unquote_plus, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from portal import i18n
from portal.config import LOCALES, Settings
from portal.logs import request_id_var
from portal.models import User
from portal.security import Keyring

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("portal.access")
security_log = logging.getLogger("portal.security")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_COOKIE = "portal_csrf"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",  # no inline script, no eval (htmx runs with allowEval=false)
        "style-src 'self'",
        "img-src 'self' data:",  # Pico CSS draws its icons as data: SVGs
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


# Control characters (NUL included) have no place in a URL of the portal: PostgreSQL
# refuses NUL in text, and a line break in a logged path would forge a log line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Longer than any path segment the portal makes: ids are 22 characters (columns hold 32),
# story slugs at most 100.
MAX_SEGMENT = 200


class BodyTooLarge(Exception):
    pass


def odd_target(scope: Scope) -> int | None:
    """404 for a path no route of the portal can have (a control character, or a segment
    longer than any id or slug), 400 for a query string holding a control character;
    None for everything else.

    Checked once here, before sessions, routing and handlers, so no loader or filter can
    forget it: a NUL reaches neither the database nor int(), and no handler has to guard
    its ids one by one. The status is what the route would answer for an id that does not
    exist (404); a query is refused as a bad request (400).
    """
    path = scope["path"]
    if _CONTROL.search(path) or any(len(part) > MAX_SEGMENT for part in path.split("/")):
        return 404
    query = scope.get("query_string", b"")
    if query and _CONTROL.search(unquote_plus(query.decode("latin-1"))):
        return 400
    return None


class RequestContextMiddleware:
    """Request id, an access log without query strings, security headers, a body limit."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        https: bool,
        upload_paths: tuple[re.Pattern[str], ...] = (),
        max_upload_bytes: int = 0,
    ) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.https = https
        # Routes whose form carries a file (portal.web.UploadRoute) may take a larger body;
        # every other body keeps the small limit.
        self.upload_paths = upload_paths
        self.max_upload = max(max_upload_bytes + 512 * 1024, max_body_bytes)

    def _limit(self, path: str) -> int:
        takes_upload = any(pattern.match(path) for pattern in self.upload_paths)
        return self.max_upload if takes_upload else self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        is_static = scope["path"].startswith("/static/")

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                # The sign-in token travels in a URL: never hand it to another site.
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
                headers.setdefault("X-Request-ID", request_id)
                if self.https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
                if scope["path"].startswith("/media/"):
                    # Pictures set their own (private) caching: they never change under an id.
                    headers.setdefault("Cache-Control", "no-store")
                elif not is_static:
                    # Pages carry personal data and one-time links: no cache keeps them.
                    headers["Cache-Control"] = "no-store"
            await send(message)

        length = _content_length(scope)
        limit = self._limit(scope["path"])
        refused = odd_target(scope)
        try:
            if refused is not None:
                await _refuse(scope, receive, send_wrapper, refused)
            elif length is not None and length > limit:
                await _too_large(scope, receive, send_wrapper)
            else:
                await self.app(scope, _limited(receive, limit), send_wrapper)
        except BodyTooLarge:
            await _too_large(scope, receive, send_wrapper)
        finally:
            # The path only: query strings may hold a sign-in token. The actor by public id
            # (never a name or address), so a refusal (403, 404) says who was refused.
            actor = (scope.get("state") or {}).get("user")
            access_log.info(
                "%s %s %s %.1fms by %s",
                scope["method"],
                _CONTROL.sub("?", scope["path"][:500]),
                status,
                (time.perf_counter() - started) * 1000,
                getattr(actor, "public_id", None) or "-",
            )
            request_id_var.reset(token)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _limited(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge
        return message

    return wrapped


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    await _refuse(scope, receive, send, 413)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int) -> None:
    """An error page before sessions are loaded: in the language the browser chose."""
    from portal.errors import error_page

    request = Request(scope, receive)
    i18n.set_locale(
        _known(request.cookies.get(i18n.LANG_COOKIE))
        or i18n.negotiate(
            request.headers.get("accept-language", ""),
            request.app.state.settings.default_locale,
        )
    )
    response = await error_page(request, status)
    await response(scope, receive, send)


class SessionStore(Protocol):
    """Where sessions live (``portal.auth.sessions``, handed in by the app: the plumbing
    imports no feature)."""

    def cookie_name(self, settings: Settings) -> str: ...

    async def load(
        self,
        *,
        factory: async_sessionmaker[AsyncSession],
        keyring: Keyring,
        settings: Settings,
        session_id: str,
        now: datetime,
    ) -> User | None: ...


class SessionMiddleware:
    """Loads the signed-in user (one indexed query) and picks the reader's language."""

    def __init__(self, app: ASGIApp, *, sessions: SessionStore) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        sessions = self.sessions
        conn = HTTPConnection(scope)
        state = conn.state
        portal = conn.app.state
        state.user = None
        state.session_id = None
        cookie = conn.cookies.get(sessions.cookie_name(portal.settings))
        if cookie:
            user = await sessions.load(
                factory=portal.db,
                keyring=portal.keyring,
                settings=portal.settings,
                session_id=cookie,
                now=portal.clock(),
            )
            if user is not None:
                state.user = user
                state.session_id = cookie
        chosen = state.user.locale if state.user is not None else None
        i18n.set_locale(
            chosen
            or _known(conn.cookies.get(i18n.LANG_COOKIE))
            or i18n.negotiate(
                conn.headers.get("accept-language", ""), portal.settings.default_locale
            )
        )
        await self.app(scope, receive, send)


def _known(locale: str | None) -> str | None:
    return locale if locale in LOCALES else None


class CSRFMiddleware:
    """Every state change needs a CSRF token and a same-site origin.

    The token is an HMAC of the session id (signed in) or of a random cookie (signed out),
    masked with a new random pad in every response, sent back in the form's ``csrf_token``
    field or the ``X-CSRF-Token`` header, and checked here for every unsafe method so no
    handler can forget it. The body is read
    once (it is already size-limited) and replayed to the app.
    """

    def __init__(self, app: ASGIApp, *, base_url: str) -> None:
        self.app = app
        self.base_origin = _origin(base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        keyring = request.app.state.keyring
        anon_cookie = request.cookies.get(CSRF_COOKIE)
        new_cookie = None
        if request.state.session_id:
            binding = "session:" + request.state.session_id
        else:
            if not anon_cookie or len(anon_cookie) > 64:
                anon_cookie = new_cookie = secrets.token_urlsafe(24)
            binding = "anon:" + anon_cookie
        # Masked afresh for this response (Keyring.csrf_token): pages are compressed, and a
        # secret repeated across compressed responses could be read from their sizes.
        request.state.csrf_token = keyring.csrf_token(binding)

        if scope["method"] not in SAFE_METHODS:
            body = await request.body()
            reason = await self._refusal(request, body, binding)
            if reason:
                security_log.warning("csrf refused: %s on %s", reason, scope["path"])
                from portal.errors import error_page

                response: Response = await error_page(request, 403)
                await response(scope, receive, send)
                return
            receive = _replay(body, receive)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and new_cookie:
                # HttpOnly: the token reaches forms through the page, never through JS.
                headers = MutableHeaders(scope=message)
                secure = "; Secure" if self.base_origin.startswith("https") else ""
                headers.append(
                    "Set-Cookie",
                    f"{CSRF_COOKIE}={new_cookie}; Path=/; HttpOnly; SameSite=Lax{secure}",
                )
            await send(message)

        await self.app(scope, receive, send_wrapper)

    async def _refusal(self, request: Request, body: bytes, binding: str) -> str | None:
        fetch_site = request.headers.get("sec-fetch-site")
        if fetch_site in ("cross-site", "same-site"):
            return f"{fetch_site} request"
        origin = request.headers.get("origin")
        # Under Referrer-Policy: no-referrer browsers send "Origin: null" with our own form
        # posts, so a null origin proves nothing either way; the token below decides.
        if origin and origin != "null":
            own = f"{request.url.scheme}://{request.headers.get('host', '')}"
            if origin not in (self.base_origin, own):
                return "foreign origin"
        token = request.headers.get("x-csrf-token") or await _form_token(request.scope, body)
        if not request.app.state.keyring.csrf_valid(binding, token or ""):
            return "missing or wrong token"
        return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def _form_token(scope: Scope, body: bytes) -> str | None:
    """The ``csrf_token`` field of a form body, parsed by Starlette's own form parser."""
    copy = Request(scope, _replay(body, None))
    content_type = copy.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    try:
        async with copy.form(max_files=10, max_fields=200) as form:
            value = form.get("csrf_token")
    except Exception:  # a malformed body is refused as having no token
        return None
    return value if isinstance(value, str) else None


def _replay(body: bytes, then: Receive | None) -> Receive:
    """A receive channel that hands the app the body we already read."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive
