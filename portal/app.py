"""The application factory: ``portal.app:create_app``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route

from portal import errors, i18n, state
from portal.assets import Compression, StaticAssets
from portal.auth import sessions as auth_sessions
from portal.auth.routes import routes as auth_routes
from portal.calendar.routes import routes as calendar_routes
from portal.config import STATIC_DIR, Settings, resolve_secret_key
from portal.dashboard.routes import routes as dashboard_routes
from portal.db import make_engine, ping, session_factory
from portal.imports.routes import routes as import_routes
from portal.jobs import default_jobs
from portal.locations.routes import routes as location_routes
from portal.mail.backends import EmailBackend, make_backend
from portal.mail.mailer import Mailer
from portal.media.routes import routes as media_routes
from portal.middleware import CSRFMiddleware, RequestContextMiddleware, SessionMiddleware
from portal.models import utcnow
from portal.pictures.storage import LocalStorage
from portal.planning.routes import routes as planning_routes
from portal.preferences.routes import routes as preference_routes
from portal.privacy.me_routes import routes as my_privacy_routes
from portal.privacy.routes import routes as privacy_routes
from portal.questions.routes import routes as question_routes
from portal.ratelimit import make_limiter
from portal.security import Keyring
from portal.staff.routes import routes as staff_routes
from portal.state import AppState
from portal.stories.routes import routes as story_routes
from portal.visits.routes import routes as visit_routes
from portal.web import Paths, make_templates, upload_paths
from portal.worker import Worker


async def healthz(request: Request) -> Response:
    try:
        async with request.app.state.engine.connect() as conn:
            await ping(conn)
    except Exception:
        return PlainTextResponse("database unavailable", status_code=503)
    return PlainTextResponse("ok")


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
    email_backend: EmailBackend | None = None,
) -> Starlette:
    """Build the app. Everything that can be done once (keys, catalogs, templates) is done here."""
    settings = settings or Settings()
    i18n.load_all()
    engine = make_engine(settings.database_url)
    factory = session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = None
        if settings.run_worker:
            portal = state.of(app)
            worker = Worker(portal, jobs=default_jobs())
            portal.worker = worker
            task = asyncio.create_task(worker.run())
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await state.of(app).limiter.close()
            await engine.dispose()

    # Read, hashed and compressed once per process (portal.assets).
    assets = StaticAssets(STATIC_DIR)
    routes = [
        Route("/healthz", healthz, methods=["GET"], name="healthz"),
        *auth_routes,
        *visit_routes,
        *calendar_routes,
        *staff_routes,
        *preference_routes,
        *question_routes,
        *story_routes,
        *dashboard_routes,
        *planning_routes,
        *location_routes,
        *import_routes,
        *media_routes,
        *privacy_routes,
        *my_privacy_routes,
        Mount("/static", app=assets, name="static"),
    ]
    app = Starlette(
        debug=settings.debug,
        routes=routes,
        middleware=[
            # Outermost: it compresses what the others have finished, their headers included.
            Middleware(Compression),
            Middleware(
                RequestContextMiddleware,
                max_body_bytes=settings.max_body_bytes,
                # The routes that declare uploads (portal.web.UploadRoute), not a list here.
                upload_paths=upload_paths(routes),
                max_upload_bytes=settings.max_upload_bytes,
                https=settings.https,
            ),
            Middleware(SessionMiddleware, sessions=auth_sessions),
            Middleware(CSRFMiddleware, base_url=settings.base_url),
        ],
        exception_handlers={HTTPException: errors.http_exception, 500: errors.server_error},
        lifespan=lifespan,
    )
    templates = make_templates()
    templates.env.globals["url_for"] = Paths(app, static=assets.url_path)
    templates.env.globals["company_name"] = settings.company_name
    templates.env.globals["default_zone"] = settings.default_timezone
    keyring = Keyring(resolve_secret_key(settings), settings.old_keys())
    # Starlette's own app.state is an untyped bag; the portal's state is one typed object in
    # its place (Starlette itself never reads app.state), so request.app.state is typed.
    app.state = AppState(  # type: ignore[assignment]
        settings=settings,
        engine=engine,
        db=factory,
        keyring=keyring,
        templates=templates,
        limiter=make_limiter(factory, engine.dialect.name, settings.redis_url),
        email_backend=email_backend or make_backend(settings),
        storage=LocalStorage(settings.media_dir),
        clock=clock,
        mailer=Mailer(settings=settings, templates=templates, keyring=keyring, clock=clock),
    )
    return app
