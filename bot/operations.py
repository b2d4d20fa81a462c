"""Operations behind the CLI: SQLite backup and restore, the audit log as table rows.

Backups use SQLite's online backup API, which copies a consistent snapshot while the bot keeps
running (WAL included). PostgreSQL has its own tools (pg_dump / pg_restore, see docs/deployment.md);
these refuse it with the commands to use instead.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Person

PG_BACKUP = 'pg_dump --format=custom --file=linli.dump "$DATABASE_URL"'
PG_RESTORE = 'pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" linli.dump'


class NotSqlite(Exception):
    """The configured database is not a SQLite file (PostgreSQL: use pg_dump / pg_restore)."""


class NotABackup(Exception):
    """The file given to restore is not a Linli SQLite database."""


def sqlite_path(url: str) -> Path:
    """The file of a SQLite database URL, or NotSqlite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise NotSqlite(parsed.get_backend_name())
    if parsed.database == ":memory:":
        raise NotSqlite("sqlite :memory:")
    return Path(parsed.database)


def default_backup_path(data_dir: Path, now: datetime) -> Path:
    """Where a backup goes when no path is given: <data dir>/backups/linli-<UTC time>.db."""
    return data_dir / "backups" / f"linli-{now.strftime('%Y%m%d-%H%M%S')}.db"


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of one SQLite database into another file (online backup API)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def backup(url: str, target: Path) -> Path:
    """Copy the live SQLite database to `target` (the bot may keep running)."""
    source = sqlite_path(url)
    if not source.exists():
        raise FileNotFoundError(source)
    if target.resolve() == source.resolve():
        raise ValueError("the backup would overwrite the database itself")
    _copy(source, target)
    return target


def schema_revision(path: Path) -> str:
    """The Alembic revision stored in a SQLite file, or NotABackup."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise NotABackup(str(exc)) from exc
    if row is None:
        raise NotABackup("no schema revision")
    return str(row[0])


def restore(url: str, source: Path, safety_copy: Path) -> str:
    """Replace the SQLite database with a backup; the current one is first copied aside.

    Stop `serve` and `worker` first: they would keep writing to the old contents. Returns the
    backup's schema revision (run `linli db upgrade` if it is older than the code's).
    """
    target = sqlite_path(url)
    revision = schema_revision(source)
    if target.exists():
        _copy(target, safety_copy)
    _copy(source, target)
    return revision


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as the admin's table shows it."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: str


async def audit_rows(
    session: AsyncSession, *, limit: int = 50, actions: Sequence[str] = ()
) -> list[AuditRow]:
    """The newest audit entries (optionally of some actions or action prefixes like "role.")."""
    query = (
        select(AuditEntry, Person.display_name)
        .outerjoin(Person, Person.id == AuditEntry.actor_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if actions:
        query = query.where(
            or_(
                *(
                    AuditEntry.action.startswith(a) if a.endswith(".") else AuditEntry.action == a
                    for a in actions
                )
            )
        )
    rows = (await session.execute(query)).all()
    return [
        AuditRow(
            id=entry.id,
            at=entry.at,
            actor=f"{entry.actor_id} {name or ''}".strip() if entry.actor_id else "system",
            action=entry.action,
            target=entry.target,
            details=json.dumps(entry.details, ensure_ascii=False, sort_keys=True, default=str),
        )
        for entry, name in rows
    ]
