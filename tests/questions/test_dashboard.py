"""Working days for the dashboard's "no questions yet" flag (the dashboard: tests/dashboard)."""

from __future__ import annotations

from datetime import date

from portal.questions.service import working_days_ahead


def test_working_days_skip_the_weekend():
    friday = date(2026, 11, 27)
    assert working_days_ahead(friday, 3) == date(2026, 12, 2)  # Mon, Tue, Wed
    assert working_days_ahead(date(2026, 11, 24), 3) == date(2026, 11, 27)
