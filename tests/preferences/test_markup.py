"""The form is labelled for everyone, and HR's summary says plainly when nothing came yet."""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from portal import i18n
from portal.models import Attendance, TravelMode, VisitPreferences
from tests.preferences.conftest import ANSWERS, post, url


class Form(HTMLParser):
    """Collects what the accessibility checks need from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.fields: list[dict[str, str]] = []
        self.fieldsets: list[dict] = []
        self.open_fieldsets: list[dict] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if "style" in a:
            self.inline.append(f"style on <{tag}>")
        if tag == "script" and "src" not in a:
            self.inline.append("inline <script>")
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag == "fieldset":
            self.open_fieldsets.append({"legend": False, "radios": 0})
        if tag == "legend" and self.open_fieldsets:
            self.open_fieldsets[-1]["legend"] = True
        if tag in ("input", "textarea", "select") and a.get("type") != "hidden":
            a["_in_fieldset"] = "yes" if self.open_fieldsets else ""
            self.fields.append(a)
            if a.get("type") == "radio" and self.open_fieldsets:
                self.open_fieldsets[-1]["radios"] += 1

    def handle_endtag(self, tag):
        if tag == "fieldset" and self.open_fieldsets:
            self.fieldsets.append(self.open_fieldsets.pop())


def parsed(html: str) -> Form:
    form = Form()
    form.feed(html)
    return form


@pytest.mark.parametrize("with_errors", [False, True])
def test_every_field_is_labelled_and_described(client, visit, as_candidate, with_errors):
    if with_errors:
        page = post(client, visit, **{**ANSWERS, "attendance": "reschedule", "diet": "x" * 1001})
        assert page.status_code == 422
        html = page.text
    else:
        html = client.get(url(visit)).text
    form = parsed(html)
    mine = [f for f in form.fields if f.get("name") in {*ANSWERS, "wants_travel_reimbursement"}]
    assert {f["name"] for f in mine} == {*ANSWERS, "wants_travel_reimbursement"}
    for field in mine:
        assert field.get("id") in form.label_for, field
        if field.get("type") == "radio":
            assert field["_in_fieldset"], field
        else:
            described = field.get("aria-describedby", "").split()
            assert f"{field['name']}-hint" in described, field
            assert all(i in form.ids for i in described), field
    assert all(fs["legend"] for fs in form.fieldsets)
    assert sum(fs["radios"] for fs in form.fieldsets) == 7
    if with_errors:
        invalid = {f["name"] for f in mine if f.get("aria-invalid") == "true"}
        assert invalid == {"diet", "reschedule_reason"}
    assert form.inline == [], "the CSP forbids inline script and style"


def test_every_hint_says_why_and_the_texts_say_when_they_are_deleted(client, visit, as_candidate):
    html = client.get(url(visit)).text
    for hint in ("attendance", "reschedule_reason", "diet", "accessibility", "travel_mode"):
        assert f'id="{hint}-hint">So ' in html
    # The visit ends 2026-12-03 at 10:45 UTC; seven days later the texts go.
    assert html.count("Only HR sees this, and it is deleted on Thursday, December 10, 2026.") == 4


def render_summary(client, prefs, locale="en", **context):
    env = client.app.state.templates.env
    before = i18n.get_locale()
    i18n.set_locale(locale)
    try:
        return env.get_template("preferences/_hr_summary.html").render(prefs=prefs, **context)
    finally:
        i18n.set_locale(before)


def test_hr_summary_says_not_answered_yet_for_none(client):
    html = render_summary(client, None)
    assert "Not answered yet." in html and "<dl" not in html


def test_hr_summary_says_not_answered_yet_for_an_empty_row(client):
    assert "Not answered yet." in render_summary(client, VisitPreferences(visit_id=1))


def test_hr_summary_shows_every_answer_escaped(client, visit):
    from datetime import UTC, datetime

    prefs = VisitPreferences(
        visit_id=1,
        attendance=Attendance.RESCHEDULE,
        reschedule_reason="Exam that week",
        diet="No pork\n<script>alert(1)</script>",
        accessibility="Wheelchair",
        travel_mode=TravelMode.PUBLIC_TRANSPORT,
        needs_parking=False,
        wants_travel_reimbursement=True,
        note="Thanks",
        updated_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )
    html = render_summary(client, prefs)
    for text in (
        "Needs to reschedule",
        "Exam that week",
        "Wheelchair",
        "Public transport",
        "Would like travel costs reimbursed",
        "Thanks",
    ):
        assert text in html
    assert "No pork<br>&lt;script&gt;" in html and "<script>" not in html
    assert "parking" not in html


def test_hr_summary_takes_the_zone_from_the_visit_view(client):
    from datetime import UTC, datetime

    prefs = VisitPreferences(
        visit_id=1, diet="Vegan", updated_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    )
    view = SimpleNamespace(visit=SimpleNamespace(timezone="America/New_York"))
    assert "Dec 1, 2026, 4:00\u202fAM" in render_summary(client, prefs, view=view)
    assert "Dec 1, 2026, 10:00\u202fAM" in render_summary(client, prefs)  # Amsterdam by default
