"""privacy by default: a candidate's consent to be kept for future vacancies (talent pool)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pool_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("renewal_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pool_consents_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_consents")),
        sa.UniqueConstraint("user_id", name=op.f("uq_pool_consents_user_id")),
    )
    with op.batch_alter_table("pool_consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pool_consents_until"), ["until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pool_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pool_consents_until"))
    op.drop_table("pool_consents")
