"""needs on someone's behalf: the asker's relation to the served person, when consent was given

Revision ID: 0019
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0019"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("needs") as batch:
        batch.add_column(sa.Column("relation", sa.String(length=16), nullable=True))
        batch.add_column(
            sa.Column("consent_at", storage.models.base.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("needs") as batch:
        batch.drop_column("consent_at")
        batch.drop_column("relation")
