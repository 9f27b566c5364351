"""The ``portal`` command (also ``python -m portal``)."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from portal import logs
from portal.config import Settings

T = TypeVar("T")


async def _with_db(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    from portal.db import make_engine, session_factory, transaction, upgrade

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with transaction(session_factory(engine)) as db:
            return await work(db)
    finally:
        await engine.dispose()


def _migrate(settings: Settings) -> None:
    from portal.db import make_engine, upgrade

    async def run() -> None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())


def _migrate_apart(settings: Settings) -> bool:
    """Migrate in a short-lived child process; False when that failed.

    The serving process then never imports Alembic, Mako and Pygments (about 10 MB of a
    worker's memory for the whole time it runs, used once at start-up).
    """
    import multiprocessing

    child = multiprocessing.get_context("spawn").Process(target=_migrate, args=(settings,))
    child.start()
    child.join()
    return child.exitcode == 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    _migrate(settings)
    print("database is up to date")
    return 0


def cmd_users_create(args: argparse.Namespace, settings: Settings) -> int:
    from portal.users import create_user

    async def work(db: Any) -> str:
        return await create_user(db, email=args.email, name=args.name, role=args.role)

    try:
        message = asyncio.run(_with_db(settings, work))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(message)
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from portal import i18n
    from portal.config import resolve_secret_key
    from portal.imports.service import ImportProblems, PhotoSource, import_bytes, notifier
    from portal.mail.mailer import Mailer
    from portal.models import utcnow
    from portal.pictures.storage import LocalStorage
    from portal.security import Keyring
    from portal.web import make_templates

    try:
        raw = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    # Portraits named in the file are read from the file's folder.
    photos = PhotoSource(
        folder=Path(args.file).resolve().parent,
        storage=LocalStorage(settings.media_dir),
        settings=settings,
    )
    i18n.set_locale("en")  # problems are reported in English, like the format's reference

    def progress(message: str) -> None:
        # On stderr, so stdout keeps only the result (for scripts that read it).
        print(f"{args.file}: {message}", file=sys.stderr, flush=True)

    async def work(db: Any) -> Any:
        now = utcnow()
        keyring = Keyring(resolve_secret_key(settings), settings.old_keys())
        mailer = Mailer(
            settings=settings, templates=make_templates(), keyring=keyring, clock=utcnow
        )
        notify = notifier(mailer=mailer, now=now)
        return await import_bytes(
            db,
            raw,
            now=now,
            photos=photos,
            notify=notify,
            progress=None if args.quiet else progress,
            details={"source": "command line", "file": Path(args.file).name[:100]},
        )

    try:
        report = asyncio.run(_with_db(settings, work))
    except ImportProblems as exc:
        print(
            f"{args.file}: nothing was imported; {len(exc.problems)} problem(s):", file=sys.stderr
        )
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    new, updated = report.created, report.updated
    print(
        f"imported {args.file}: staff {new['staff']} new, {updated['staff']} updated; "
        f"visits {new['visits']} new, {updated['visits']} updated; "
        f"{report.notified} candidate(s) told of a changed programme"
    )
    return 0


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    """Run the retention job now; prints the counts per kind (never names)."""
    from datetime import UTC, datetime

    from portal.db import make_engine, session_factory, upgrade
    from portal.privacy.retention import Rules, run_retention

    async def run() -> Any:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
            return await run_retention(
                session_factory(engine),
                datetime.now(UTC),
                dry_run=args.dry_run,
                rules=Rules.of(settings),
            )
        finally:
            await engine.dispose()

    counts = asyncio.run(run())
    verb = "would erase" if args.dry_run else "erased"
    print(f"{verb} {counts.get('candidates', 0)} candidate(s)")
    for kind in sorted(counts):
        if kind != "candidates":
            print(f"  {kind}: {counts[kind]}")
    return 0


def _bind(host: str, port: int) -> socket.socket | None:
    """The listening socket, taken before anything is printed; None (and a message) when the
    address is in use, so nobody is shown sign-in links for a portal that never starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not the default 0: asyncio turns Nagle's algorithm off
    # (TCP_NODELAY) only on connections whose socket says it is TCP, and accepted
    # connections inherit the listening socket's proto. Without it every response on a
    # kept-alive connection waited ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        print(
            f"error: cannot listen on {host}:{port} ({exc.strerror or exc}). Is another "
            f"portal running there? Stop it, or choose another port with --port.",
            file=sys.stderr,
        )
        return None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _serve(app: Any, sock: socket.socket) -> None:
    import uvicorn

    # proxy_headers off: the app decides itself which proxies it trusts (PORTAL_TRUSTED_PROXIES).
    config = uvicorn.Config(
        app,
        proxy_headers=False,
        access_log=False,
        log_config=None,
        server_header=False,
        lifespan="on",
    )
    uvicorn.Server(config).run(sockets=[sock])


def _console_mail_refused(settings: Settings, command: str) -> bool:
    """The console backend prints whole e-mails, live sign-in links included, into the log:
    fine for the demo on a laptop, a leak on a real server (logs are kept and shipped)."""
    if settings.https and settings.email_backend == "console":
        print(
            f"error: `portal {command}` will not start with the console e-mail backend while "
            f"PORTAL_BASE_URL is https ({settings.base_url}): it would write sign-in links "
            "into the log. Set PORTAL_EMAIL_BACKEND=smtp with PORTAL_SMTP_HOST (and "
            "PORTAL_SMTP_PORT, PORTAL_SMTP_USERNAME, PORTAL_SMTP_PASSWORD, "
            "PORTAL_SMTP_STARTTLS as your mail server needs).",
            file=sys.stderr,
        )
        return True
    return False


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from portal.app import create_app

    if _console_mail_refused(settings, "serve"):
        return 2
    if not _migrate_apart(settings):
        print("error: the database could not be migrated (see above)", file=sys.stderr)
        return 1
    sock = _bind(args.host, args.port)
    if sock is None:
        return 1
    if args.workers > 1:
        import uvicorn

        sock.close()  # uvicorn's supervisor binds its own socket for the worker processes

        uvicorn.run(
            "portal.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=False,
            access_log=False,
            log_config=None,
            server_header=False,
        )
        return 0
    _serve(create_app(settings), sock)
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from portal.app import create_app

    if _console_mail_refused(settings, "worker"):
        return 2
    app = create_app(settings.model_copy(update={"run_worker": False}))

    async def run() -> None:
        from portal import state
        from portal.jobs import default_jobs
        from portal.worker import Worker

        try:
            await Worker(state.of(app), interval=2.0, jobs=default_jobs()).run()
        finally:
            await state.of(app).engine.dispose()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from portal import state
    from portal.app import create_app
    from portal.demo import demo_links, load_demo, privacy_settings

    updates: dict[str, Any] = {"email_backend": "console", **privacy_settings(settings)}
    if "PORTAL_BASE_URL" not in _env():
        updates["base_url"] = f"http://{args.host}:{args.port}"
    settings = settings.model_copy(update=updates)
    sock = _bind(args.host, args.port)
    if sock is None:
        return 1
    app = create_app(settings)
    keyring = state.of(app).keyring
    asyncio.run(load_demo(settings, keyring))
    links = asyncio.run(demo_links(settings, keyring))
    print("\nThe candidate portal's demo is running. Sign in with one of these links:\n")
    for role, name, link in links:
        print(f"  {role:<10} {name}\n             {link}\n")
    print(
        "Sign-in e-mails are printed here (console e-mail backend). Stop with Ctrl+C.\n", flush=True
    )
    _serve(app, sock)
    return 0


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description="Candidate visit portal")
    sub = parser.add_subparsers(dest="command", required=True)

    for name, helptext in (
        ("demo", "start with demo data on SQLite"),
        ("serve", "run the web app"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        if name == "serve":
            p.add_argument("--workers", type=int, default=1)
    sub.add_parser("worker", help="deliver queued e-mail (when not run inside `serve`)")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    users = sub.add_parser("users", help="accounts")
    users.add_argument("action", choices=["create"])
    users.add_argument("--email", required=True)
    users.add_argument("--name", required=True)
    users.add_argument("--role", required=True, choices=["candidate", "employee", "hr", "admin"])
    purge = sub.add_parser(
        "purge", help="erase the candidates whose retention period is over (see README)"
    )
    purge.add_argument("--dry-run", action="store_true", help="print the counts, erase nothing")
    imp = sub.add_parser("import", help="import visits from a JSON or CSV file (see README)")
    imp.add_argument("file", help="JSON or CSV, told apart by the content")
    imp.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "demo": cmd_demo,
    "serve": cmd_serve,
    "worker": cmd_worker,
    "db": cmd_db_upgrade,
    "users": cmd_users_create,
    "import": cmd_import,
    "purge": cmd_purge,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logs.configure()
    try:
        settings = Settings()
    except Exception as exc:  # a bad setting: say which, without a traceback
        print(f"error in the settings: {exc}", file=sys.stderr)
        return 2
    return COMMANDS[args.command](args, settings)
