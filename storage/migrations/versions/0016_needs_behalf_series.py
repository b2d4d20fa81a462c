"""needs on someone's behalf (relation, consent time) and recurring needs (need_series)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "need_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("next_start", storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["persons.id"], name=op.f("fk_need_series_created_by_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_series")),
    )
    with op.batch_alter_table("needs") as batch:
        batch.add_column(sa.Column("relation", sa.String(length=16), nullable=True))
        batch.add_column(
            sa.Column("consent_at", storage.models.base.UTCDateTime(), nullable=True)
        )
        batch.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_needs_series_id"), ["series_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_needs_series_id_need_series"), "need_series", ["series_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("needs") as batch:
        batch.drop_constraint(batch.f("fk_needs_series_id_need_series"), type_="foreignkey")
        batch.drop_index(batch.f("ix_needs_series_id"))
        batch.drop_column("series_id")
        batch.drop_column("consent_at")
        batch.drop_column("relation")
    op.drop_table("need_series")
