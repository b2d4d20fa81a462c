"""processed updates are keyed by sender too: an update id is unique only per sender somewhere

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = sa.table(
    "processed_updates",
    sa.column("channel", sa.String),
    sa.column("update_key", sa.String),
    sa.column("user_id", sa.String),
    sa.column("sender", sa.String),
)


def upgrade() -> None:
    op.add_column("processed_updates", sa.Column("sender", sa.String(length=32), nullable=True))
    # Rows kept so far get their sender's digest (as storage/repos/dialogs.py `sender_key` makes
    # it), so a redelivery across the upgrade is still recognised; rows of erased senders, ''.
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_TABLE.c.channel, _TABLE.c.update_key, _TABLE.c.user_id).where(
            _TABLE.c.user_id.is_not(None)
        )
    ).all()
    if rows:
        conn.execute(
            _TABLE.update()
            .where(
                _TABLE.c.channel == sa.bindparam("b_channel"),
                _TABLE.c.update_key == sa.bindparam("b_key"),
            )
            .values(sender=sa.bindparam("b_sender")),
            [
                {
                    "b_channel": channel,
                    "b_key": key,
                    "b_sender": hashlib.sha256(user.encode()).hexdigest()[:32],
                }
                for channel, key, user in rows
            ],
        )
    conn.execute(_TABLE.update().where(_TABLE.c.sender.is_(None)).values(sender=""))
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.alter_column("sender", existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_constraint("pk_processed_updates", type_="primary")
        batch_op.create_primary_key("pk_processed_updates", ["channel", "update_key", "sender"])


def downgrade() -> None:
    # Two senders' rows with one update id would collide under the narrower key: keep one.
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "DELETE FROM processed_updates WHERE sender <> (SELECT min(p.sender) FROM"
            " processed_updates p WHERE p.channel = processed_updates.channel"
            " AND p.update_key = processed_updates.update_key)"
        )
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_constraint("pk_processed_updates", type_="primary")
        batch_op.create_primary_key("pk_processed_updates", ["channel", "update_key"])
        batch_op.drop_column("sender")
