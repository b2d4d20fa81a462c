"""needs.considered_at / considered (when the dispatch sweep last ranked a need, the outcome);
an index to find the newest alert written to an organizer

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("considered_at", storage.models.base.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("considered", sa.String(length=16), nullable=True))
        batch_op.create_index("ix_needs_status_considered", ["status", "considered_at"], unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_person_kind", ["person_id", "kind", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_person_kind")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_index("ix_needs_status_considered")
        batch_op.drop_column("considered")
        batch_op.drop_column("considered_at")
