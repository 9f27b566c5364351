"""Expired tokens, dead sessions and old counters are deleted."""

from __future__ import annotations

import sqlalchemy as sa

from portal.maintenance import purge_expired
from portal.models import SignInToken, UserSession
from tests.auth.test_sign_in import ask_link


async def _count(db, model):
    return await db.scalar(sa.select(sa.func.count()).select_from(model))


def test_purge_removes_what_has_expired_and_keeps_what_lives(
    client, make_user, login_as, run, clock, deliver
):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    deliver()
    login_as(make_user())
    st = client.app.state
    purge = lambda: client.portal.call(lambda: purge_expired(st.db, now=clock()))  # noqa: E731
    assert purge()["sign_in_tokens"] == 0
    assert run(lambda db: _count(db, SignInToken)) == 1
    clock.advance(days=2)
    counts = purge()
    assert counts["sign_in_tokens"] == 1 and counts["rate_limit_hits"] >= 1
    assert run(lambda db: _count(db, UserSession)) == 1  # a candidate session lives 30 days
    clock.advance(days=31)
    assert purge()["sessions"] == 1
