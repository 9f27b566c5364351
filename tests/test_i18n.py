"""Both languages are complete, and the reader's language is chosen as documented."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def source_messages() -> set[str]:
    method_map = [
        ("portal/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    options = {"templates/**": {"extensions": "jinja2.ext.i18n"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map=options
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_a_dutch_translation():
    with open(ROOT / "portal/locale/nl/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    # A plural message is one entry: its singular id, with every form translated.
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and m.string and all(m.string) and not m.fuzzy
    }
    messages = source_messages()
    assert len(messages) > 50
    missing = sorted(messages - translated)
    assert not missing, f"untranslated (run pybabel extract and fill the nl catalog): {missing}"


def test_placeholders_survive_translation():
    import re

    with open(ROOT / "portal/locale/nl/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    for m in catalog:
        if not (m.id and m.string):
            continue
        # Plurals: every translated form keeps the placeholders of the English plural.
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        for string in strings:
            assert sorted(re.findall(r"%\(\w+\)s", ids[-1])) == sorted(
                re.findall(r"%\(\w+\)s", string)
            ), m.id


def test_accept_language_picks_english_without_a_choice(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"})
    assert '<html lang="en">' in page.text and "Sign in" in page.text


def test_default_is_dutch(client):
    page = client.get("/login", headers={"Accept-Language": "fr-FR"})
    assert '<html lang="nl">' in page.text and "Inloggen" in page.text


def test_language_choice_is_remembered_over_accept_language(client):
    from tests.conftest import get_csrf

    response = client.post(
        "/language", data={"locale": "en", "next": "/login", "csrf_token": get_csrf(client)}
    )
    assert response.status_code == 303 and response.headers["location"] == "/login"
    page = client.get("/login", headers={"Accept-Language": "nl"})
    assert '<html lang="en">' in page.text


def test_signed_in_users_choice_is_stored_on_their_account(client, make_user, login_as, run):
    import sqlalchemy as sa

    from portal.models import User
    from tests.conftest import get_csrf

    user = make_user()
    login_as(user)
    client.post("/language", data={"locale": "en", "csrf_token": get_csrf(client, "/")})
    stored = run(lambda db: db.scalar(sa.select(User.locale).where(User.id == user.id)))
    assert stored == "en"


def test_language_switch_refuses_an_offsite_next(client):
    from tests.conftest import get_csrf

    response = client.post(
        "/language", data={"locale": "en", "next": "//evil.example", "csrf_token": get_csrf(client)}
    )
    assert response.headers["location"] == "/"


def test_language_picked_before_sign_in_carries_over_to_the_account(client, make_user, deliver):
    from tests.auth.test_sign_in import ask_link, confirm, link_token
    from tests.conftest import get_csrf

    make_user(email="sam@example.org", locale="nl")
    client.post("/language", data={"locale": "en", "csrf_token": get_csrf(client)})
    ask_link(client, "sam@example.org")
    confirm(client, link_token(deliver()[0]))
    client.cookies.delete("portal_lang")
    assert '<html lang="en">' in client.get("/").text
