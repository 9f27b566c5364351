"""A candidate's data export: one JSON file with everything about them and nothing else."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal.models import (
    AuditEvent,
    Question,
    QuestionStatus,
    VisitPreferences,
)
from portal.preferences import sealed
from tests.factories import create_user, create_visit

EXPORT = "/me/privacy/export"


async def build(db: Any, app: Any, *, tag: str, visits: int = 1) -> dict[str, Any]:
    """A candidate with ``visits`` visits, each with an agenda (one item hidden), answers,
    a question answered and read by HR; every kind of data carries ``tag``."""
    keyring = app.state.keyring
    hr = await create_user(db, role="hr", name=f"HR {tag} Reader", job_title="Recruiter")
    shown = await create_user(db, role="employee", name=f"Shown {tag}", job_title="Lead")
    hidden = await create_user(db, role="employee", name=f"Hidden {tag}", visible=False)
    candidate = await create_user(db, name=f"Cand {tag}", email=f"{tag.lower()}@example.org")
    made = []
    for n in range(visits):
        visit = await create_visit(
            db,
            candidate=candidate,
            items=1,
            hidden_items=1,
            interviewers=[shown, hidden],
            position=f"Position {tag} {n}",
            start=datetime(2026, 12, 3, 8, 30, tzinfo=UTC) + timedelta(days=n),
        )
        visit.agenda[0].title = f"Item {tag} {n}"
        visit.agenda[1].title = f"Internal {tag} {n}"
        db.add(
            VisitPreferences(
                visit_id=visit.id,  # type: ignore[arg-type]
                diet=sealed.seal(keyring, f"Diet {tag} {n}"),
                accessibility=sealed.seal(keyring, ""),
            )
        )
        db.add(
            Question(
                visit_id=visit.id,  # type: ignore[arg-type]
                candidate_id=candidate.id,  # type: ignore[arg-type]
                idempotency_key=f"{tag}-{n}",
                body=f"Question {tag} {n}",
                status=QuestionStatus.ANSWERED,
                answer=f"Answer {tag} {n}",
                answered_by_id=shown.id,
                answered_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
                internal_note=f"Internal note {tag} {n}",
                draft=f"Draft {tag} {n}",
                assignee_id=hidden.id,
            )
        )
        sealed.record_read(
            db, reader=hr, visit_public_id=visit.public_id, now=datetime(2026, 12, 1, tzinfo=UTC)
        )
        made.append(visit)
    await db.flush()
    return {"candidate": candidate, "hr": hr, "visits": made}


def data_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    return json.loads(response.content.decode("utf-8"))  # type: ignore[no-any-return]


def test_the_export_holds_every_kind_of_data_and_nothing_of_another(client, app, run, login_as):
    mine = run(lambda db: build(db, app, tag="Mine"))
    run(lambda db: build(db, app, tag="Theirs"))
    login_as(mine["candidate"])
    response = client.get(EXPORT)
    data = data_of(response)
    text = response.content.decode("utf-8")
    assert (data["format"], data["version"]) == ("candidate-portal-export", 1)
    assert data["generated_at"].startswith("2026-12-01T09:00")
    assert data["account"]["name"] == "Cand Mine"
    assert data["account"]["email"] == "mine@example.org"
    [visit] = data["visits"]
    assert visit["position"] == "Position Mine 0"
    assert [i["title"] for i in visit["agenda"]] == ["Item Mine 0"]
    assert visit["agenda"][0]["interviewers"] == [{"name": "Shown Mine", "job_title": "Lead"}]
    assert visit["preferences"]["diet"] == "Diet Mine 0"
    [question] = data["questions"]
    assert question["question"] == "Question Mine 0"
    assert question["answer"] == "Answer Mine 0"
    assert question["answered_by"] == {"name": "Shown Mine", "job_title": "Lead"}
    [read] = data["special_category_reads"]
    assert read == {
        "at": "2026-12-01T00:00:00+00:00",
        "reader": "HR Mine Reader",
        "role": "hr",
        "visit": visit["id"],
    }
    # Staff's working notes, hidden items and hidden colleagues stay out; so does anyone else.
    for absent in ("Internal", "Draft", "Hidden", "Theirs", "gAAAAA"):
        assert absent not in text


def test_a_candidate_without_visits_gets_their_account(client, make_user, login_as):
    candidate = make_user(name="Nel Zonder")
    login_as(candidate)
    data = data_of(client.get(EXPORT))
    assert data["account"]["name"] == "Nel Zonder"
    assert data["visits"] == [] and data["questions"] == []
    assert data["account"]["erasure_due_on"] == "2026-12-29"


def test_the_query_count_does_not_grow_with_visits(client, app, run, login_as, count_queries):
    counts = []
    for tag, n in (("One", 1), ("Five", 5)):
        built = run(lambda db, tag=tag, n=n: build(db, app, tag=tag, visits=n))
        client.cookies.clear()
        login_as(built["candidate"])
        with count_queries() as seen:
            data = data_of(client.get(EXPORT))
        assert len(data["visits"]) == n and len(data["special_category_reads"]) == n
        counts.append(len(seen))
    assert counts[0] == counts[1] <= 8, counts


def test_staff_and_visitors_have_no_export(client, make_user, login_as):
    assert client.get(EXPORT).status_code in (302, 303)
    for role in ("employee", "hr"):
        client.cookies.clear()
        login_as(make_user(role))
        assert client.get(EXPORT).status_code == 404


def test_hr_exports_a_candidate_and_it_is_audited(client, app, run, login_as):
    mine = run(lambda db: build(db, app, tag="Mine"))
    run(lambda db: build(db, app, tag="Theirs"))
    login_as(mine["hr"])
    response = client.get(f"/hr/visits/{mine['visits'][0].public_id}/export")
    data = data_of(response)
    assert data["account"]["email"] == "mine@example.org"
    assert "Theirs" not in response.content.decode("utf-8")

    async def events(db: Any) -> list[AuditEvent]:
        query = sa.select(AuditEvent).where(AuditEvent.action == "candidate.exported")
        return list(await db.scalars(query))

    [event] = run(events)
    assert event.actor_id == mine["hr"].id
    assert (event.subject_type, event.subject_id) == ("user", mine["candidate"].public_id)


def test_only_hr_can_export_a_candidate(client, app, run, login_as, make_user):
    mine = run(lambda db: build(db, app, tag="Mine"))
    path = f"/hr/visits/{mine['visits'][0].public_id}/export"
    for user in (make_user("employee"), mine["candidate"]):
        client.cookies.clear()
        login_as(user)
        assert client.get(path).status_code == 404
    client.cookies.clear()
    login_as(mine["hr"])
    assert client.get("/hr/visits/no-such-visit/export").status_code == 404

    async def exported(db: Any) -> int:
        query = sa.select(sa.func.count()).where(AuditEvent.action == "candidate.exported")
        return int(await db.scalar(query))

    assert run(exported) == 0


def test_hr_finds_the_export_on_the_visit_page(client, app, run, login_as):
    mine = run(lambda db: build(db, app, tag="Mine"))
    login_as(mine["hr"])
    pid = mine["visits"][0].public_id
    assert f'href="/hr/visits/{pid}/export"' in client.get(f"/hr/visits/{pid}").text
