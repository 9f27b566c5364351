"""What tests/test_odd_inputs.py needs around the app: its routes, the forms on its pages,
and a world of real objects to aim at, with a session per role."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from io import BytesIO
from typing import Any

import sqlalchemy as sa
from PIL import Image as PILImage
from sqlmodel import col
from starlette.routing import Match, Route
from starlette.testclient import TestClient

from portal.auth import sessions
from portal.middleware import CSRF_COOKIE
from portal.models import (
    AgendaTemplate,
    Image,
    OutboxEmail,
    OutboxStatus,
    Question,
    Story,
    StoryRevision,
    StoryStatus,
)
from tests.factories import create_story, create_user, create_visit

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


# ---- routes ------------------------------------------------------------------------------


def app_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every route of the app."""
    return sorted(
        (method, route.path)
        for route in app.routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    )


def path_params(path: str) -> list[tuple[str, str]]:
    """Each path parameter with the last plain segment before it:
    ``/hr/visits/{id}/items/{item}`` -> [("visits", "id"), ("items", "item")]."""
    found, segment = [], ""
    for part in path.strip("/").split("/"):
        names = _PARAM.findall(part)
        found += [(segment, name) for name in names]
        segment = segment if names else part
    return found


def fill(path: str, values: dict[str, str]) -> str:
    """The path with each parameter replaced by its value, percent-encoded."""
    from urllib.parse import quote

    return _PARAM.sub(lambda m: quote(values[m[1]], safe=""), path)


def route_of(app: Any, method: str, path: str) -> str | None:
    """The path template of the route that answers ``method path``."""
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    for route in app.routes:
        if isinstance(route, Route) and route.matches(scope)[0] is Match.FULL:
            return route.path
    return None


# ---- the forms on a page -----------------------------------------------------------------


class _Forms(HTMLParser):
    """Every <form> of a page: its action, method, field names and the values they hold."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").upper(),
                "fields": {},
                "names": set(),
            }
            self.forms.append(self._form)
        if self._form is None or ("name" not in a and tag != "option"):
            return
        fields, names = self._form["fields"], self._form["names"]
        if tag in ("input", "textarea", "select", "button"):
            names.add(a["name"])
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields.setdefault(a["name"], a.get("value", "on"))
            elif kind not in ("file", "submit"):
                fields.setdefault(a["name"], a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            fields.setdefault(a["name"], "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in fields:
                fields[self._select] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def forms_on(client: TestClient, app: Any, page: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The forms of ``page`` by the route (method, path template) they are sent to."""
    response = client.get(page)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    if "text/html" not in response.headers.get("content-type", ""):
        return found
    parser = _Forms()
    parser.feed(response.text)
    for form in parser.forms:
        action = form["action"].split("?")[0].split("#")[0] or page
        target = route_of(app, form["method"], action)
        if target is not None:
            found.setdefault((form["method"], target), form)
    return found


# ---- the world ---------------------------------------------------------------------------


def png() -> bytes:
    out = BytesIO()
    PILImage.new("RGB", (640, 400), (30, 110, 90)).save(out, format="PNG")
    return out.getvalue()


BODY = " ".join(["Een verhaal over het werk bij ons team, met collega's en klanten."] * 8)


class World:
    """An administrator, a colleague and a candidate with a visit later today; a question
    routed to the colleague; the colleague's draft (with a picture) and a story sent to
    HR, beside a published one; an office, a programme template and a failed e-mail.

    ``ids`` holds a real object of each kind, by the kind's name.
    """

    def __init__(self, client: TestClient, run: Callable[..., Any], clock: Any) -> None:
        self.client, self.run, self.clock = client, run, clock
        st = client.app.state  # type: ignore[attr-defined]
        self.keyring, self.settings = st.keyring, st.settings
        self.people = run(self._people)
        visit = self.people["visit"]
        self.ids: dict[str, str] = {
            "visit": visit.public_id,
            "item": visit.agenda[0].public_id,
            "location": visit.location.public_id,
            "person": self.people["employee"].public_id,
            "email": self.people["email"],
            "width": "480",
        }
        self.session = ""
        # The candidate asks; HR routes the question to the colleague and keeps a template.
        self.login("candidate")
        key = re.search(r'name="idempotency_key" value="([^"]+)"', client.get("/questions").text)
        assert key
        self.post("/questions", body="Hoe ziet de dag eruit?", idempotency_key=key[1])
        question = run(lambda db: db.scalar(sa.select(Question)))
        self.ids["question"] = question.public_id
        self.login("hr")
        employee = self.people["employee"].public_id
        route = f"/hr/questions/{question.public_id}/route"
        assert self.post(route, assignee=employee, version="1").status_code == 303
        self.post(f"/hr/visits/{visit.public_id}/template", name="Standaarddag")
        self.ids["template"] = run(lambda db: db.scalar(sa.select(AgendaTemplate.public_id)))
        # The colleague writes a draft with a picture, and a story for HR to review.
        self.login("employee")
        story = {"title": "Concept", "language": "nl", "intent": "save", "image_alt": "Een kantoor"}
        self.post("/me/stories", files={"cover": ("c.png", png(), "image/png")}, **story)
        story.update(title="Ingestuurd", teaser="Over mijn team.", body=BODY, intent="submit")
        self.post("/me/stories", **story)
        self.stories = run(self._stories)
        self.ids["slug"] = self.stories["slug"]
        self.ids["image"] = self.stories["image"]

    async def _people(self, db: Any) -> dict[str, Any]:
        # An administrator: HR's routes, and the role change only administrators make.
        hr = await create_user(db, role="admin", name="Fatima El Amrani")
        employee = await create_user(db, role="employee", name="Noor Bakker")
        candidate = await create_user(db, name="Sam de Vries")
        start = self.clock().replace(hour=13, minute=0)
        visit = await create_visit(
            db, candidate=candidate, interviewers=[employee], start=start, host_id=hr.id
        )
        await create_story(db, author=employee, title="Mijn eerste jaar bij het team")
        failed = OutboxEmail(
            kind="invitation",
            recipient=candidate.email,
            message_id="<odd-inputs@example.org>",
            status=OutboxStatus.FAILED,
            attempts=3,
        )
        db.add(failed)
        await db.flush()
        return {
            "hr": hr,
            "employee": employee,
            "candidate": candidate,
            "visit": visit,
            "email": str(failed.id),
        }

    @staticmethod
    async def _stories(db: Any) -> dict[str, str]:
        found = {s.status: s.public_id for s in await db.scalars(sa.select(Story))}
        draft = await db.scalar(sa.select(Story).where(col(Story.status) == StoryStatus.DRAFT))
        image = await db.scalar(
            sa.select(Image.public_id)
            .join(StoryRevision, col(StoryRevision.image_id) == col(Image.id))
            .where(col(StoryRevision.story_id) == draft.id)
        )
        slug = await db.scalar(
            sa.select(Story.slug).where(col(Story.status) == StoryStatus.PUBLISHED)
        )
        return {
            "draft": found[StoryStatus.DRAFT],
            "submitted": found[StoryStatus.SUBMITTED],
            "slug": slug,
            "image": image,
        }

    def ids_for(self, role: str) -> dict[str, str]:
        """HR reviews the story sent to them; its author works on the draft."""
        story = self.stories["submitted" if role == "hr" else "draft"]
        return {**self.ids, "story": story}

    def login(self, role: str) -> None:
        """A fresh session for ``role`` ("anonymous": none, with a CSRF cookie)."""
        self.client.cookies.clear()
        if role == "anonymous":
            self.session = ""
            self.client.cookies.set(CSRF_COOKIE, "odd-inputs-anonymous-browser")
            return
        user = self.people[role]

        async def create(db: Any) -> str:
            return await sessions.create(
                db, keyring=self.keyring, settings=self.settings, user=user, now=self.clock()
            )

        self.session = self.run(create)
        self.client.cookies.set(sessions.cookie_name(self.settings), self.session)

    def csrf(self) -> str:
        """The CSRF token the pages of this session carry."""
        anon = self.client.cookies.get(CSRF_COOKIE) or ""
        binding = "session:" + self.session if self.session else "anon:" + anon
        token: str = self.keyring.csrf_token(binding)
        return token

    def post(self, url: str, files: Any = None, **fields: Any) -> Any:
        return self.client.post(url, data={**fields, "csrf_token": self.csrf()}, files=files)
