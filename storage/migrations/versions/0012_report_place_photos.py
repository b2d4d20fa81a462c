"""grid reports: the place as the reporter typed it, and a photo after the fix

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("grid_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place_text", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("after_photo_ref", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grid_reports", schema=None) as batch_op:
        batch_op.drop_column("after_photo_ref")
        batch_op.drop_column("place_text")
