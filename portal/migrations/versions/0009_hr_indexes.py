"""indexes for HR's pages over years of data: the question inbox, the dashboard, the lists

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

STAFF = "role <> 'candidate'"


def upgrade() -> None:
    # A visit's questions by status, and the open questions with all the inbox sorts by:
    # each serves, by its first column, what the one-column index it replaces did.
    op.create_index("ix_questions_visit_status", "questions", ["visit_id", "status", "created_at"])
    op.create_index(
        "ix_questions_status_assignee",
        "questions",
        ["status", "assignee_id", "visit_id", "created_at", "id"],
    )
    op.drop_index("ix_questions_visit_id", table_name="questions")
    op.drop_index("ix_questions_status", table_name="questions")
    op.create_index("ix_visits_department_starts_at", "visits", ["department", "starts_at"])
    op.create_index(
        "ix_visits_candidate_ended",
        "visits",
        ["candidate_id", "outcome", "decided_on", "starts_at"],
    )
    op.drop_index("ix_visits_candidate_id", table_name="visits")
    op.create_index(
        "ix_users_staff_name",
        "users",
        ["name"],
        sqlite_where=sa.text(STAFF),
        postgresql_where=sa.text(STAFF),
    )


def downgrade() -> None:
    op.drop_index("ix_users_staff_name", table_name="users")
    op.create_index("ix_visits_candidate_id", "visits", ["candidate_id"])
    op.drop_index("ix_visits_candidate_ended", table_name="visits")
    op.drop_index("ix_visits_department_starts_at", table_name="visits")
    op.create_index("ix_questions_status", "questions", ["status"])
    op.create_index("ix_questions_visit_id", "questions", ["visit_id"])
    op.drop_index("ix_questions_status_assignee", table_name="questions")
    op.drop_index("ix_questions_visit_status", table_name="questions")
