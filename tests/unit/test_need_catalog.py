"""Finding catalog items by what residents say, Chinese and English, on the demo catalog."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from handlers.needs.catalog import rank
from handlers.reports.nearby import text_similarity
from storage.models import ServiceItem

CATALOG = Path(__file__).resolve().parents[2] / "storage" / "seed" / "demo" / "catalog.csv"


@pytest.fixture(scope="module")
def items() -> list[ServiceItem]:
    with CATALOG.open(encoding="utf-8") as handle:
        return [
            ServiceItem(
                code=row["code"],
                department=row["department"],
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                keywords=[k for k in row["keywords"].split(";") if k],
                skills=[s for s in row["skills"].split(";") if s],
                handler=row["handler"],
            )
            for row in csv.DictReader(handle)
        ]


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("陪老人看病", "medical_escort_service"),
        ("我想找人陪老人看病", "medical_escort_service"),
        ("看病没人陪", "medical_escort_service"),
        ("送饭", "home_meal_service"),
        ("老人洗澡", "bathing_service"),
        ("理发", "free_haircut"),
        ("想学用手机", "smartphone_training"),
        ("ＭＥＤＩＣＡＬ escort", "medical_escort_service"),  # full-width
        ("medical escort to hospital", "medical_escort_service"),
        ("bathing help", "bathing_service"),
        ("fix my computer", "computer_repair"),
    ],
)
def test_the_best_match_comes_first(items: list[ServiceItem], said: str, code: str) -> None:
    hits = rank(said, items)
    assert hits and hits[0].item.code == code, [(h.item.code, h.score) for h in hits]
    assert len(hits) <= 4


@pytest.mark.parametrize("said", ["火星移民", "我需要服务", "please help", "", "？？？"])
def test_nothing_is_offered_for_words_that_name_no_service(
    items: list[ServiceItem], said: str
) -> None:
    assert rank(said, items) == []


def test_similar_report_texts() -> None:
    same = text_similarity("103号楼下有人私装地锁，占了消防通道", "楼下车位被人装了地锁")
    other = text_similarity("103号楼下有人私装地锁", "小区门口有人摆摊卖菜")
    assert same >= 50 > other
