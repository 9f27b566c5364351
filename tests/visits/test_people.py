"""Meet the people: cards on the visit, and bios at /people/{id} for those allowed."""

from __future__ import annotations

import sqlalchemy as sa

from portal.models import StaffProfile
from tests.factories import create_visit


def test_visit_shows_a_card_per_person_with_what_they_take_part_in(
    client, run, make_user, login_as
):
    candidate = make_user()
    noor = make_user(role="employee", name="Noor Bakker", job_title="Engineering manager")
    run(lambda db: create_visit(db, candidate=candidate, items=2, interviewers=[noor]))
    login_as(candidate)
    page = client.get("/").text
    assert page.count(f"/people/{noor.public_id}") >= 2  # agenda link and card
    assert "Gesprek 1" in page and "Gesprek 2" in page
    assert "NB" in page  # initials stand in for a photo


def test_candidate_reads_the_bio_of_someone_they_will_meet(client, run, make_user, login_as):
    candidate = make_user()
    noor = make_user(role="employee", name="Noor Bakker")

    async def bio(db):
        await db.execute(
            sa.update(StaffProfile)
            .where(StaffProfile.user_id == noor.id)
            .values(
                bio="Ik leid **het team**.\n\n<script>alert(1)</script>",
                pronouns="zij/haar",
                linkedin_url="https://www.linkedin.com/in/noor",
            )
        )

    run(bio)
    run(lambda db: create_visit(db, candidate=candidate, interviewers=[noor]))
    login_as(candidate)
    page = client.get(f"/people/{noor.public_id}")
    assert page.status_code == 200
    assert "<strong>het team</strong>" in page.text and "<script>alert(1)" not in page.text
    assert "zij/haar" in page.text and 'href="https://www.linkedin.com/in/noor"' in page.text
    assert "hx-disable" in page.text


def test_candidate_gets_404_for_people_not_on_their_visit(client, run, make_user, login_as):
    candidate, other = make_user(), make_user()
    noor = make_user(role="employee")
    stranger = make_user(role="employee")
    hidden = make_user(role="employee", visible=False)
    run(lambda db: create_visit(db, candidate=other, interviewers=[stranger]))
    run(lambda db: create_visit(db, candidate=candidate, interviewers=[noor, hidden]))
    login_as(candidate)
    assert client.get(f"/people/{noor.public_id}").status_code == 200
    for person in (stranger, hidden, other, candidate):
        assert client.get(f"/people/{person.public_id}").status_code == 404
    assert client.get("/people/nope").status_code == 404


def test_people_only_on_internal_items_stay_hidden(client, run, make_user, login_as):
    candidate = make_user()
    debrief_only = make_user(role="employee", name="Jeroen Smit")
    run(
        lambda db: create_visit(
            db, candidate=candidate, items=0, hidden_items=1, interviewers=[debrief_only]
        )
    )
    login_as(candidate)
    assert "Jeroen Smit" not in client.get("/").text
    assert client.get(f"/people/{debrief_only.public_id}").status_code == 404


def test_staff_read_any_colleagues_profile(client, make_user, login_as):
    colleague = make_user(role="employee", visible=False)
    login_as(make_user(role="employee"))
    assert client.get(f"/people/{colleague.public_id}").status_code == 200


def test_host_contact_and_map_link(client, run, make_user, login_as):
    candidate = make_user()
    host = make_user(role="hr", name="Fatima El Amrani", email="fatima@example.com")

    async def setup(db):
        await db.execute(
            sa.update(StaffProfile)
            .where(StaffProfile.user_id == host.id)
            .values(phone="+31 30 123 45 67")
        )
        return await create_visit(db, candidate=candidate, host_id=host.id)

    run(setup)
    login_as(candidate)
    page = client.get("/").text
    assert 'href="mailto:fatima@example.com"' in page
    assert 'href="tel:+31301234567"' in page
    assert (
        "https://www.openstreetmap.org/search?query=Catharijnesingel%201%2C%203511%20GA%20Utrecht"
        in page
    )
