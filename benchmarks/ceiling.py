"""The ceiling: the least a page of this stack can cost, served beside the portal.

Starlette, Jinja2 and async SQLAlchemy on the same database (the engine is made by the
portal's own ``make_engine``, with the same SQLite pragmas), served by uvicorn with one
worker and the portal's server options. One page, shaped like TechEmpower's "Fortunes":
one query for 12 rows of one table of the generated data (people's names), sorted in
Python, rendered as a small HTML table with autoescaping. No middleware, no session, no
translation: whatever the portal spends beyond this is the portal's own.

    python -m benchmarks.ceiling --database-url sqlite+aiosqlite:///build/benchmarks/b.db
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import jinja2
import sqlalchemy as sa
import uvicorn
from sqlmodel import col
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from portal.db import make_engine, session_factory
from portal.models import User

TEMPLATE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Ceiling</title></head>
<body>
<table>
<tr><th>id</th><th>name</th></tr>
{% for person in people %}<tr><td>{{ person.id }}</td><td>{{ person.name }}</td></tr>
{% endfor %}</table>
</body>
</html>
"""
ROWS = 12


def create_app(database_url: str) -> Starlette:
    engine = make_engine(database_url)
    factory = session_factory(engine)
    environment = jinja2.Environment(
        loader=jinja2.DictLoader({"ceiling.html": TEMPLATE}), autoescape=True
    )
    templates = Jinja2Templates(env=environment)
    people = (
        sa.select(col(User.id), col(User.name)).where(col(User.id) <= ROWS).order_by(col(User.id))
    )

    async def page(request: Request) -> Response:
        async with factory() as db:
            rows = sorted((await db.execute(people)).all(), key=lambda row: row.name)
        return templates.TemplateResponse(request, "ceiling.html", {"people": rows})

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engine.dispose()

    routes = [Route("/", page, methods=["GET"]), Route("/healthz", healthz, methods=["GET"])]
    return Starlette(routes=routes, lifespan=lifespan)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ceiling", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    # The portal's own server options (portal.cli._serve): one worker, no access log.
    config = uvicorn.Config(
        create_app(args.database_url),
        host=args.host,
        port=args.port,
        proxy_headers=False,
        access_log=False,
        log_config=None,
        server_header=False,
        lifespan="on",
    )
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
