"""A live portal for the browser tests: uvicorn in a thread, a real SMTP server, Chromium.

The server runs the real app (``create_app``) on a fresh, migrated SQLite file holding the
demo data and the demo stories (their pictures in a temporary folder), with the SMTP e-mail
backend and the outbox worker on, so a sign-in e-mail travels the whole way: outbox,
worker, SMTP, and out of the inbox below.

The app's clock is the real one moved to 10:20 in Amsterdam (and running on from there):
the demo's visits are tomorrow, today from 09:30 to 15:00, and last month, so whatever
the hour the tests run at, today's visit is under way ("now" and "next" are known) and
tomorrow's is within the two days that bring its reminder.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import sqlite3
import threading
import time
import urllib.request
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from aiosmtpd.controller import Controller

from portal.app import create_app
from portal.config import Settings
from portal.demo import CANDIDATE, ZONE, demo_data, today_in_zone
from portal.models import utcnow
from tests.conftest import IN_CI, make_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Where the live server's day stands (see the module's docstring).
DEMO_TIME_OF_DAY = clock_time(10, 20)
LATE_CANDIDATE = "lotte.mulder@example.org"  # the demo's visit today
VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
BROWSER_LOCALES = {"nl": "nl-NL", "en": "en-US"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def in_thread(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in a thread of its own: sync Playwright owns this thread's event loop."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # handed back to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="browser-tests-helper")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


# ---- the SMTP server ---------------------------------------------------------------------


@dataclass
class Received:
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "the e-mail has no text part"
        content: str = part.get_content()  # type: ignore[attr-defined]
        return content


@dataclass
class Inbox:
    """What the SMTP server received, in order; tests wait for what they caused."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.changed:
            self.received.append(Received(list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
            self.changed.notify_all()
        return "250 Message accepted for delivery"

    def mark(self) -> int:
        with self.changed:
            return len(self.received)

    def wait_for(
        self,
        recipient: str,
        *,
        since: int,
        subjects: Collection[str] | None = None,
        timeout: float = 10.0,
    ) -> Received:
        """The first message to ``recipient`` received after ``mark()`` returned ``since``,
        with one of ``subjects`` when given (the worker also sends reminders, unasked)."""

        def wanted(r: Received) -> bool:
            # A long subject is folded onto a second header line and read back with the
            # fold's space in front; mail clients trim it, and so does this.
            return recipient in r.rcpt_tos and (
                subjects is None or str(r.message["Subject"]).strip() in subjects
            )

        def found() -> Received | None:
            return next((r for r in self.received[since:] if wanted(r)), None)

        with self.changed:
            self.changed.wait_for(lambda: found() is not None, timeout=timeout)
            hit = found()
            seen = [(r.rcpt_tos, r.message["Subject"]) for r in self.received[since:]]
        assert hit is not None, (
            f"no e-mail to {recipient} with a subject in {subjects} within {timeout} s; "
            f"received since: {seen}"
        )
        return hit


@pytest.fixture(scope="session")
def inbox() -> Iterator[Inbox]:
    box = Inbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


# ---- the portal --------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    settings: Settings
    db_path: Path
    clock: Callable[[], datetime]

    @property
    def today(self) -> date:
        """The date of the demo's visit today, in Amsterdam."""
        return today_in_zone(self.clock())

    def sql(self, statement: str, *params: Any) -> None:
        """A small write behind the app's back (test set-up only)."""
        with sqlite3.connect(self.db_path, timeout=15) as conn:
            conn.execute(statement, params)
        conn.close()


def demo_clock() -> Callable[[], datetime]:
    """The real clock, moved to ``DEMO_TIME_OF_DAY`` in Amsterdam today, running on."""
    real = utcnow()
    zone = ZoneInfo(ZONE)
    moved = datetime.combine(today_in_zone(real), DEMO_TIME_OF_DAY, tzinfo=zone)
    offset = moved - real
    return lambda: utcnow() + offset


def _prepare_database(settings: Settings, clock: Callable[[], datetime]) -> None:
    """Migrate, import the demo data and add the demo stories, as ``portal demo`` does."""
    from portal.db import make_engine, session_factory, transaction, upgrade
    from portal.demo import seed_template
    from portal.demo_stories import seed_stories
    from portal.imports.service import import_bytes
    from portal.pictures.storage import LocalStorage

    async def go() -> None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
            raw = json.dumps(demo_data(today_in_zone(clock())))
            async with transaction(session_factory(engine)) as db:
                await import_bytes(db, raw, now=clock())
                await seed_stories(db, LocalStorage(settings.media_dir), settings, now=clock())
                await seed_template(db, now=clock())
        finally:
            await engine.dispose()

    asyncio.run(go())


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live")
    db_path = folder / "portal.db"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = make_settings(
        f"sqlite+aiosqlite:///{db_path}",
        base_url=f"http://127.0.0.1:{port}",
        media_dir=folder / "media",  # the demo stories' pictures and the tests' uploads
        email_backend="smtp",
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_timeout_seconds=5.0,
        run_worker=True,
        # Every test signs the same candidate in, several times a minute, from one address.
        login_rate_per_address=1000,
        login_rate_per_client=1000,
    )
    clock = demo_clock()
    in_thread(lambda: _prepare_database(settings, clock))

    app = create_app(settings, clock=clock)
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )
    server = uvicorn.Server(config)

    def serve() -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(server.serve(sockets=[sock]))
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    thread = threading.Thread(target=serve, name="live-portal", daemon=True)
    thread.start()
    url = settings.base_url
    try:
        _wait_until_healthy(url, thread)
        yield LiveServer(url=url, settings=settings, db_path=db_path, clock=clock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), "the live server did not stop"


def _wait_until_healthy(url: str, thread: threading.Thread, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the live server stopped while starting")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1.0) as response:  # noqa: S310
                if response.status == 200:
                    return
                last = response.status
        except OSError as exc:  # refused while starting, or an HTTP error status
            last = exc
        time.sleep(0.05)
    raise RuntimeError(f"the live server did not answer /healthz with 200 in {timeout} s: {last!r}")


# ---- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install -y chromium)"
        if IN_CI:
            pytest.fail(f"CI=true but {reason}: browser tests must run in CI")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    manager = sync_playwright()
    playwright = manager.start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(autouse=True)
def candidates_speak_dutch(browser: Any, live_server: LiveServer) -> None:
    """The language switch stores the choice on the account: start every test from Dutch.
    And with no sign-in counted yet: the same few people sign in by code dozens of times a
    session, far past the allowance of codes an account gets per 15 minutes (those limits
    have their own tests in tests/auth).

    (``browser`` first: without Chromium the test skips before a server starts.)
    """
    live_server.sql(
        "UPDATE users SET locale = 'nl' WHERE email IN (?, ?)", CANDIDATE, LATE_CANDIDATE
    )
    live_server.sql("DELETE FROM rate_limit_hits")


@pytest.fixture
def open_page(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """``open_page(viewport, lang)``: a page in a fresh browser context, closed afterwards.

    The browser sits in Amsterdam, as the demo's candidates do (the page adds "your time"
    only for a reader elsewhere). Other keywords go to ``browser.new_context``.
    """
    contexts: list[Any] = []

    def make(viewport: str, lang: str = "nl", **options: Any) -> Any:
        context = browser.new_context(
            base_url=live_server.url,
            locale=BROWSER_LOCALES[lang],
            timezone_id=ZONE,
            **VIEWPORTS[viewport],
            **options,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
