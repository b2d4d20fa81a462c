"""台账: the office's standard ledgers for a region and period, with Chinese column headers.

Rows come from each feature's export (handlers/admin/exports.py); this module picks the period,
names the columns in the reader's language and writes XLSX with the same writer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.admin.exports import exporter, write
from handlers.core.i18n import Translator
from handlers.office.figures import ledger_1710
from storage.models import Region

# ledger → (export kind, the column that dates a row); "projects" are accepted proposals.
LEDGERS: dict[str, tuple[str, str]] = {
    "needs": ("needs", "created_at"),
    "reports": ("reports", "created_at"),
    "proposals": ("proposals", "created"),
    "projects": ("proposals", "decided"),
    "records": ("records", "served_at"),
    "orgs_1710": ("", ""),
}
PROJECT_STATES = ("accepted", "in_progress", "done", "disputed")


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


async def ledger_rows(
    session: AsyncSession,
    ledger: str,
    region: Region,
    since: datetime | None,
    until: datetime | None,
) -> list[dict[str, Any]]:
    """One ledger's rows for a region, dated within [since, until) when given."""
    kind, column = LEDGERS[ledger]
    if not kind:
        return await ledger_1710(session, region)
    rows = await exporter(kind)(session, region)
    if ledger == "projects":
        rows = [r for r in rows if r.get("status") in PROJECT_STATES]
    if since or until:
        kept = []
        for row in rows:
            at = _when(row.get(column))
            if at is None:
                continue
            if (since and at < since) or (until and at >= until):
                continue
            kept.append(row)
        rows = kept
    return rows


def with_headers(rows: list[dict[str, Any]], i18n: Translator, lang: str) -> list[dict[str, Any]]:
    """The same rows keyed by column names in `lang` (office.col.* in the catalog)."""
    names: dict[str, str] = {}
    for row in rows[:1]:
        for key in row:
            label = f"office.col.{key}"
            names[key] = i18n.translate(lang, label) if i18n.has(lang, label) else key
    return [{names.get(k, k): v for k, v in row.items()} for row in rows]


def xlsx(rows: list[dict[str, Any]], i18n: Translator, lang: str) -> bytes:
    """A ledger as an XLSX workbook with headers in `lang`."""
    return write(with_headers(rows, i18n, lang), "xlsx")
