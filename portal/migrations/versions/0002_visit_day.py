"""visit day: preferences, reminders, running late, host phone

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit_preferences",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("attendance", sa.String(length=20), nullable=False),
        sa.Column("reschedule_reason", sa.Text(), nullable=False),
        sa.Column("diet", sa.Text(), nullable=False),
        sa.Column("accessibility", sa.Text(), nullable=False),
        sa.Column("travel_mode", sa.String(length=20), nullable=False),
        sa.Column("needs_parking", sa.Boolean(), nullable=False),
        sa.Column("wants_travel_reimbursement", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visits.id"],
            name=op.f("fk_visit_preferences_visit_id_visits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("visit_id", name=op.f("pk_visit_preferences")),
    )
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_emails_dedupe_key"), ["dedupe_key"])

    with op.batch_alter_table("staff_profiles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("phone", sa.String(length=50), nullable=False, server_default="")
        )

    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_queued_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("running_late_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("running_late_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_column("running_late_minutes")
        batch_op.drop_column("running_late_at")
        batch_op.drop_column("reminder_queued_at")

    with op.batch_alter_table("staff_profiles", schema=None) as batch_op:
        batch_op.drop_column("phone")

    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_outbox_emails_dedupe_key"), type_="unique")
        batch_op.drop_column("dedupe_key")

    op.drop_table("visit_preferences")
