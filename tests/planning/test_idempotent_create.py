"""A double POST of "new visit" makes one visit (the form carries an idempotency key)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.models import Visit
from tests.conftest import csrf_from
from tests.parallel import post_in_parallel
from tests.planning.conftest import VISIT


def _visits(run):
    async def get(db):
        return list(await db.scalars(sa.select(Visit)))

    return run(get)


def _form(client):
    page = client.get("/hr/visits/new").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert key, "the new-visit form has no idempotency key"
    return {"csrf_token": csrf_from(page), "idempotency_key": key.group(1), **VISIT}


def test_the_same_form_twice_makes_one_visit(client, login_as, people, run):
    login_as(people["hr"])
    body = _form(client)
    first = client.post("/hr/visits", data=body)
    again = client.post("/hr/visits", data=body)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert len(_visits(run)) == 1
    # A fresh form is a new visit.
    assert client.post("/hr/visits", data=_form(client)).status_code == 303
    assert len(_visits(run)) == 2


def test_a_double_click_at_once_makes_one_visit(client, login_as, people, run):
    login_as(people["hr"])
    body = _form(client)
    answers = post_in_parallel(client, "/hr/visits", [body] * 4)
    assert {a.status_code for a in answers} == {303}
    assert len({a.headers["location"] for a in answers}) == 1
    assert len(_visits(run)) == 1


def test_the_key_is_checked(client, login_as, people, run):
    login_as(people["hr"])
    body = _form(client)
    body["idempotency_key"] = "x\x00" + "k" * 500
    assert client.post("/hr/visits", data=body).status_code == 303
    assert len(_visits(run)) == 1
