"""an in-service party member's registered unit (party_members.unit_id)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("party_members") as batch:
        batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_party_members_unit_id"), ["unit_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_party_members_unit_id_units"), "units", ["unit_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("party_members") as batch:
        batch.drop_constraint(batch.f("fk_party_members_unit_id_units"), type_="foreignkey")
        batch.drop_index(batch.f("ix_party_members_unit_id"))
        batch.drop_column("unit_id")
