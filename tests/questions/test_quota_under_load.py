"""The question quota holds when a script sends many questions at once."""

from __future__ import annotations

import sqlalchemy as sa

from portal.models import Question
from portal.questions.service import MAX_PER_VISIT
from tests.conftest import get_csrf
from tests.factories import create_visit
from tests.parallel import post_in_parallel


def test_forty_parallel_questions_store_no_more_than_the_quota(client, make_user, login_as, run):
    candidate = make_user(name="Sam de Vries")
    run(lambda db: create_visit(db, candidate=candidate))
    login_as(candidate)
    csrf = get_csrf(client, "/questions")
    bodies = [
        {"body": f"Vraag {n}?", "idempotency_key": f"key-{n:02d}", "csrf_token": csrf}
        for n in range(40)
    ]
    responses = post_in_parallel(client, "/questions", bodies)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303] * MAX_PER_VISIT + [422] * (40 - MAX_PER_VISIT)
    stored = run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(Question)))
    assert stored == MAX_PER_VISIT
