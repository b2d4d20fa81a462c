"""report photos fetched from the chat platforms (photos); office sign-in failures per address

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    photos = op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("lease_until", storage.models.base.UTCDateTime(), nullable=True),
        sa.Column("content_type", sa.String(length=32), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("created_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("fetched_at", storage.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_photos_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["grid_reports.id"], name=op.f("fk_photos_report_id_grid_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
    )
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index(
            "ix_photos_channel_status_next", ["channel", "status", "next_try_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_photos_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_photos_ref"), ["ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_photos_report_id"), ["report_id"], unique=False)
    op.create_table(
        "office_signin_throttle",
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", storage.models.base.UTCDateTime(), nullable=False),
        sa.Column("locked_until", storage.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_office_signin_throttle")),
    )
    _queue_existing(photos)


def _queue_existing(photos: sa.Table) -> None:
    """Photos already kept on reports are fetched like new ones (the worker takes them)."""
    reports = sa.table(
        "grid_reports",
        sa.column("id", sa.Integer()),
        sa.column("reporter_id", sa.Integer()),
        sa.column("assignee_id", sa.Integer()),
        sa.column("photo_ref", sa.String()),
        sa.column("after_photo_ref", sa.String()),
    )
    now = datetime.now(UTC)
    rows = []
    for rid, reporter, assignee, before, after in op.get_bind().execute(
        sa.select(reports).where(
            sa.or_(reports.c.photo_ref.is_not(None), reports.c.after_photo_ref.is_not(None))
        )
    ):
        for ref, role, person in ((before, "before", reporter), (after, "after", assignee)):
            channel = ref.split(":", 1)[0] if ref and ":" in ref else ""
            if channel in ("telegram", "wechat"):
                rows.append(
                    {
                        "ref": ref,
                        "channel": channel,
                        "report_id": rid,
                        "role": role,
                        "person_id": person,
                        "status": "pending",
                        "attempts": 0,
                        "next_try_at": now,
                        "created_at": now,
                    }
                )
    if rows:
        op.bulk_insert(photos, rows)


def downgrade() -> None:
    op.drop_table("office_signin_throttle")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photos_report_id"))
        batch_op.drop_index(batch_op.f("ix_photos_ref"))
        batch_op.drop_index(batch_op.f("ix_photos_person_id"))
        batch_op.drop_index("ix_photos_channel_status_next")
    op.drop_table("photos")
