"""defects found from outside: idempotent creation, gathered staff mail, calendar tombstones

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agenda_tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("item_public_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visits.id"],
            name=op.f("fk_agenda_tombstones_visit_id_visits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_tombstones")),
        sa.UniqueConstraint("visit_id", "item_public_id", name="uq_agenda_tombstones_item"),
    )
    with op.batch_alter_table("agenda_tombstones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_tombstones_visit_id"), ["visit_id"], unique=False
        )

    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            "uq_stories_idempotency", ["author_id", "idempotency_key"]
        )

    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("late_notice_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("preferences_notice_due_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_visits_preferences_notice_due_at"),
            ["preferences_notice_due_at"],
            unique=False,
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_visits_idempotency_key"), ["idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_visits_idempotency_key"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_visits_preferences_notice_due_at"))
        batch_op.drop_column("idempotency_key")
        batch_op.drop_column("preferences_notice_due_at")
        batch_op.drop_column("late_notice_at")

    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_constraint("uq_stories_idempotency", type_="unique")
        batch_op.drop_column("idempotency_key")

    with op.batch_alter_table("agenda_tombstones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_tombstones_visit_id"))

    op.drop_table("agenda_tombstones")
