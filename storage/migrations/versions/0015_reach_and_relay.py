"""reach and relay: a person's unit and door, a need's sensitive note kept apart, relayed messages

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=100), nullable=True))
    op.create_table(
        "need_sensitive",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"], ["needs.id"], name=op.f("fk_need_sensitive_need_id_needs")
        ),
        sa.PrimaryKeyConstraint("need_id", name=op.f("pk_need_sensitive")),
    )
    op.create_table(
        "relay_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["persons.id"], name=op.f("fk_relay_messages_recipient_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["persons.id"], name=op.f("fk_relay_messages_sender_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relay_messages")),
    )
    with op.batch_alter_table("relay_messages", schema=None) as batch_op:
        batch_op.create_index("ix_relay_messages_item", ["item_kind", "item_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_relay_messages_recipient_id"), ["recipient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_relay_messages_sender_id"), ["sender_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("relay_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relay_messages_sender_id"))
        batch_op.drop_index(batch_op.f("ix_relay_messages_recipient_id"))
        batch_op.drop_index("ix_relay_messages_item")
    op.drop_table("relay_messages")
    op.drop_table("need_sensitive")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_column("address")
