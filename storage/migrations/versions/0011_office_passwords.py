"""office: optional console passwords (argon2 hashes, failure counts); audit log by target

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "office_passwords",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=32), nullable=False),
        sa.Column("hash", sa.String(length=255), nullable=False),
        sa.Column("set_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failed_at", storage.models.base.UTCDateTime(), nullable=True),
        sa.Column("locked_until", storage.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_office_passwords_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_office_passwords")),
        sa.UniqueConstraint("login", name=op.f("uq_office_passwords_login")),
    )
    # An item's timeline reads the audit entries about it (`report:7`, `need:3`).
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_target"), ["target"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_target"))
    op.drop_table("office_passwords")
