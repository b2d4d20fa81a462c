"""Small hand-made taxonomies and builders for the matching tests (independent of skills.csv)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from matching import Candidate, NeedSpec
from matching.taxonomy import Skill

TAXONOMY: tuple[Skill, ...] = (
    Skill(
        "medical_escort",
        "elderly",
        "陪诊",
        "Medical escort",
        ("陪老人看病", "陪同就医", "医院陪护"),
        ("accompany to hospital", "hospital escort"),
        None,
    ),
    Skill(
        "snow_clearing",
        "environment",
        "除雪",
        "Snow clearing",
        ("扫雪", "铲雪", "清雪"),
        ("shovel snow", "snow removal"),
        None,
    ),
    Skill(
        "companionship",
        "elderly",
        "陪伴聊天",
        "Companionship",
        ("陪护老人", "陪聊", "陪老人说话"),
        ("keep company", "chat with elderly"),
        None,
    ),
    Skill(
        "computer_help",
        "digital",
        "电脑维修",
        "Computer help",
        ("修电脑", "重装系统", "电脑中毒"),
        ("computer repair", "fix laptop"),
        None,
    ),
    Skill(
        "bathing_assist",
        "elderly",
        "助浴",
        "Bathing assistance",
        ("帮老人洗澡", "上门助浴"),
        ("help with bathing",),
        "nursing",
    ),
    Skill(
        "cooking",
        "daily",
        "烹饪",
        "Cooking",
        ("做饭", "包饺子"),
        ("meal preparation", "cook"),
        "health_cert",
    ),
)

# A small region tree: district 1; streets 10, 20; communities 100, 101 (street 10), 200
# (street 20); grids 1000, 1001 (community 100); buildings 10000, 10001 (grid 1000), 10010.
B_A = (1, 10, 100, 1000, 10000)
B_B = (1, 10, 100, 1000, 10001)  # same grid as B_A
B_C = (1, 10, 100, 1001, 10010)  # same community
B_D = (1, 10, 101, 1100, 11000)  # same street
B_E = (1, 20, 200, 2000, 20000)  # other street


def volunteer(cid: int, **kw: Any) -> Candidate:
    """A volunteer matching the default need: medical escort, at B_A, reach street."""
    base = Candidate(
        id=cid,
        kind="volunteer",
        skills=frozenset({"medical_escort"}),
        free_text="",
        home=B_A,
        reach="street",
        slots=frozenset({"mon_am", "sat_am"}),
        idle_days=0.0,
    )
    return replace(base, **kw)


def need(nid: int = 1, **kw: Any) -> NeedSpec:
    """The default need: 陪老人看病 at B_A on Saturday morning."""
    base = NeedSpec(
        id=nid, text="周六上午需要有人陪老人看病", place=B_A, slots=frozenset({"sat_am"})
    )
    return replace(base, **kw)
