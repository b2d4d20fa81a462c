"""Exports for people: column names, codes and times in words (Chinese first, English on request).

Each feature's `export_rows` stays machine-shaped (English keys, status codes, UTC); `present`
turns rows into what a community office reads in a spreadsheet: headers from the catalog
(`office.col.*`), statuses and categories as their labels, yes/no for flags, and every time in
the deployment's zone (LINLI_TZ) as "2026-12-01 10:00". The writer (exports.write) then makes the
cells formula-safe as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from handlers.core.i18n import N_, Translator
from handlers.needs.common import STATUS_LABELS as NEED_STATUS
from handlers.proposals.common import CATEGORIES as PROPOSAL_CATEGORIES
from handlers.proposals.common import STATUS_LABELS as PROPOSAL_STATUS
from handlers.reports.common import CATEGORIES as REPORT_CATEGORIES
from handlers.reports.common import LEVEL_LABELS
from handlers.reports.common import STATUS_LABELS as REPORT_STATUS
from handlers.units.common import KINDS as RESOURCE_KINDS

Rows = list[dict[str, Any]]
URGENCY = {"normal": N_("exports.urgency_normal"), "urgent": N_("exports.urgency_urgent")}
# kind → column → code → catalog key; a code not listed is shown as it is.
VALUE_LABELS: dict[str, dict[str, Mapping[Any, str]]] = {
    "proposals": {"status": PROPOSAL_STATUS, "category": PROPOSAL_CATEGORIES},
    "needs": {"status": NEED_STATUS, "urgency": URGENCY},
    "reports": {
        "status": REPORT_STATUS,
        "category": REPORT_CATEGORIES,
        "escalation_level": LEVEL_LABELS,
    },
    "records": {},
    "resources": {"类别": RESOURCE_KINDS},
    "unit_needs": {"类别": RESOURCE_KINDS},
    "project_list": {"状态": PROPOSAL_STATUS, "类别": PROPOSAL_CATEGORIES},
}
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
LANGS = {"zh": "zh_CN", "zh_cn": "zh_CN", "zh-cn": "zh_CN", "en": "en"}


def language(code: str) -> str:
    """A language code as the catalogs name it ("zh" → "zh_CN"); ValueError if unknown."""
    found = LANGS.get(code.strip().lower()) or (code if code in LANGS.values() else None)
    if found is None:
        raise ValueError(f"unknown language {code!r}")
    return found


def header(i18n: Translator, lang: str, column: str) -> str:
    """A column's name in a language (office.col.* in the catalog), else the key itself."""
    key = f"office.col.{column}"
    return i18n.translate(lang, key) if i18n.has(lang, key) else column


def cell(i18n: Translator, lang: str, kind: str, column: str, value: Any) -> Any:
    """One value for people: a label for a code, yes/no, local time; numbers stay numbers."""
    labels = VALUE_LABELS.get(kind, {}).get(column)
    if labels is not None and value in labels:
        return i18n.translate(lang, labels[value])
    if isinstance(value, bool):
        return i18n.translate(lang, N_("common.yes") if value else N_("common.no"))
    if isinstance(value, str) and _ISO_TIME.match(value):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return i18n.datetime(lang, value, "yyyy-MM-dd HH:mm")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def present(rows: Rows, i18n: Translator, lang: str, kind: str = "") -> Rows:
    """Rows with headers, codes and times for people in `lang` (see the module's note)."""
    names = {column: header(i18n, lang, column) for row in rows[:1] for column in row}
    return [{names.get(k, k): cell(i18n, lang, kind, k, v) for k, v in row.items()} for row in rows]
