"""The agenda builder: add, change, remove, reorder, copy, warnings, concurrent edits."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from portal.models import AgendaItem, AgendaTemplate, Visit
from portal.visits.notices import queue_due_change_notices
from tests.conftest import get_csrf
from tests.planning.conftest import add_item, new_visit, version, visit_id


def _items(run: Any) -> list[AgendaItem]:
    async def get(db: Any) -> list[AgendaItem]:
        rows = await db.scalars(sa.select(AgendaItem).order_by(col(AgendaItem.starts_at)))
        return list(rows)

    return run(get)  # type: ignore[no-any-return]


def _visit(run: Any, public_id: str) -> Visit:
    return run(  # type: ignore[no-any-return]
        lambda db: db.scalar(sa.select(Visit).where(col(Visit.public_id) == public_id))
    )


def planned(client: Any, people: dict[str, Any]) -> str:
    """A visit with four items: three with Noor, a lunch with Daan."""
    public_id = visit_id(new_visit(client))
    noor, daan = people["noor"].public_id, people["daan"].public_id
    add_item(client, public_id, start="09:30", end="10:00", title="Ontvangst", kind="other")
    add_item(client, public_id, start="10:00", end="11:00", title="Gesprek", interviewers=[noor])
    add_item(
        client,
        public_id,
        start="11:00",
        end="12:30",
        title="Opdracht",
        kind="assignment",
        interviewers=[noor],
    )
    add_item(
        client,
        public_id,
        start="12:30",
        end="13:30",
        title="Lunch",
        kind="lunch",
        interviewers=[daan],
    )
    return public_id


def item_id(client: Any, public_id: str, title: str) -> str:
    page = client.get(f"/hr/visits/{public_id}").text
    match = re.search(
        r'<li id="item-([A-Za-z0-9_-]+)" class="builder-item">.*?<h3 class="item-title">'
        + re.escape(title)
        + "</h3>",
        page,
        re.S,
    )
    assert match, title
    # The lazy pattern may span items: take the last id before the title.
    return re.findall(r'id="item-([A-Za-z0-9_-]+)"', match.group(0))[-1]


def post(client: Any, path: str, **data: Any) -> Any:
    public_id = path.split("/")[3]
    data = {
        "csrf_token": get_csrf(client, "/hr/visits"),
        "version": version(client, public_id),
        **data,
    }
    return client.post(path, data=data)


def test_build_a_programme_of_four(client, run, login_as, people):
    login_as(people["hr"])
    planned(client, people)
    items = _items(run)
    assert [i.title for i in items] == ["Ontvangst", "Gesprek", "Opdracht", "Lunch"]
    assert items[0].starts_at == datetime(2026, 12, 10, 8, 30, tzinfo=UTC)


def test_bad_items_come_back_with_messages_and_nothing_is_added(client, run, login_as, people):
    login_as(people["hr"])
    public_id = visit_id(new_visit(client))
    for fields, key in [
        ({"end": "09:00"}, "new-end-error"),
        ({"title": ""}, "new-title-error"),
        ({"kind": "feest"}, "new-kind-error"),
        ({"start": "9 uur"}, "new-start-error"),
    ]:
        response = add_item(client, public_id, **fields)
        assert response.status_code == 422, fields
        assert f'id="{key}"' in response.text, fields
    assert _items(run) == []


def test_reordering_swaps_the_slots_and_keeps_lengths(client, run, login_as, people):
    login_as(people["hr"])
    public_id = planned(client, people)
    lunch = item_id(client, public_id, "Lunch")
    response = post(client, f"/hr/visits/{public_id}/items/{lunch}/move", direction="up")
    assert response.status_code == 303
    items = _items(run)
    assert [i.title for i in items] == ["Ontvangst", "Gesprek", "Lunch", "Opdracht"]
    lunch_item, task = items[2], items[3]
    assert lunch_item.starts_at == datetime(2026, 12, 10, 10, 0, tzinfo=UTC)  # 11:00 local
    assert lunch_item.ends_at - lunch_item.starts_at == timedelta(hours=1)
    assert task.ends_at - task.starts_at == timedelta(minutes=90)
    assert lunch_item.sequence == task.sequence == 1
    # The first item cannot go further up: nothing changes.
    first = item_id(client, public_id, "Ontvangst")
    post(client, f"/hr/visits/{public_id}/items/{first}/move", direction="up")
    assert [i.title for i in _items(run)] == ["Ontvangst", "Gesprek", "Lunch", "Opdracht"]


def test_htmx_gets_the_agenda_back_with_the_new_version(client, run, login_as, people):
    login_as(people["hr"])
    public_id = planned(client, people)
    lunch = item_id(client, public_id, "Lunch")
    data = {
        "csrf_token": get_csrf(client, "/hr/visits"),
        "version": version(client, public_id),
        "direction": "up",
    }
    response = client.post(
        f"/hr/visits/{public_id}/items/{lunch}/move",
        data=data,
        headers={"HX-Request": "true", "HX-Target": "agenda"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="agenda"')
    new_version = str(_visit(run, public_id).version)
    assert f'id="visit-version" name="version" value="{new_version}"' in response.text
    assert 'hx-swap-oob="true"' in response.text


def test_change_and_remove_an_item(client, run, login_as, people):
    login_as(people["hr"])
    public_id = planned(client, people)
    task = item_id(client, public_id, "Opdracht")
    response = post(
        client,
        f"/hr/visits/{public_id}/items/{task}",
        start="11:00",
        end="12:30",
        kind="assignment",
        title="Praktijkopdracht",
        room="Zaal Dom",
        visible_to_candidate="on",
        interviewers=[people["daan"].public_id],
    )
    assert response.status_code == 303
    changed = next(i for i in _items(run) if i.public_id == task)
    assert (changed.title, changed.room, changed.sequence) == ("Praktijkopdracht", "Zaal Dom", 1)
    assert post(client, f"/hr/visits/{public_id}/items/{task}/delete").status_code == 303
    assert "Praktijkopdracht" not in [i.title for i in _items(run)]


def test_two_coordinators_editing_one_agenda(client, run, login_as, people, other_browser):
    login_as(people["hr"])
    public_id = planned(client, people)
    stale = version(client, public_id)
    lunch = item_id(client, public_id, "Lunch")
    with other_browser():
        login_as(people["hr2"])
        assert (
            post(client, f"/hr/visits/{public_id}/items/{lunch}/move", direction="up").status_code
            == 303
        )
    # The first coordinator's page still shows the old version: told, not overwritten.
    data = {
        "csrf_token": get_csrf(client, "/hr/visits"),
        "version": stale,
        "start": "12:30",
        "end": "13:30",
        "kind": "lunch",
        "title": "Lunch op het dak",
        "visible_to_candidate": "on",
    }
    response = client.post(f"/hr/visits/{public_id}/items/{lunch}", data=data)
    assert response.status_code == 409
    assert 'value="Lunch op het dak"' in response.text  # their typing is kept
    assert "Lunch op het dak" not in [i.title for i in _items(run)]
    assert [i.title for i in _items(run)] == ["Ontvangst", "Gesprek", "Lunch", "Opdracht"]


def test_warnings_but_no_blocks(client, run, login_as, people):
    login_as(people["hr"])
    public_id = visit_id(new_visit(client))
    noor = people["noor"].public_id
    add_item(client, public_id, start="09:30", end="10:30", title="Eerste", interviewers=[noor])
    add_item(client, public_id, start="10:00", end="11:00", title="Tweede", interviewers=[noor])
    add_item(client, public_id, start="13:00", end="14:00", title="Zonder")
    other = visit_id(new_visit(client, candidate_email="ander@example.org"))
    add_item(client, other, start="13:30", end="14:30", title="Elders", interviewers=[noor])
    add_item(client, public_id, start="14:00", end="14:30", title="Laat", interviewers=[noor])
    page = client.get(f"/hr/visits/{public_id}").text
    warnings = page.split("Kijk even naar:")[1].split("</ul>")[0]
    assert "“Eerste” en “Tweede” overlappen" in warnings
    assert "Noor Bakker zit tegelijk in “Eerste” en “Tweede”" in warnings
    assert "meer dan een uur tussen vóór “Zonder”" in warnings
    assert "“Zonder” is een gesprek zonder gesprekspartner" in warnings
    assert "ook ingepland bij een ander bezoek" in warnings
    assert len(_items(run)) == 5  # all saved


def test_interviewer_search(client, login_as, people):
    login_as(people["hr"])
    found = client.get("/hr/staff-search?search=noor&key=new", headers={"HX-Request": "true"})
    assert people["noor"].public_id in found.text and people["daan"].public_id not in found.text
    assert "Sam" not in client.get("/hr/staff-search?search=sam&key=new").text  # no candidates


def test_copy_from_a_template_and_from_an_earlier_visit(client, run, login_as, people):
    login_as(people["hr"])
    source = planned(client, people)
    data = {
        "csrf_token": get_csrf(client, "/hr/visits"),
        "name": "Engineering, hele dag",
        "department": "Engineering",
    }
    assert client.post(f"/hr/visits/{source}/template", data=data).status_code == 303
    template = run(lambda db: db.scalar(sa.select(AgendaTemplate)))
    assert template.day_start == "09:30" and len(template.items) == 4

    target = visit_id(
        new_visit(
            client,
            candidate_email="nieuw@example.org",
            day="2026-12-14",
            template=template.public_id,
        )
    )
    copied = [i for i in _items(run) if i.visit_id == _visit(run, target).id]
    assert [i.title for i in copied] == ["Ontvangst", "Gesprek", "Opdracht", "Lunch"]
    assert copied[0].starts_at == datetime(2026, 12, 14, 8, 30, tzinfo=UTC)

    third = visit_id(new_visit(client, candidate_email="derde@example.org", day="2026-12-15"))
    response = post(client, f"/hr/visits/{third}/copy", source=f"visit:{source}")
    assert response.status_code == 303
    visit = _visit(run, third)
    assert [i.title for i in _items(run) if i.visit_id == visit.id][-1] == "Lunch"
    assert visit.starts_at == datetime(2026, 12, 15, 8, 30, tzinfo=UTC)
    # A source that does not exist: a message, nothing replaced.
    assert post(client, f"/hr/visits/{third}/copy", source="visit:nope").status_code == 422


def test_the_candidate_hears_once_when_editing_stops(
    client, run, login_as, people, clock, app, mailbox, deliver
):
    login_as(people["hr"])
    public_id = planned(client, people)
    csrf = get_csrf(client, f"/hr/visits/{public_id}")
    client.post(f"/hr/visits/{public_id}/invite", data={"csrf_token": csrf})
    deliver()
    lunch = item_id(client, public_id, "Lunch")
    for _ in range(3):  # three edits in a row
        post(client, f"/hr/visits/{public_id}/items/{lunch}/move", direction="up")
    st = app.state

    def due() -> int:
        return client.portal.call(
            lambda: queue_due_change_notices(
                st.db,
                mailer=st.mailer,
                now=clock.now,
            )
        )

    assert due() == 0  # still editing
    clock.advance(minutes=11)
    assert due() == 1
    assert due() == 0
    mails = deliver()
    assert [m.recipient for m in mails[1:]] == ["sam@example.org"]
    assert "gewijzigd" in mails[-1].subject
