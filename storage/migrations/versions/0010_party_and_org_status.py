"""party members (双报到); organizations' incubation, filing and joining; memberships asked

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "party_members",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("unit_name", sa.String(length=150), nullable=False),
        sa.Column("reported_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", storage.models.base.UTCDateTime(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["regions.id"], name=op.f("fk_party_members_community_id_regions")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["persons.id"],
            name=op.f("fk_party_members_confirmed_by_id_persons"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_party_members_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_party_members")),
    )
    with op.batch_alter_table("party_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_party_members_community_id"), ["community_id"], unique=False
        )
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("intro", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("incubation", sa.String(length=16), nullable=False, server_default="none")
        )
        batch_op.add_column(
            sa.Column("filing", sa.String(length=16), nullable=False, server_default="none")
        )
        batch_op.add_column(
            sa.Column("open_join", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("organization_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="active")
        )
        batch_op.add_column(
            sa.Column(
                "created_at",
                storage.models.base.UTCDateTime(),
                nullable=False,
                server_default=sa.text("CURRENT_TIMESTAMP"),
            )
        )
        batch_op.add_column(
            sa.Column("decided_at", storage.models.base.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("decided_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_organization_members_decided_by_id_persons"),
            "persons",
            ["decided_by_id"],
            ["id"],
        )
    # Registered (备案) organizations were filed with the street when they were registered.
    op.execute("UPDATE organizations SET filing = 'filed' WHERE tier = 'registered'")


def downgrade() -> None:
    with op.batch_alter_table("organization_members", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_organization_members_decided_by_id_persons"), type_="foreignkey"
        )
        batch_op.drop_column("decided_by_id")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("created_at")
        batch_op.drop_column("status")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("open_join")
        batch_op.drop_column("filing")
        batch_op.drop_column("incubation")
        batch_op.drop_column("intro")
    with op.batch_alter_table("party_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_members_community_id"))
    op.drop_table("party_members")
