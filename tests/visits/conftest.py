"""People and visits shared by the visit tests."""

from __future__ import annotations

import pytest

from tests.factories import create_visit


@pytest.fixture
def people(make_user):
    return {
        "candidate": make_user(name="Sam de Vries", locale="nl"),
        "other": make_user(name="Lotte Mulder"),
        "noor": make_user(role="employee", name="Noor Bakker", job_title="Engineering manager"),
        "hidden": make_user(role="employee", name="Jeroen Smit", job_title="CTO", visible=False),
        "hr": make_user(role="hr", name="Fatima El Amrani"),
    }


def visit_for(run, candidate, **kw):
    return run(lambda db: create_visit(db, candidate=candidate, **kw))
