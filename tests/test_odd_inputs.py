"""Odd values against every route and every parameter: never a 500 (SECURITY-CHECKLIST 33).

Generated from the app's routes, like the role matrices. Each route is tried by the role
that may use it (one app and one database per role, see tests/odd_world.py): with a real
object's id in its path and then each odd value in its place, and with each parameter it
reads set to each odd value in turn while the others hold valid values (what the page's
own form holds, read again after every save, completed with ``VALID``), so an odd value
goes as deep as the route goes. Query parameters for GET, form fields (with a valid CSRF
token) for POST, file contents for file fields.

A route added to the app without an entry in ``PARAMS`` fails
``test_every_route_lists_its_parameters``; a form field on a page or in a template that
``PARAMS`` does not name fails too, so the list cannot fall behind the app.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.odd_world import World, app_routes, fill, forms_on, path_params, png

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

# The corpus: Unicode digits that pass str.isdigit() ("²" then fails int()), numbers too
# large for PostgreSQL's INTEGER (2**31), for SQLite (25 digits) and for int() (4,301
# digits), a negative, a NUL, 10,000 characters, dates outside any sane window or on no
# calendar, zones that are not IANA names, a path, a line break that would start a
# calendar event, and nothing at all.
ODD = [
    "²",
    "٣",
    "１２",
    "2147483648",
    "9" * 25,
    "9" * 4301,
    "-1",
    "a\x00b",
    "x" * 10_000,
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "localtime",
    "../etc",
    "Noor\r\nBEGIN:VEVENT",
    "",
]


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# The fields of the forms several routes share.
VISIT = _names(
    "candidate_name candidate_email candidate_locale position department day start end "
    "timezone location host arrival_notes template version"
)
ITEM = _names(
    "start end kind title internal_title room description visible_to_candidate "
    "interviewers search intent version"
)
STORY = _names(
    "title teaser body language department team themes image_alt remove_image cover intent version"
)
PROFILE = _names(
    "name job_title department pronouns bio linkedin_url phone visible_to_candidates "
    "remove_photo photo version"
)
PREFERENCES = _names(
    "attendance reschedule_reason diet accessibility travel_mode needs_parking "
    "wants_travel_reimbursement note"
)
REVIEW = _names("version note")
OFFICE = _names("name address arrival_notes fingerprint intent")

# Every parameter each route reads: form fields (POST) or query parameters (GET), from the
# templates' forms and from the links and redirects that carry a query (``?done=``,
# ``?visits=``, ``?page=``). A route that reads none has an empty entry and gets the
# corpus in a parameter it does not expect (``STRAY``).
PARAMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/healthz"): (),
    ("GET", "/login"): ("next",),
    ("POST", "/login"): ("email", "next"),
    ("GET", "/login/confirm"): ("token",),
    ("POST", "/login/confirm"): ("token", "code"),
    ("POST", "/login/resend"): ("token",),
    ("POST", "/logout"): (),
    ("POST", "/language"): ("locale", "next"),
    ("GET", "/privacy"): (),
    ("GET", "/me/privacy"): (),
    ("POST", "/me/privacy"): ("intent", "confirm"),
    ("GET", "/me/privacy/export"): (),
    ("POST", "/me/privacy/consent"): ("intent", "agree"),
    ("GET", "/hr/visits/{id}/export"): (),
    ("GET", "/"): (),
    ("GET", "/visit/{id}"): (),
    ("POST", "/visit/{id}/late"): ("minutes", "next"),
    ("GET", "/visit/{id}/calendar.ics"): (),
    ("GET", "/people/{id}"): (),
    ("GET", "/visit/{id}/preferences"): ("saved",),
    ("POST", "/visit/{id}/preferences"): PREFERENCES,
    ("GET", "/questions"): ("asked",),
    ("POST", "/questions"): ("body", "ask_in_person", "idempotency_key"),
    ("POST", "/questions/{id}/edit"): ("body", "ask_in_person", "version"),
    ("POST", "/questions/{id}/withdraw"): (),
    ("GET", "/hr/questions"): ("status", "department", "assignee", "visit", "page"),
    ("POST", "/hr/questions/{id}/answer"): ("answer", "version"),
    ("GET", "/hr/questions/{id}/route"): (),
    ("POST", "/hr/questions/{id}/route"): ("assignee", "note", "version"),
    ("POST", "/hr/questions/{id}/send-back"): REVIEW,
    ("GET", "/me/questions"): ("sent",),
    ("POST", "/me/questions/{id}/draft"): ("draft", "version"),
    ("GET", "/stories"): ("theme", "team"),
    ("GET", "/stories/{slug}"): (),
    ("GET", "/me/stories"): (),
    ("POST", "/me/stories"): (*STORY, "idempotency_key"),
    ("GET", "/me/stories/new"): (),
    ("POST", "/me/stories/preview"): STORY,
    ("GET", "/me/stories/{id}"): ("done",),
    ("POST", "/me/stories/{id}"): STORY,
    ("POST", "/me/stories/{id}/withdraw"): ("version",),
    ("POST", "/me/stories/{id}/discard"): ("version",),
    ("GET", "/hr/stories"): (),
    ("GET", "/hr/stories/{id}"): ("done",),
    ("POST", "/hr/stories/{id}/publish"): REVIEW,
    ("POST", "/hr/stories/{id}/request-changes"): REVIEW,
    ("POST", "/hr/stories/{id}/reject"): REVIEW,
    ("POST", "/hr/stories/{id}/unpublish"): REVIEW,
    ("POST", "/hr/stories/{id}/archive"): REVIEW,
    ("POST", "/hr/stories/{id}/restore"): REVIEW,
    ("GET", "/hr"): (),
    ("POST", "/hr/emails/{id}/send-again"): (),
    ("GET", "/hr/visits"): ("q", "status", "since", "until", "page"),
    ("POST", "/hr/visits/outcomes"): (
        "visits",
        "outcome",
        "decided_on",
        "q",
        "status",
        "since",
        "until",
        "page",
    ),
    ("POST", "/hr/visits"): (*VISIT, "idempotency_key"),
    ("GET", "/hr/visits/new"): (),
    ("GET", "/hr/visits/{id}"): ("done", "past"),
    ("POST", "/hr/visits/{id}"): VISIT,
    ("POST", "/hr/visits/{id}/cancel"): ("version",),
    ("POST", "/hr/visits/{id}/invite"): (),
    ("POST", "/hr/visits/{id}/outcome"): ("outcome", "decided_on", "version"),
    ("POST", "/hr/visits/{id}/sign-out"): (),
    ("POST", "/hr/visits/{id}/erase-candidate"): ("confirm",),
    ("POST", "/hr/visits/{id}/items"): ITEM,
    ("POST", "/hr/visits/{id}/items/find"): ITEM,
    ("POST", "/hr/visits/{id}/items/{item}"): ITEM,
    ("POST", "/hr/visits/{id}/items/{item}/delete"): ("version",),
    ("POST", "/hr/visits/{id}/items/{item}/move"): ("direction", "version"),
    ("POST", "/hr/visits/{id}/copy"): ("source", "version"),
    ("POST", "/hr/visits/{id}/template"): ("name", "department"),
    ("GET", "/hr/staff-search"): ("search", "key"),
    ("GET", "/hr/templates"): (),
    ("POST", "/hr/templates/{id}/delete"): (),
    ("GET", "/hr/locations"): (),
    ("POST", "/hr/locations"): OFFICE,
    ("GET", "/hr/locations/new"): (),
    ("GET", "/hr/locations/{id}"): ("done", "visits"),
    ("POST", "/hr/locations/{id}"): OFFICE,
    ("GET", "/hr/people"): ("q", "role", "active", "page"),
    ("POST", "/hr/people"): ("name", "email", "role", "job_title", "department"),
    ("GET", "/hr/people/new"): (),
    ("GET", "/hr/people/{id}"): ("done",),
    ("POST", "/hr/people/{id}"): PROFILE,
    ("POST", "/hr/people/{id}/role"): ("role",),
    ("POST", "/hr/people/{id}/deactivate"): (),
    ("POST", "/hr/people/{id}/reactivate"): (),
    ("POST", "/hr/people/{id}/sign-out-everywhere"): (),
    ("GET", "/me/profile"): ("done",),
    ("POST", "/me/profile"): PROFILE,
    ("POST", "/me/profile/preview"): PROFILE,
    ("POST", "/me/profile/visibility"): ("visible",),
    ("GET", "/hr/import"): ("done",),
    ("POST", "/hr/import"): ("file",),
    ("GET", "/media/{id}/{width:int}.jpg"): (),
}
STRAY = "unexpected"
# Fields that take a file: the odd value is the file's content, then its name (with a
# file the route accepts).
FILES = ("file", "cover", "photo")
GOOD_FILES = {"file": b'{"staff": [], "visits": []}', "cover": png(), "photo": png()}
# Fields that say which state of an object a form was made from: after a save the form
# is read again from its page, so the next odd value meets the current version.
VERSIONS = {"version", "fingerprint"}

# Valid values where the page's own form starts empty (a new visit, colleague, office,
# item, story or question), so an odd value in one field meets valid values in the others.
VALID: dict[tuple[str, str], dict[str, str]] = {
    # Never ticked: erasing the odd world's candidate would leave the other routes only 404s.
    ("POST", "/hr/visits/{id}/erase-candidate"): {"confirm": ""},
    ("POST", "/login"): {"email": "sam@example.org"},
    ("POST", "/questions"): {"body": "Is er een parkeerplaats?"},
    ("POST", "/hr/visits"): {
        "candidate_name": "Lotte Mulder",
        "candidate_email": "lotte@example.org",
        "position": "Ontwerper",
        "day": "2026-12-15",
        "start": "09:30",
        "end": "15:00",
        "timezone": "Europe/Amsterdam",
    },
    ("POST", "/hr/visits/{id}/items"): {"title": "Rondleiding", "kind": "tour"},
    ("POST", "/hr/visits/{id}/template"): {"name": "Standaarddag"},
    ("POST", "/hr/people"): {"name": "Daan Visser", "email": "daan@example.org", "role": "hr"},
    ("POST", "/hr/locations"): {"name": "Kantoor Zwolle", "address": "Stationsweg 1"},
    ("POST", "/me/stories"): {"title": "Mijn team", "language": "nl", "intent": "save"},
    ("POST", "/me/stories/preview"): {"title": "Mijn team", "language": "nl"},
}

# Who tries each route: the role that may use it, by the start of its path.
ROLE_BY_PREFIX = (
    ("/healthz", "anonymous"),
    ("/login", "anonymous"),
    ("/language", "anonymous"),
    ("/privacy", "anonymous"),
    ("/logout", "candidate"),
    ("/hr", "hr"),
    ("/me/privacy", "candidate"),
    ("/me/", "employee"),
    ("/media/", "employee"),
    ("/", "candidate"),  # the visit, its preferences and calendar, questions, stories, people
)
ROLES = ("anonymous", "candidate", "employee", "hr")

# The kind of real object a path parameter names, by the plain segment before it.
KIND_BY_SEGMENT = {
    ("visit", "id"): "visit",
    ("visits", "id"): "visit",
    ("items", "item"): "item",
    ("people", "id"): "person",
    ("questions", "id"): "question",
    ("stories", "id"): "story",
    ("stories", "slug"): "slug",
    ("locations", "id"): "location",
    ("templates", "id"): "template",
    ("media", "id"): "image",
    ("media", "width"): "width",
    ("emails", "id"): "email",
}

# Routes that move an object on for good run after the others of their role, in this
# order (a question is routed before it is answered; a story is sent back before it is
# published, and published before it goes offline). New agenda items come first: each one
# added makes the visit's page, which most planning routes answer with, a little longer.
LAST = _names(
    "/items /send-back /route /answer /request-changes /reject /publish /unpublish "
    "/archive /restore /discard /withdraw /delete /cancel /deactivate /logout"
)
# Routes that answer anything but "bad request" only to a live sign-in link's token.
ONLY_WITH_A_SECRET = {("GET", "/login/confirm")}


def role_for(path: str) -> str:
    for prefix, role in ROLE_BY_PREFIX:
        if path == prefix.rstrip("/") or path.startswith(prefix):
            return role
    raise AssertionError(f"{path}: say who may use it in ROLE_BY_PREFIX")


def real_ids(path: str, ids: dict[str, str]) -> dict[str, str]:
    """A real object's id for each of the path's parameters."""
    return {name: ids[KIND_BY_SEGMENT[(segment, name)]] for segment, name in path_params(path)}


# ---- the run -----------------------------------------------------------------------------


class Run:
    """One role's routes, every odd request, and what each route answered."""

    def __init__(self, world: World, app: Any, role: str) -> None:
        self.world, self.app, self.role = world, app, role
        last = {suffix: n for n, suffix in enumerate(LAST, start=1)}
        self.routes = sorted(
            (r for r in app_routes(app) if role_for(r[1]) == role),
            key=lambda r: next((n for s, n in last.items() if r[1].endswith(s)), 0),
        )
        self.ids = world.ids_for(role)
        self.failures: list[str] = []
        self.answered: dict[tuple[str, str], set[int]] = {}

    def go(self) -> None:
        self.world.login(self.role)
        pages = self.pages()
        for method, path in self.routes:
            key = (method, path)
            names = set(pages.get(key, {}).get("names", ())) - {"csrf_token"}
            assert names <= set(PARAMS[key]), f"{method} {path}: add {names - set(PARAMS[key])}"
            base = self.base(key, pages)
            for url, name, value, label in self.requests(method, path):
                status = self.send(method, url, base, name, value)
                self.answered.setdefault(key, set()).add(status)
                if status >= 500:
                    self.failures.append(f"{method} {path} {label}: {status}")
                if path == "/logout":
                    self.world.login(self.role)
                elif status < 400 and VERSIONS & set(base):
                    base = self.base(key, pages)

    def pages(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Every form on the role's pages, by the route it is sent to, with its page."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for method, path in self.routes:
            if method == "GET" and not path.endswith((".ics", ".jpg")):
                page = fill(path, real_ids(path, self.ids))
                for key, form in forms_on(self.world.client, self.app, page).items():
                    found.setdefault(key, {"page": page, **form})
        return found

    def base(self, key: tuple[str, str], pages: dict[tuple[str, str], Any]) -> dict[str, str]:
        """What the route's form holds now on its page, completed with VALID."""
        fields: dict[str, str] = {}
        if key in pages:
            form = forms_on(self.world.client, self.app, pages[key]["page"]).get(key)
            held = (form or pages[key])["fields"]
            fields = {k: v for k, v in held.items() if k not in ("csrf_token", *FILES)}
        return {**fields, **VALID.get(key, {})}

    def requests(self, method: str, path: str) -> Iterator[tuple[str, str, str, str]]:
        """(url, parameter, value, label): each parameter, then each path parameter, set to
        each odd value."""
        real = real_ids(path, self.ids)
        for name in PARAMS[(method, path)] or (STRAY,):
            for value in ODD:
                yield fill(path, real), name, value, f"{name}={value[:20]!r}"
                if name in FILES:
                    yield fill(path, real), f"{name}:name", value, f"{name} named {value[:20]!r}"
        for _segment, name in path_params(path):
            for value in ODD:
                yield fill(path, {**real, name: value}), "", "", f"{{{name}}}={value[:20]!r}"

    def send(self, method: str, url: str, base: dict[str, str], name: str, value: str) -> int:
        client = self.world.client
        if method == "GET":
            response = client.get(url, params={**base, name: value} if name else base)
            return response.status_code
        fields, files = dict(base), None
        if name in FILES:
            files = {name: ("odd.txt", value.encode(), "text/plain")}
        elif name.endswith(":name"):
            field = name.removesuffix(":name")
            files = {field: (value, GOOD_FILES[field], "application/octet-stream")}
        elif name:
            fields[name] = value
        fields["csrf_token"] = self.world.csrf()
        return client.post(url, data=fields, files=files).status_code


# ---- the tests ---------------------------------------------------------------------------


def test_every_route_lists_its_parameters(app):
    """A new route (or one gone) fails here until PARAMS says what it reads."""
    routes = set(app_routes(app))
    assert sorted(routes - set(PARAMS)) == [], "add these routes and what they read to PARAMS"
    assert sorted(set(PARAMS) - routes) == [], "these routes are gone: remove them from PARAMS"
    for _method, path in routes:
        role_for(path)
        for segment in path_params(path):
            assert segment in KIND_BY_SEGMENT, f"{path}: add {segment} to KIND_BY_SEGMENT"


def test_every_form_field_of_the_templates_is_tried():
    """A field added to a template but not to PARAMS fails here."""
    listed = {name for names in PARAMS.values() for name in names}
    field = re.compile(r'<(?:input|select|textarea|button)[^>]*\bname="(\w+)"')
    named = {name for t in TEMPLATES.rglob("*.html") for name in field.findall(t.read_text())}
    assert sorted(named - listed - {"csrf_token"}) == []


@pytest.fixture
def odd_client(app: Any) -> Iterator[TestClient]:
    # Server errors come back as 500 responses, so every one of them is counted.
    with TestClient(
        app, base_url="http://testserver", follow_redirects=False, raise_server_exceptions=False
    ) as c:
        yield c


@pytest.mark.parametrize("role", ROLES)
def test_odd_values_never_answer_500(app, odd_client, clock, role):
    """Each role's routes, every parameter and path parameter, every odd value: no 500."""

    def run(fn: Callable[[Any], Any]) -> Any:
        async def go() -> Any:
            async with app.state.db() as db, db.begin():
                return await fn(db)

        return odd_client.portal.call(go)  # type: ignore[union-attr]

    fuzz = Run(World(odd_client, run, clock), app, role)
    fuzz.go()
    assert not fuzz.failures, f"{len(fuzz.failures)} server errors:\n" + "\n".join(fuzz.failures)
    # The run reached every route: each answered something besides "bad request" or "not
    # found" (a wrong id in the world would make the run a row of 404s, proving nothing).
    unreached = [
        key
        for key, statuses in fuzz.answered.items()
        if statuses <= {400, 404} and key not in ONLY_WITH_A_SECRET
    ]
    assert unreached == []
    assert set(fuzz.answered) == set(fuzz.routes)
