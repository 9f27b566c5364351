"""axe-core on every page of HR's workspace and of staff's own pages, found from the routes.

The pages are not listed by hand: every GET route of the app whose path is under ``/hr``
or ``/me`` is checked, so a new HR page is checked the day it appears. Each page is loaded
at desktop and at phone width, signed in as HR (Fatima); the ``/me`` pages also as an
employee (Noor). axe-core runs with every ``<details>`` open, so that the forms folded
inside (such as the agenda builder's) are checked too. Apart from axe-core, which does not
check it, each page must fit a phone without scrolling sideways.

A path parameter is filled from the live server's demo data by ``SAMPLES``; a route with a
parameter that ``SAMPLES`` does not know FAILS, on purpose, until someone adds a sample (so
no page escapes the check). Routes that answer with a piece of a page for htmx are listed
in ``FRAGMENTS`` with a query that gives them content and a reason; they are fetched as
htmx does and checked inside a real page. A route that answers anything else than a whole
HTML page without being listed fails too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from starlette.routing import BaseRoute, Mount, Route

from portal.app import create_app
from portal.config import Settings
from portal.demo import EMPLOYEE, HR, ZONE
from tests.browser.conftest import BROWSER_LOCALES, VIEWPORTS, LiveServer
from tests.browser.pages import AXE, rows, sign_in_with_link
from tests.conftest import make_settings

pytestmark = pytest.mark.browser

PREFIXES = ("/hr", "/me")
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


# ---- the routes --------------------------------------------------------------------------


def _walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from _walk(route.routes, prefix + route.path)
        else:
            yield prefix + getattr(route, "path", ""), route


def checked_paths(settings: Settings) -> list[str]:
    """The GET routes under /hr and /me of the app ``create_app`` builds, in its order."""
    paths = []
    for path, route in _walk(create_app(settings).routes):
        if not isinstance(route, Route) or "GET" not in (route.methods or ()):
            continue
        if any(path == p or path.startswith(p + "/") for p in PREFIXES) and path not in paths:
            paths.append(path)
    return paths


# Read when the tests are collected, for one test per route (the routes do not depend on
# the settings; test_the_sweep_sees_the_live_apps_routes makes sure).
PATHS = checked_paths(make_settings("sqlite+aiosqlite://"))


# ---- sample values for the path parameters ----------------------------------------------

# (path parameters, query string): one address of a route.
Sample = tuple[dict[str, str], str]
Samples = Callable[[LiveServer, str], list[Sample]]


def _ids(live_server: LiveServer, name: str, statement: str, *params: Any) -> list[Sample]:
    return [({name: public_id}, "") for (public_id,) in rows(live_server, statement, *params)]


def _visits(live_server: LiveServer, viewer: str) -> list[Sample]:
    """The demo's three visits: today's (under way), tomorrow's, last month's."""
    return _ids(
        live_server,
        "id",
        "SELECT public_id FROM visits WHERE external_id LIKE 'demo-%' ORDER BY starts_at",
    )


def _stories(live_server: LiveServer, viewer: str) -> list[Sample]:
    """A story in each state there is (published, in review, changes asked, …)."""
    return _ids(
        live_server,
        "id",
        "SELECT public_id FROM stories WHERE id IN (SELECT MIN(id) FROM stories GROUP BY status)"
        " ORDER BY status",
    )


def _own_stories(live_server: LiveServer, viewer: str) -> list[Sample]:
    """The viewer's own stories, one in each state they have."""
    return _ids(
        live_server,
        "id",
        "SELECT public_id FROM stories WHERE id IN (SELECT MIN(s.id) FROM stories s"
        " JOIN users u ON u.id = s.author_id WHERE u.email = ? GROUP BY s.status)"
        " ORDER BY status",
        viewer,
    )


def _people(live_server: LiveServer, viewer: str) -> list[Sample]:
    """Staff: HR herself, an employee, an administrator, one hidden from candidates."""
    return _ids(
        live_server,
        "id",
        "SELECT public_id FROM users WHERE email IN (?, ?, ?, ?) ORDER BY email",
        HR,
        EMPLOYEE,
        "yusuf.demir@zuiderlicht.example",
        "jeroen.smit@zuiderlicht.example",
    )


def _locations(live_server: LiveServer, viewer: str) -> list[Sample]:
    return _ids(live_server, "id", "SELECT public_id FROM locations ORDER BY name")


def _with_queries(*queries: str) -> Samples:
    """A route without parameters, at its plain address and with these queries."""
    return lambda live_server, viewer: [({}, "")] + [({}, q) for q in queries]


SAMPLES: dict[str, Samples] = {
    "/hr/visits/{id}": _visits,
    "/hr/stories/{id}": _stories,
    "/hr/people/{id}": _people,
    "/hr/locations/{id}": _locations,
    "/me/stories/{id}": _own_stories,
    # Other states of pages without parameters: every visit, past ones too; the answered
    # questions; a search that finds nobody.
    "/hr/visits": _with_queries("?since=2000-01-01"),
    "/hr/questions": _with_queries("?status=answered"),
    "/hr/people": _with_queries("?q=zzzz"),
}


@dataclass(frozen=True)
class Fragment:
    queries: tuple[str, ...]  # each makes the route answer with content
    reason: str


FRAGMENTS: dict[str, Fragment] = {
    "/hr/staff-search": Fragment(
        queries=("?search=Bakker&key=new", "?search=zzzz&key=new"),
        reason="htmx search-as-you-type in an agenda item's form: the matching colleagues "
        "as checkboxes (or 'no colleague matches'), swapped into the form",
    ),
}

# Routes that answer with something else than an HTML page (a file), with the reason; the
# sweep leaves them out.
NOT_PAGES: dict[str, str] = {
    "/me/privacy/export": "the candidate's data as a JSON download (tests/privacy/test_export.py)",
    "/hr/visits/{id}/export": "a candidate's data as a JSON download, for HR "
    "(tests/privacy/test_export.py)",
}

# Pages checked with axe elsewhere (by their own reader, or with data the demo lacks).
CHECKED_ELSEWHERE: dict[str, str] = {
    "/hr/questions/{id}/route": "a question's route page: the demo has no questions; "
    "tests/browser/test_questions_flow.py checks it (axe, phone width) with the one it asks",
    "/me/privacy": "the candidate's own privacy page (404 to staff): "
    "tests/browser/test_sign_in_flow.py::test_pages_pass_axe checks it as the candidate",
}


def addresses(path: str, live_server: LiveServer, viewer: str) -> list[str]:
    """Every address to check for ``path`` as ``viewer`` sees it; fails without samples."""
    needed = [m.group(1) for m in PARAM.finditer(path)]
    if path in SAMPLES:
        samples = SAMPLES[path](live_server, viewer)
    elif path in FRAGMENTS:
        samples = [({}, query) for query in FRAGMENTS[path].queries]
    elif not needed:
        samples = [({}, "")]
    else:
        pytest.fail(
            f"{path} has path parameters ({', '.join(needed)}) and no sample values: add "
            f"an entry to SAMPLES in {__name__} that picks real ids from the demo data"
        )
    assert samples, f"SAMPLES found no ids for {path} as {viewer} in the demo data"
    found = []
    for params, query in samples:
        missing = [name for name in needed if name not in params]
        assert not missing, f"the samples for {path} give no value for {missing}"
        values = {name: quote(value, safe="") for name, value in params.items()}
        found.append(PARAM.sub(lambda m, v=values: v[m.group(1)], path) + query)
    return found


def viewers(path: str) -> list[str]:
    return [HR, EMPLOYEE] if path == "/me" or path.startswith("/me/") else [HR]


# ---- signing in once, checking a page ---------------------------------------------------


@pytest.fixture(scope="module")
def signed_in(browser: Any, live_server: LiveServer, inbox: Any) -> dict[str, Any]:
    """Each viewer's cookies, from one sign-in by the e-mailed link."""
    states = {}
    for email in (HR, EMPLOYEE):
        context = browser.new_context(
            base_url=live_server.url, locale=BROWSER_LOCALES["nl"], timezone_id=ZONE
        )
        context.set_default_timeout(10_000)
        try:
            sign_in_with_link(context.new_page(), inbox, live_server, "nl", email)
            states[email] = context.storage_state()
        finally:
            context.close()
    return states


def axe_violations(page: Any, what: str) -> list[str]:
    violations = AXE.run(page).response["violations"]
    return [
        f"{what}: {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(
            f"    {', '.join(map(str, n['target']))}: {n['html'][:200]}" for n in v["nodes"]
        )
        for v in violations
    ]


def load(page: Any, address: str, what: str) -> list[str]:
    """Open ``address``: what is wrong if it is not a whole HTML page, there, with 200."""
    response = page.goto(address)
    assert response is not None, address
    if response.status != 200:
        return [f"{what}: HTTP {response.status}"]
    url = urlsplit(page.url)
    if url.path + (f"?{url.query}" if url.query else "") != address:
        return [f"{what}: redirected to {page.url}"]
    kind = response.headers.get("content-type", "")
    if not kind.startswith("text/html"):
        return [f"{what}: answers {kind!r}, not a page: list the route in NOT_PAGES, with why"]
    if not re.match(r"\s*<!doctype html", response.text(), re.IGNORECASE):
        return [f"{what}: answers a piece of a page: list the route in FRAGMENTS, with why"]
    return []


def open_every_details(page: Any) -> bool:
    """Unfold every ``<details>`` (the forms folded inside); False when there is none."""
    if not page.locator("details:not([open])").count():
        return False
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    return True


def check_page(page: Any, address: str, what: str, viewport: str) -> list[str]:
    """axe-core once, with every ``<details>`` open (it skips what is folded away, and
    unfolding hides nothing that was shown); at phone width also reflow, folded and
    unfolded: axe-core does not check that nothing scrolls sideways."""
    found = load(page, address, what)
    if found:
        return found
    phone = viewport == "phone"
    if phone:
        found += sideways(page, what)
    opened = open_every_details(page)
    label = f"{what}, every <details> open" if opened else what
    if phone and opened:
        found += sideways(page, label)
    return found + axe_violations(page, label)


def sideways(page: Any, what: str) -> list[str]:
    """The page must not scroll sideways (WCAG 1.4.10, reflow): say what sticks out."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow <= 0:
        return []
    wide = ", ".join(page.evaluate(_STICKING_OUT))
    return [f"{what}: the page scrolls sideways by {overflow}px; sticking out: {wide}"]


# The innermost elements that reach past the right edge of the window (a few, named),
# leaving out those inside a box that scrolls or clips (a wide table in .overflow-auto);
# a box clips an absolutely placed element only when it holds that element's containing
# block (a .visually-hidden label in a wide table is not clipped by an unpositioned box).
_STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const boxed = (e) => {
    const placed = ["absolute", "fixed"].includes(getComputedStyle(e).position);
    const holder = placed ? e.offsetParent : null;
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      const clips = getComputedStyle(p).overflowX !== "visible";
      if (clips && (!placed || (holder && p.contains(holder)))) return true;
    }
    return false;
  };
  const out = [...document.body.querySelectorAll("*")].filter(
    (e) => e.getBoundingClientRect().right > width + 1 && e.checkVisibility() && !boxed(e));
  const innermost = out.filter((e) => !out.some((o) => o !== e && e.contains(o)));
  const name = (e) => e.tagName.toLowerCase() + (e.id ? `#${e.id}` : "")
    + (e.classList.length ? "." + [...e.classList].join(".") : "")
    + ` (${e.textContent.replace(/\\s+/g, " ").trim().slice(0, 30)})`;
  return innermost.slice(0, 5).map(name);
}"""


def check_fragment(page: Any, address: str, what: str, viewport: str) -> list[str]:
    """Fetch the piece as htmx does and check it inside HR's start page, in ``main``."""
    response = page.request.get(address, headers={"HX-Request": "true"})
    if response.status != 200:
        return [f"{what}: HTTP {response.status}"]
    html = response.text()
    if re.match(r"\s*<!doctype html", html, re.IGNORECASE):
        return [f"{what}: answers a whole page: take the route out of FRAGMENTS"]
    if not html.strip():
        return [f"{what}: answers nothing: give it a query in FRAGMENTS that has content"]
    page.goto("/hr")
    page.locator("main").evaluate(
        "(main, html) => { main.insertAdjacentHTML('beforeend', `<div>${html}</div>`); }", html
    )
    return axe_violations(page, f"{what} (at the end of /hr's main)")


# ---- the sweep ---------------------------------------------------------------------------


def sweep(
    path: str,
    check: Callable[[Any, str, str, str], list[str]],
    viewports: list[str],
    browser: Any,
    live_server: LiveServer,
    signed_in: dict[str, Any],
) -> list[str]:
    """``check`` every address of ``path``, as each of its viewers, at each width."""
    problems: list[str] = []
    for viewer in viewers(path):
        targets = addresses(path, live_server, viewer)
        for viewport in viewports:
            context = browser.new_context(
                base_url=live_server.url,
                locale=BROWSER_LOCALES["nl"],
                timezone_id=ZONE,
                storage_state=signed_in[viewer],
                **VIEWPORTS[viewport],
            )
            context.set_default_timeout(10_000)
            try:
                page = context.new_page()
                for address in targets:
                    what = f"{address} as {viewer} ({viewport})"
                    problems += check(page, address, what, viewport)
            finally:
                context.close()
    return problems


@pytest.mark.parametrize(
    "path", [p for p in PATHS if p not in NOT_PAGES and p not in CHECKED_ELSEWHERE]
)
def test_axe_finds_nothing(path: str, browser: Any, live_server: LiveServer, signed_in):
    """axe-core at desktop and at phone width; at 390 px nothing may scroll sideways
    (WCAG 1.4.10 asks for 320), said with what sticks out past the right edge."""
    check = check_fragment if path in FRAGMENTS else check_page
    problems = sweep(path, check, list(VIEWPORTS), browser, live_server, signed_in)
    assert not problems, f"{len(problems)} problem(s) on {path}:\n" + "\n".join(problems)


def test_the_sweep_sees_the_live_apps_routes(live_server: LiveServer):
    """The live app (its own settings) has the routes collected above; the lists of
    samples, fragments and files name only routes that exist."""
    live = checked_paths(live_server.settings)
    assert live == PATHS
    for name, table in (
        ("SAMPLES", SAMPLES),
        ("FRAGMENTS", FRAGMENTS),
        ("NOT_PAGES", NOT_PAGES),
        ("CHECKED_ELSEWHERE", CHECKED_ELSEWHERE),
    ):
        stale = sorted(set(table) - set(live))
        assert not stale, f"{name} names routes the app does not have: {stale}"
    assert "/hr" in live and "/hr/visits/{id}" in live  # the sweep finds what it should
