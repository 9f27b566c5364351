"""The privacy notice: public, in both languages, from the settings, and linked everywhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from portal.app import create_app
from portal.config import Settings
from portal.demo import PRIVACY_SETTINGS, privacy_settings
from tests.conftest import get_csrf, make_settings

ORGANISATION = "Zuiderlicht Energie B.V."
CONTACT = "privacy@zuiderlicht.example"
DPO = "Functionaris gegevensbescherming, Postbus 1234, 3500 AA Utrecht"
# Not the client's address: e-mailed links must come from the setting, never from Host.
BASE = "http://kandidaat.example.nl"
EMAIL_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"
AP = re.compile(r'<a href="https://(www\.)?autoriteitpersoonsgegevens\.nl[^"]*">')


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        database_url,
        media_dir=tmp_path / "media",
        base_url=BASE,
        organisation_name=ORGANISATION,
        privacy_contact=CONTACT,
        dpo_contact=DPO,
        retention_days=7,
    )


def notice(client: Any, lang: str) -> str:
    response = client.get("/privacy", headers={"Accept-Language": lang})
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.text
    return response.text


@pytest.mark.parametrize(
    ("lang", "controller", "rights", "complain"),
    [
        ("nl", "is de verwerkingsverantwoordelijke", "Je rechten", "Autoriteit Persoonsgegevens"),
        ("en", "is the controller", "Your rights", "Autoriteit Persoonsgegevens"),
    ],
)
def test_the_notice_is_public_in_both_languages(client, lang, controller, rights, complain):
    """Signed out, in Dutch and English: the organisation, its contact (as a mail link),
    its DPO, the rights and where to complain."""
    page = notice(client, lang)
    assert f"{ORGANISATION} {controller}" in page
    assert f'<a href="mailto:{CONTACT}">{CONTACT}</a>' in page
    assert DPO in page
    assert rights in page and complain in page
    assert AP.search(page)


def test_the_notice_says_how_long_data_is_kept(client):
    """The retention periods come from the settings (the erasure schedule's default 4)."""
    page = notice(client, "en")
    assert "erased 7 days after your visit" in page
    assert "erased 4 weeks after the application procedure ends" in page
    assert "explicit consent" in page and "legitimate interest" in page


def test_the_headings_go_in_order(client):
    """One h1, then h2s only: a screen reader's outline skips no level."""
    page = notice(client, "nl")
    main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    levels = re.findall(r"<h([1-6])\b", main)
    assert levels[0] == "1" and levels.count("1") == 1
    assert set(levels[1:]) == {"2"} and len(levels) >= 6


def test_without_a_dpo_none_is_shown_and_the_company_is_the_controller(database_url, tmp_path):
    """No DPO setting, no DPO line; no organisation name, the company name; no contact,
    the HR department that invited them."""
    app = create_app(make_settings(database_url, media_dir=tmp_path / "media"))
    with TestClient(app, base_url="http://testserver") as client:
        page = notice(client, "en")
    assert "data protection officer" not in page
    assert "Zuiderlicht is the controller" in page
    assert "contact the HR department that invited you" in page
    assert "mailto:" not in page


def test_a_postal_contact_is_shown_as_written_and_escaped(database_url, tmp_path):
    contact = "Zuiderlicht <privacy>, Postbus 1, 3500 AA Utrecht"
    app = create_app(
        make_settings(database_url, media_dir=tmp_path / "media", privacy_contact=contact)
    )
    with TestClient(app, base_url="http://testserver") as client:
        page = notice(client, "en")
    assert "Zuiderlicht &lt;privacy&gt;, Postbus 1, 3500 AA Utrecht" in page
    assert "mailto:" not in page


def test_the_sign_in_page_links_to_the_notice(client):
    page = client.get("/login").text
    assert 'href="/privacy"' in page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize(("role", "path"), [("candidate", "/"), ("hr", "/hr/people")])
def test_every_page_has_the_notice_in_its_footer(client, make_user, login_as, role, path):
    """Signed in as a candidate or as HR (who had no footer before), and signed out."""
    login_as(make_user(role))
    page = client.get(path)
    assert page.status_code == 200
    footer = page.text.split('<footer class="container site-footer">', 1)[1].split("</footer>")[0]
    assert '<a href="/privacy">' in footer


def test_an_error_page_has_the_notice_in_its_footer(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404
    footer = page.text.split('<footer class="container site-footer">', 1)[1]
    assert '<a href="/privacy">' in footer


@pytest.mark.parametrize(("lang", "words"), [("nl", "Privacyverklaring"), ("en", "Privacy notice")])
def test_the_sign_in_email_links_to_the_notice(client, make_user, deliver, lang, words):
    """HTML and text alike, as an absolute link from PORTAL_BASE_URL."""
    make_user(email="sam@example.org", locale=lang)
    client.post("/login", data={"email": "sam@example.org", "csrf_token": get_csrf(client)})
    [mail] = deliver()
    assert f"{BASE}/privacy" in mail.text.splitlines()[-1]
    assert f'<a href="{BASE}/privacy" style="color: #0b5cad;">{words}</a>' in mail.html
    assert "testserver/privacy" not in mail.text + mail.html


def test_every_email_template_has_the_footer():
    """A new e-mail fails here until it carries the link too (each has its own layout)."""
    for html in sorted(EMAIL_TEMPLATES.glob("[a-z]*.html")):
        assert '{% include "email/_footer.html" %}' in html.read_text(), html.name
        text = html.with_suffix(".txt").read_text()
        assert '{% include "email/_footer.txt" %}{% endblock %}' in text, html.name


def test_the_demo_fills_in_only_what_is_not_set(monkeypatch):
    monkeypatch.setenv("PORTAL_DPO_CONTACT", "our own DPO")
    given = Settings(_env_file=None, privacy_contact="privacy@example.org")  # type: ignore[call-arg]
    assert privacy_settings(given) == {"organisation_name": PRIVACY_SETTINGS["organisation_name"]}
    monkeypatch.delenv("PORTAL_DPO_CONTACT")
    assert privacy_settings(Settings(_env_file=None)) == PRIVACY_SETTINGS  # type: ignore[call-arg]
