"""台账: the office's standard ledgers for a region and period, with Chinese column headers.

Rows come from each feature's export (handlers/admin/exports.py); this module picks the period,
and handlers/admin/present.py names the columns, codes and times in the reader's language before
the same writer makes the XLSX.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.admin.exports import exporter, write
from handlers.admin.present import present
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
    # 资源清单、需求清单、项目清单 of the units (handlers/units/export.py); resources are undated,
    # these lists are undated: a period chosen on the page is ignored for them.
    "resources": ("resources", ""),
    "unit_needs": ("unit_needs", ""),
    "project_list": ("project_list", ""),
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
    if column and (since or until):
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


def xlsx(rows: list[dict[str, Any]], i18n: Translator, lang: str, ledger: str = "") -> bytes:
    """A ledger as an XLSX workbook for people in `lang`: headers, labels, local times."""
    kind = LEDGERS.get(ledger, ("", ""))[0]
    return write(present(rows, i18n, lang, kind), "xlsx")
