"""office: sign-in links and sessions for the web console; region outlines for its map

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "office_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("used_at", storage.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_office_links_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_office_links_token_hash")),
    )
    with op.batch_alter_table("office_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_office_links_person_id"), ["person_id"], unique=False)
    op.create_table(
        "office_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("ended_at", storage.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_office_sessions_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_office_sessions_token_hash")),
    )
    with op.batch_alter_table("office_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_office_sessions_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_office_sessions_person_id"), ["person_id"], unique=False
        )
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("geometry", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_column("geometry")
    with op.batch_alter_table("office_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_office_sessions_person_id"))
        batch_op.drop_index(batch_op.f("ix_office_sessions_expires_at"))
    op.drop_table("office_sessions")
    with op.batch_alter_table("office_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_office_links_person_id"))
    op.drop_table("office_links")
