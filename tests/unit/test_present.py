"""Exports for people: headers, codes, flags and times in words; still formula-safe."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from handlers.admin.exports import write
from handlers.admin.present import language, present
from handlers.core.i18n import Translator

ROWS = [
    {
        "id": 7,
        "status": "in_progress",
        "category": "parking",
        "title": '=HYPERLINK("http://x")',
        "created": datetime(2026, 11, 30, 16, 5, tzinfo=UTC),
        "decided": "2026-12-01T02:00:00+00:00",  # needs and reports carry ISO text
        "target_date": date(2027, 3, 1),
        "done": None,
        "cosigns": 12,
    }
]


@pytest.fixture(scope="module")
def i18n() -> Translator:
    return Translator(tz="Asia/Shanghai")


def test_chinese_headers_labels_and_local_times(i18n: Translator) -> None:
    row = present(ROWS, i18n, "zh_CN", "proposals")[0]
    assert row["状态"] == "实施中" and row["类别"] == "停车"
    assert row["提交时间"] == "2026-12-01 00:05"  # 16:05 UTC is past midnight in Beijing
    assert row["决定时间"] == "2026-12-01 10:00"
    assert row["计划完成日期"] == "2027-03-01" and row["完成时间"] == "" and row["附议人数"] == 12


def test_english_on_request(i18n: Translator) -> None:
    row = present(ROWS, i18n, language("en"), "proposals")[0]
    assert row["Status"] == "In progress" and row["Submitted"] == "2026-12-01 00:05"


def test_flags_and_unknown_codes(i18n: Translator) -> None:
    rows = [{"beyond_authority": True, "status": "strange", "escalation_level": 2}]
    row = present(rows, i18n, "zh_CN", "reports")[0]
    assert row["超出社区权限"] == "是" and row["状态"] == "strange"
    assert row["上报级别"] == "超过办结期限，已报街道"


def test_still_formula_safe(i18n: Translator) -> None:
    data = write(present(ROWS, i18n, "zh_CN", "proposals"), "csv")
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert row["标题"].startswith("'=")


def test_languages() -> None:
    assert language("zh") == language("zh_CN") == "zh_CN" and language("EN") == "en"
    with pytest.raises(ValueError):
        language("fr")
