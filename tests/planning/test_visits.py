"""HR plans a visit: create, change, cancel, invite; every bad input has its message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from portal.models import AuditEvent, SignInToken, TokenPurpose, User, Visit, VisitStatus
from tests.conftest import get_csrf
from tests.planning.conftest import VISIT, add_item, new_visit, version, visit_id


def _visit(run: Any, public_id: str) -> Visit:
    async def get(db: Any) -> Visit:
        return (await db.scalars(sa.select(Visit).where(col(Visit.public_id) == public_id))).one()

    return run(get)  # type: ignore[no-any-return]


def _user(run: Any, email: str) -> User | None:
    return run(lambda db: db.scalar(sa.select(User).where(col(User.email) == email)))  # type: ignore[no-any-return]


def test_hr_plans_a_visit_and_the_candidate_account_is_made(client, run, login_as, people):
    login_as(people["hr"])
    response = new_visit(client, host=people["hr"].public_id)
    assert response.status_code == 303
    visit = _visit(run, visit_id(response))
    candidate = _user(run, "sam@example.org")
    assert candidate is not None and candidate.role == "candidate"
    assert visit.candidate_id == candidate.id and visit.host_id == people["hr"].id
    assert visit.starts_at == datetime(2026, 12, 10, 8, 30, tzinfo=UTC)  # 09:30 in Amsterdam
    page = client.get(response.headers["location"]).text
    assert "Sam de Vries" in page and "Programma" in page


def test_bad_visit_forms_come_back_with_a_message_per_field(client, run, login_as, people):
    login_as(people["hr"])
    cases = [
        ({"candidate_email": "geen adres"}, "candidate_email"),
        ({"candidate_name": ""}, "candidate_name"),
        ({"position": ""}, "position"),
        ({"end": "09:00"}, "end"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"day": "morgen"}, "day"),
        ({"start": "25:00"}, "start"),
        ({"day": "2027-03-28", "start": "02:30", "end": "04:00"}, "start"),  # clocks go forward
        ({"candidate_email": people["noor"].email}, "candidate_email"),  # a staff account
        ({"location": "nope"}, "location"),
        ({"host": people["noor"].public_id}, "host"),  # not HR
    ]
    for fields, field in cases:
        response = new_visit(client, **fields)
        assert response.status_code == 422, fields
        assert f'href="#field-{field}"' in response.text, fields
    assert run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(Visit))) == 0


def test_a_visit_in_the_past_is_saved_with_a_warning(client, run, login_as, people, clock):
    login_as(people["hr"])
    response = new_visit(client, day="2026-11-20")
    assert response.status_code == 303
    public_id = visit_id(response)
    data = {"csrf_token": get_csrf(client, "/hr/visits/new"), **VISIT, "day": "2026-11-21"}
    data["version"] = version(client, public_id)
    saved = client.post(f"/hr/visits/{public_id}", data=data)
    assert "past=1" in saved.headers["location"]
    assert "in het verleden" in client.get(saved.headers["location"]).text


def test_an_existing_candidate_is_reused_not_duplicated(client, run, login_as, people):
    login_as(people["hr"])
    new_visit(client, candidate_email=people["candidate"].email, candidate_name="Lotte M.")
    new_visit(client, candidate_email=people["candidate"].email, candidate_name="Lotte Mulder")
    count = run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(User)))
    assert count == 6  # nobody new


def test_moving_the_date_moves_the_programme(client, run, login_as, people):
    login_as(people["hr"])
    public_id = visit_id(new_visit(client))
    add_item(client, public_id, start="10:00", end="11:00")
    data = {"csrf_token": get_csrf(client, "/hr/visits/new"), **VISIT, "day": "2026-12-17"}
    data["version"] = version(client, public_id)
    assert client.post(f"/hr/visits/{public_id}", data=data).status_code == 303

    async def items(db: Any) -> list[Any]:
        from portal.models import AgendaItem

        return list(await db.scalars(sa.select(AgendaItem)))

    [item] = run(items)
    assert item.starts_at == datetime(2026, 12, 17, 9, 0, tzinfo=UTC)  # 10:00 still
    assert item.sequence == 1  # calendars take the new day


def test_two_coordinators_saving_at_once(client, run, login_as, people, other_browser):
    login_as(people["hr"])
    public_id = visit_id(new_visit(client))
    stale = version(client, public_id)
    data = {"csrf_token": get_csrf(client, "/hr/visits/new"), **VISIT, "version": stale}
    assert (
        client.post(f"/hr/visits/{public_id}", data={**data, "position": "Eerste"}).status_code
        == 303
    )
    response = client.post(f"/hr/visits/{public_id}", data={**data, "position": "Tweede"})
    assert response.status_code == 409
    assert 'value="Tweede"' in response.text  # their text is kept in the form
    assert _visit(run, public_id).position == "Eerste"


def test_invitation_link_lasts_seven_days_and_signs_in_once(
    client, run, login_as, people, deliver, clock, other_browser
):
    login_as(people["hr"])
    public_id = visit_id(new_visit(client))
    add_item(client, public_id)
    csrf = get_csrf(client, f"/hr/visits/{public_id}")
    assert (
        client.post(f"/hr/visits/{public_id}/invite", data={"csrf_token": csrf}).status_code == 303
    )
    visit = _visit(run, public_id)
    assert visit.invited_at == clock.now

    tokens = run(lambda db: _tokens(db))
    assert [t.purpose for t in tokens] == [TokenPurpose.INVITATION]
    assert tokens[0].expires_at - tokens[0].created_at == timedelta(days=7)
    [mail] = deliver()
    assert mail.recipient == "sam@example.org"
    assert "Kennismaking" in mail.text and "10 december 2026" in mail.text
    link = next(w for w in mail.text.split() if "/login/confirm?token=" in w)

    clock.advance(days=6)
    with other_browser():
        path = link.replace("http://testserver", "")
        page = client.get(path)
        assert page.status_code == 200
        token = path.split("token=")[1]
        confirm = client.post(
            "/login/confirm", data={"csrf_token": get_csrf(client, path), "token": token}
        )
        assert confirm.status_code == 303
        assert "Kennismaking" in client.get(f"/visit/{public_id}").text
    assert _visit(run, public_id).first_signed_in_at == clock.now


async def _tokens(db: Any) -> list[SignInToken]:
    return list(await db.scalars(sa.select(SignInToken)))


def test_cancelling_tells_the_candidate(client, run, login_as, people, deliver, other_browser):
    login_as(people["hr"])
    public_id = visit_id(new_visit(client, host=people["hr"].public_id))
    data = {"csrf_token": get_csrf(client, "/hr/visits"), "version": version(client, public_id)}
    assert client.post(f"/hr/visits/{public_id}/cancel", data=data).status_code == 303
    assert _visit(run, public_id).status == VisitStatus.CANCELLED
    [mail] = deliver()
    assert mail.recipient == "sam@example.org" and "gaat niet door" in mail.text
    # Cancelling again from an old tab: told, nothing happens twice.
    assert client.post(f"/hr/visits/{public_id}/cancel", data=data).status_code == 409
    assert len(deliver()) == 1
    # No inviting to a cancelled visit.
    csrf = get_csrf(client, "/hr/visits")
    assert (
        client.post(f"/hr/visits/{public_id}/invite", data={"csrf_token": csrf}).status_code == 409
    )


def test_the_visit_list_searches_and_costs_the_same_queries(
    client, run, login_as, people, count_queries
):
    login_as(people["hr"])
    for n in range(3):
        new_visit(client, candidate_email=f"c{n}@example.org", candidate_name=f"Kandidaat {n}")
    with count_queries() as few:
        page = client.get("/hr/visits?q=kandidaat 1&since=2026-12-01").text
    assert "Kandidaat 1" in page and "Kandidaat 2" not in page
    for n in range(3, 30):
        new_visit(client, candidate_email=f"c{n}@example.org", candidate_name=f"Kandidaat {n}")
    with count_queries() as many:
        page = client.get("/hr/visits?since=2026-12-01").text
    assert page.count('href="/hr/visits/') >= 25
    assert len(many) == len(few) <= 2
    assert "Volgende pagina" in page


def test_an_htmx_search_answers_the_results_with_their_forms(client, run, login_as, people):
    # The results block is rendered alone for htmx: it must carry its own imports (it once
    # answered 500, "'csrf_field' is undefined", as soon as any visit was found).
    login_as(people["hr"])
    new_visit(client, candidate_email="htmx@example.org", candidate_name="Kandidaat Htmx")
    answer = client.get("/hr/visits?q=htmx&since=2026-12-01", headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert "Kandidaat Htmx" in answer.text and 'name="csrf_token"' in answer.text
    assert "<html" not in answer.text  # the fragment, not the page


def test_history_shows_who_did_what(client, run, login_as, people):
    login_as(people["hr"])
    public_id = visit_id(new_visit(client))
    add_item(client, public_id, title="Lunch met het team", kind="lunch")
    page = client.get(f"/hr/visits/{public_id}").text
    history = page.split('id="history-title"')[1]
    assert "Fatima El Amrani" in history and "Lunch met het team" in history

    async def actions(db: Any) -> list[str]:
        rows = await db.scalars(
            sa.select(AuditEvent.action).where(col(AuditEvent.subject_id) == public_id)
        )
        return sorted(rows)

    assert run(actions) == ["agenda.item_added", "visit.created"]


def test_notes_for_this_visit_reach_the_candidate_safely(client, run, login_as, people):
    login_as(people["hr"])
    notes = "Neem je **laptop** mee. <script>alert(1)</script>"
    public_id = visit_id(new_visit(client, arrival_notes=notes))
    candidate = _user(run, "sam@example.org")
    client.cookies.clear()
    login_as(candidate)
    page = client.get(f"/visit/{public_id}").text
    assert "<strong>laptop</strong>" in page and "<script>alert(1)" not in page
