"""understanding: who takes a catalog item on, a need's sentence skills and words, 转人工 requests

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("handler", sa.String(length=32), server_default="volunteers", nullable=False)
        )
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skills", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("words", sa.JSON(), server_default="[]", nullable=False))
    op.create_table(
        "person_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("answered_at", storage.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["persons.id"],
            name=op.f("fk_person_requests_answered_by_id_persons"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_requests_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_person_requests_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_requests")),
    )
    with op.batch_alter_table("person_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_person_requests_region_status", ["region_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_person_requests_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("person_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_requests_person_id"))
        batch_op.drop_index("ix_person_requests_region_status")
    op.drop_table("person_requests")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_column("words")
        batch_op.drop_column("skills")
    with op.batch_alter_table("service_items", schema=None) as batch_op:
        batch_op.drop_column("handler")
