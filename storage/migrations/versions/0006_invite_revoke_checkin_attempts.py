"""invite codes can be revoked; check-in codes typed in vain are counted per person

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkin_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_checkin_attempts_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_attempts")),
    )
    with op.batch_alter_table("checkin_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_checkin_attempts_person_at", ["person_id", "at"], unique=False)
    with op.batch_alter_table("invite_codes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revoked_at", storage.models.base.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("invite_codes", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("checkin_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_attempts_person_at")
    op.drop_table("checkin_attempts")
