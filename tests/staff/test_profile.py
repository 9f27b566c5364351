"""Profiles: HR editing anyone's, staff editing their own at /me/profile with a preview, and
withdrawing from candidates' pages."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image as PILImage

from portal.app import create_app
from portal.media import service as media
from portal.models import Image, Role, StaffProfile, User
from tests.conftest import get_csrf, make_settings
from tests.factories import create_visit
from tests.staff.test_directory import audit_events, load_user, make_people, shared_templates

BIO = "Ik leid **het platformteam**.\n\nVraag me naar onze *deploys*."


@pytest.fixture(scope="module")
def compiled() -> dict[str, Any]:
    return {}


@pytest.fixture
def app(settings: Any, clock: Any, mailbox: Any, compiled: dict[str, Any]) -> Any:
    """Templates compiled once for the module (see tests/staff/test_directory.py)."""
    return shared_templates(create_app(settings, clock=clock, email_backend=mailbox), compiled)


@pytest.fixture
def people(run: Any) -> dict[str, User]:
    return make_people(run)


@pytest.fixture
def upload_rate() -> int | None:
    """Parametrize this to build the app with another upload quota per person."""
    return None


@pytest.fixture
def settings(database_url: str, tmp_path: Path, upload_rate: int | None) -> Any:
    overrides = {} if upload_rate is None else {"upload_rate_per_person": upload_rate}
    return make_settings(database_url, media_dir=tmp_path / "media", **overrides)


def png(size: tuple[int, int] = (300, 400), colour: Any = (200, 120, 90)) -> bytes:
    out = BytesIO()
    PILImage.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def version_on(html: str) -> str:
    match = re.search(r'name="version" value="([^"]*)"', html)
    assert match, "no version on the page"
    return match.group(1)


def hr_fields(person: User, **fields: Any) -> dict[str, Any]:
    profile = person.profile
    assert profile is not None
    values = {
        "name": person.name,
        "job_title": profile.job_title,
        "department": profile.department,
        "pronouns": profile.pronouns,
        "bio": profile.bio,
        "linkedin_url": profile.linkedin_url or "",
        "phone": profile.phone,
        "visible_to_candidates": "on" if profile.visible_to_candidates else "",
    }
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def save(
    client: Any, path: str, page_html: str, fields: dict[str, Any], photo: bytes | None = None
) -> Any:
    """Post a profile form as a browser does: multipart, with the page's token and version."""
    data = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1),  # type: ignore[union-attr]
        "version": version_on(page_html),
        **fields,
    }
    files = {
        "photo": ("me.png", photo, "image/png") if photo else ("", b"", "application/octet-stream")
    }
    return client.post(path, data=data, files=files)


def profile_of(run: Any, user: User) -> StaffProfile:
    return run(lambda db: db.get(StaffProfile, user.id))  # type: ignore[no-any-return]


# ---- HR edit any profile --------------------------------------------------------------------


def test_hr_edit_a_profile_and_it_is_audited(client, run, login_as, people):
    noor = load_user(run, people["employee"].public_id)
    login_as(people["hr"])
    path = f"/hr/people/{noor.public_id}"
    page = client.get(path)
    assert page.status_code == 200
    fields = hr_fields(
        noor,
        name="Noor  Bakker-de Wit",
        job_title="Engineering manager",
        bio=BIO,
        pronouns="zij/haar",
        linkedin_url="https://www.linkedin.com/in/noor",
        phone="+31 (0)30 123-4567",
        visible_to_candidates="",
    )
    response = save(client, path, page.text, fields)
    assert response.status_code == 303 and response.headers["location"] == f"{path}?done=saved"
    saved = load_user(run, noor.public_id)
    profile = saved.profile
    assert saved.name == "Noor Bakker-de Wit"
    assert (profile.job_title, profile.bio, profile.pronouns) == (
        "Engineering manager",
        BIO.strip(),
        "zij/haar",
    )
    assert profile.linkedin_url == "https://www.linkedin.com/in/noor"
    assert profile.phone == "+31 (0)30 123-4567" and not profile.visible_to_candidates

    (event,) = audit_events(run, "profile.updated")
    assert event.actor_id == people["hr"].id and event.subject_id == noor.public_id
    assert event.details["by"] == "hr"
    assert set(event.details["fields"]) == {
        "name",
        "job_title",
        "pronouns",
        "bio",
        "linkedin_url",
        "phone",
        "visible_to_candidates",
    }
    (visibility,) = audit_events(run, "profile.visibility_changed")
    assert visibility.details == {"visible": False, "by": "hr"}

    # The page shows the candidate-facing card, rendered as candidates get it.
    page = client.get(path).text
    assert "<strong>het platformteam</strong>" in page and "hx-disable" in page
    assert 'class="person-card"' in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("linkedin_url", "http://www.linkedin.com/in/noor"),
        ("linkedin_url", "javascript:alert(1)"),
        ("linkedin_url", "www.linkedin.com/in/noor"),
        ("phone", "call me maybe"),
        ("phone", "+-"),
        ("bio", "woord " * 1001),
        ("pronouns", "x" * 51),
        ("name", ""),
    ],
)
def test_bad_input_keeps_the_text_and_says_what_is_wrong(
    client, run, login_as, people, field, value
):
    noor = load_user(run, people["employee"].public_id)
    before = profile_of(run, noor)
    login_as(people["hr"])
    path = f"/hr/people/{noor.public_id}"
    fields = hr_fields(noor, **{"bio": "Mijn nieuwe tekst blijft staan.", field: value})
    response = save(client, path, client.get(path).text, fields)
    assert response.status_code == 422
    assert 'id="error-summary"' in response.text and f'href="#field-{field}"' in response.text
    assert re.search(rf'id="field-{field}"[^>]*aria-invalid="true"', response.text, re.S) or (
        re.search(
            rf'id="field-{field}"[^>]*aria-describedby="[^"]*{field}-error', response.text, re.S
        )
    )
    if field != "bio":
        assert "Mijn nieuwe tekst blijft staan." in response.text
    assert 'href="javascript:' not in response.text
    assert profile_of(run, noor) == before
    assert audit_events(run, "profile.updated") == []


def test_two_tabs_the_second_save_is_refused_with_its_text_kept(client, run, login_as, people):
    noor = load_user(run, people["employee"].public_id)
    login_as(people["hr"])
    path = f"/hr/people/{noor.public_id}"
    tab_a, tab_b = client.get(path).text, client.get(path).text
    assert save(client, path, tab_a, hr_fields(noor, bio="Tekst uit tab A")).status_code == 303

    response = save(client, path, tab_b, hr_fields(noor, bio="Tekst uit tab B"))
    assert response.status_code == 409
    assert "changed in the meantime" in response.text
    assert "Tekst uit tab B</textarea>" in response.text  # their text is kept
    assert profile_of(run, noor).bio == "Tekst uit tab A"

    # The clock has not moved, yet the next version is a new one: a third tab that opened
    # after A's save still loses to a save made after it opened.
    tab_c, tab_d = client.get(path).text, client.get(path).text
    assert save(client, path, tab_c, hr_fields(noor, bio="Tekst uit tab C")).status_code == 303
    assert save(client, path, tab_d, hr_fields(noor, bio="Tekst uit tab D")).status_code == 409

    # Saving the refused form again (it carries the current version now) replaces it.
    again = save(client, path, response.text, hr_fields(noor, bio="Tekst uit tab B"))
    assert again.status_code == 409  # tab C saved after the 409 page was made
    fresh = client.get(path).text
    assert save(client, path, fresh, hr_fields(noor, bio="Tekst uit tab B")).status_code == 303
    assert profile_of(run, noor).bio == "Tekst uit tab B"


def test_a_missing_or_garbled_version_is_a_conflict(client, run, login_as, people):
    noor = load_user(run, people["employee"].public_id)
    login_as(people["hr"])
    path = f"/hr/people/{noor.public_id}"
    for version in ("", "gisteren", "2026-12-01T09:00:00"):
        data = {"csrf_token": get_csrf(client, path), "version": version}
        data.update(hr_fields(noor, bio="Nieuw"))
        assert client.post(path, data=data).status_code == 409
    assert profile_of(run, noor).bio == ""


def test_hr_form_ignores_posted_role_email_and_active(client, run, login_as, people):
    noor = load_user(run, people["employee"].public_id)
    login_as(people["hr"])
    path = f"/hr/people/{noor.public_id}"
    fields = hr_fields(noor, bio="Nieuw", role="admin", email="evil@example.org", is_active="")
    assert save(client, path, client.get(path).text, fields).status_code == 303
    after = load_user(run, noor.public_id)
    assert (after.role, after.email, after.is_active) == (Role.EMPLOYEE, "noor@example.org", True)
    assert after.profile.bio == "Nieuw"


# ---- photos -----------------------------------------------------------------------------------


def test_hr_upload_and_remove_a_photo(client, run, login_as, people):
    noor = load_user(run, people["employee"].public_id)
    login_as(people["hr"])
    path = f"/hr/people/{noor.public_id}"
    data = png()
    response = save(client, path, client.get(path).text, hr_fields(noor), photo=data)
    assert response.status_code == 303, response.text[:3000]

    profile = profile_of(run, noor)
    image = run(lambda db: db.get(Image, profile.photo_id))
    assert image.owner_id == noor.id  # the person portrayed, who always sees their own photo
    assert image.source_digest == media.digest(data)
    assert image.widths == [128, 256, 300]  # none wider than the upload
    page = client.get(path).text
    assert f"/media/{image.public_id}/128.jpg" in page
    assert "photo" in audit_events(run, "profile.updated")[0].details["fields"]

    # Candidates see the photo while Noor is visible.
    login_as(people["candidate"])
    served = client.get(f"/media/{image.public_id}/128.jpg")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"

    login_as(people["hr"])
    page = client.get(path).text
    response = save(client, path, page, hr_fields(noor, remove_photo="on"))
    assert response.status_code == 303
    assert profile_of(run, noor).photo_id is None
    assert f"/media/{image.public_id}/" not in client.get(path).text
    login_as(people["candidate"])
    assert client.get(f"/media/{image.public_id}/128.jpg").status_code == 404


def test_a_file_that_is_not_a_picture_is_refused_with_the_text_kept(client, run, login_as, people):
    noor = load_user(run, people["employee"].public_id)
    login_as(people["hr"])
    path = f"/hr/people/{noor.public_id}"
    fields = hr_fields(noor, bio="Blijft staan")
    response = save(client, path, client.get(path).text, fields, photo=b"%PDF-1.4 not a picture")
    assert response.status_code == 422
    assert 'href="#field-photo"' in response.text and "Blijft staan</textarea>" in response.text
    assert profile_of(run, noor).photo_id is None
    assert run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(Image))) == 0


def test_a_conflict_keeps_no_photo_row(client, run, login_as, people):
    noor = load_user(run, people["employee"].public_id)
    login_as(people["hr"])
    path = f"/hr/people/{noor.public_id}"
    tab_a, tab_b = client.get(path).text, client.get(path).text
    assert save(client, path, tab_a, hr_fields(noor, bio="A")).status_code == 303
    response = save(client, path, tab_b, hr_fields(noor), photo=png())
    assert response.status_code == 409 and 'href="#field-photo"' in response.text
    assert run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(Image))) == 0


@pytest.mark.parametrize("upload_rate", [1])
def test_uploads_share_the_per_person_quota(client, run, login_as, people, upload_rate):
    me = load_user(run, people["employee"].public_id)
    login_as(me)
    first = save(client, "/me/profile", client.get("/me/profile").text, {}, photo=png())
    assert first.status_code == 303
    response = save(client, "/me/profile", client.get("/me/profile").text, {}, photo=png())
    assert response.status_code == 422
    assert "You uploaded many pictures just now" in response.text
    assert run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(Image))) == 1


# ---- one's own profile ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["employee", "hr", "admin"])
def test_staff_edit_their_own_words(client, run, login_as, people, role):
    me = load_user(run, people[role].public_id)
    login_as(me)
    page = client.get("/me/profile")
    assert page.status_code == 200
    # What HR keeps is shown, not editable.
    assert "Engineer" in page.text and "HR keep these up to date" in page.text
    assert 'name="job_title"' not in page.text and 'name="name"' not in page.text
    fields = {"bio": BIO, "pronouns": "zij/haar", "phone": "030 123 45 67", "linkedin_url": ""}
    response = save(client, "/me/profile", page.text, fields)
    assert response.status_code == 303 and response.headers["location"] == "/me/profile?done=saved"
    profile = profile_of(run, me)
    assert (profile.bio, profile.pronouns, profile.phone) == (
        BIO.strip(),
        "zij/haar",
        "030 123 45 67",
    )
    (event,) = audit_events(run, "profile.updated")
    assert event.actor_id == me.id and event.subject_id == me.public_id
    assert event.details == {"fields": ["pronouns", "bio", "phone"], "by": "self"}
    # Without JavaScript, the saved profile shows its preview.
    page = client.get("/me/profile?done=saved").text
    assert "Your profile is saved." in page
    assert "<strong>het platformteam</strong>" in page.split('id="preview"')[1]


def test_own_form_ignores_what_hr_keep(client, run, login_as, people):
    me = load_user(run, people["employee"].public_id)
    login_as(me)
    fields = {
        "bio": "Nieuw",
        "name": "Baas",
        "job_title": "CEO",
        "department": "Board",
        "role": "admin",
        "email": "evil@example.org",
        "is_active": "",
        "visible_to_candidates": "",
    }
    assert save(client, "/me/profile", client.get("/me/profile").text, fields).status_code == 303
    after = load_user(run, me.public_id)
    assert (after.name, after.role, after.email, after.is_active) == (
        "Noor Bakker",
        Role.EMPLOYEE,
        "noor@example.org",
        True,
    )
    assert (after.profile.job_title, after.profile.department) == ("Engineer", "Engineering")
    assert after.profile.visible_to_candidates and after.profile.bio == "Nieuw"


def test_own_profile_two_tabs_conflict(client, run, login_as, people):
    me = load_user(run, people["employee"].public_id)
    login_as(me)
    tab_a, tab_b = client.get("/me/profile").text, client.get("/me/profile").text
    assert save(client, "/me/profile", tab_a, {"bio": "Eerste"}).status_code == 303
    response = save(client, "/me/profile", tab_b, {"bio": "Tweede, mijn lange tekst"})
    assert response.status_code == 409
    assert "Tweede, mijn lange tekst</textarea>" in response.text
    assert profile_of(run, me).bio == "Eerste"


def test_own_photo_upload_goes_through_the_pipeline(client, run, login_as, people):
    me = load_user(run, people["employee"].public_id)
    login_as(me)
    photo = png((900, 1200))
    assert (
        save(client, "/me/profile", client.get("/me/profile").text, {}, photo=photo).status_code
        == 303
    )
    photo_id = profile_of(run, me).photo_id
    image = run(lambda db: db.get(Image, photo_id))
    assert image.widths == [128, 256, 512] and image.owner_id == me.id
    response = client.get(f"/media/{image.public_id}/512.jpg")
    assert response.status_code == 200
    assert PILImage.open(BytesIO(response.content)).size == (512, 683)


def test_htmx_preview_renders_the_card_and_bio_without_saving(client, run, login_as, people):
    me = load_user(run, people["employee"].public_id)
    login_as(me)
    page = client.get("/me/profile").text
    data = {
        "csrf_token": get_csrf(client, "/me/profile"),
        "version": version_on(page),
        "bio": "Hallo **kandidaat**\n\n<script>alert(1)</script>",
        "pronouns": "hij/hem",
        "linkedin_url": "javascript:alert(1)",
    }
    response = client.post("/me/profile/preview", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and "<form" not in response.text
    assert "<strong>kandidaat</strong>" in response.text and "<script>" not in response.text
    assert "hij/hem" in response.text and 'class="person-card"' in response.text
    assert "javascript:" not in response.text  # an unchecked link never reaches an href
    assert profile_of(run, me).bio == ""


def test_preview_without_javascript_shows_the_page_with_the_text_kept(
    client, run, login_as, people
):
    me = load_user(run, people["employee"].public_id)
    login_as(me)
    page = client.get("/me/profile").text
    response = save(client, "/me/profile/preview", page, {"bio": "Nog niet **bewaard**"})
    assert response.status_code == 200
    assert "<html" in response.text and "nothing is saved yet" in response.text
    assert "Nog niet **bewaard**</textarea>" in response.text
    assert "<strong>bewaard</strong>" in response.text
    assert profile_of(run, me).bio == ""


# ---- withdrawing from candidates ----------------------------------------------------------------


def test_hiding_removes_card_bio_and_photo_from_candidate_pages_at_once(
    client, run, login_as, people
):
    me = load_user(run, people["employee"].public_id)
    candidate = people["candidate"]
    visit = run(lambda db: create_visit(db, candidate=candidate, interviewers=[me]))
    login_as(me)
    save(client, "/me/profile", client.get("/me/profile").text, {"bio": BIO}, photo=png())
    photo_id = profile_of(run, me).photo_id
    image = run(lambda db: db.get(Image, photo_id))
    photo_url = f"/media/{image.public_id}/128.jpg"

    login_as(candidate)
    assert "Noor Bakker" in client.get(f"/visit/{visit.public_id}").text
    assert client.get(f"/people/{me.public_id}").status_code == 200
    assert client.get(photo_url).status_code == 200

    login_as(me)
    page = client.get("/me/profile").text
    assert "Hide me from candidates" in page and "every candidate page at once" in page
    response = client.post(
        "/me/profile/visibility",
        data={"csrf_token": get_csrf(client, "/me/profile"), "visible": "0"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/me/profile?done=hidden"
    page = client.get("/me/profile?done=hidden").text
    assert "Show me to candidates" in page
    assert client.get(photo_url).status_code == 200  # they still see their own photo

    login_as(candidate)
    visit_page = client.get(f"/visit/{visit.public_id}")
    assert visit_page.status_code == 200 and "Noor Bakker" not in visit_page.text
    assert "het platformteam" not in visit_page.text and image.public_id not in visit_page.text
    assert client.get(f"/people/{me.public_id}").status_code == 404
    assert client.get(photo_url).status_code == 404

    (event,) = audit_events(run, "profile.visibility_changed")
    assert event.actor_id == me.id and event.details == {"visible": False, "by": "self"}

    login_as(me)
    client.post(
        "/me/profile/visibility",
        data={"csrf_token": get_csrf(client, "/me/profile"), "visible": "1"},
    )
    login_as(candidate)
    assert "Noor Bakker" in client.get(f"/visit/{visit.public_id}").text
    assert client.get(photo_url).status_code == 200
    assert len(audit_events(run, "profile.visibility_changed")) == 2


def test_hr_cannot_undo_a_withdrawal_unseen(client, run, login_as, other_browser, people):
    """An HR form opened before the person hid themselves cannot switch them back on."""
    me = load_user(run, people["employee"].public_id)
    login_as(people["hr"])
    path = f"/hr/people/{me.public_id}"
    hr_page = client.get(path).text
    with other_browser() as phone:
        login_as(me)
        token = get_csrf(phone, "/me/profile")
        phone.post("/me/profile/visibility", data={"csrf_token": token, "visible": "0"})
    response = save(client, path, hr_page, hr_fields(me, bio="HR tekst"))
    assert response.status_code == 409
    assert not profile_of(run, me).visible_to_candidates


def test_hiding_twice_changes_nothing_more(client, run, login_as, people):
    me = people["employee"]
    login_as(me)
    for _ in range(2):
        client.post(
            "/me/profile/visibility",
            data={"csrf_token": get_csrf(client, "/me/profile"), "visible": "0"},
        )
    assert len(audit_events(run, "profile.visibility_changed")) == 1
    assert not profile_of(run, me).visible_to_candidates


def test_candidates_have_no_profile_page(client, login_as, people):
    login_as(people["candidate"])
    assert client.get("/me/profile").status_code == 404
