"""Volunteer skill taxonomy, certifications, groups and weekly availability slots (pure data)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_CSV_PATH = Path(__file__).with_name("skills.csv")

GROUPS: dict[str, tuple[str, str]] = {
    "elderly": ("养老助老", "Elderly care"),
    "disability": ("扶残助残", "Disability assistance"),
    "children": ("儿童关爱", "Children and youth"),
    "health": ("医疗健康与心理", "Health and mental health"),
    "legal": ("法律与调解", "Legal aid and mediation"),
    "repair": ("家居维修", "Household repair"),
    "digital": ("数字助老与信息技术", "Digital help and IT"),
    "environment": ("环境美化", "Environment"),
    "safety": ("平安守护", "Safety and security"),
    "culture": ("文体活动", "Culture and sports"),
    "language": ("外语与涉外服务", "Languages and foreign residents"),
    "daily": ("生活服务与活动保障", "Daily life and event support"),
}

CERTIFICATIONS: dict[str, tuple[str, str]] = {
    "first_aid": ("急救证", "First aid certificate"),
    "nursing": ("护理资格证", "Nursing / care worker certificate"),
    "medical": ("医师或康复治疗师资格证", "Medical practitioner or therapist licence"),
    "psych": ("心理咨询师证", "Psychological counsellor certificate"),
    "legal": ("法律职业资格证", "Legal professional qualification"),
    "mediation": ("人民调解员证", "People's mediator certificate"),
    "electrician": ("电工证", "Electrician certificate"),
    "gas": ("燃气安全作业证", "Gas safety certificate"),
    "sign_language": ("手语翻译证", "Sign language interpreter certificate"),
    "childcare": ("育婴员证", "Childcare worker certificate"),
    "social_work": ("社会工作者证", "Social worker qualification"),
    "health_cert": ("健康证", "Food handler health certificate"),
    "driving": ("机动车驾驶证", "Driving licence"),
}

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PARTS = (("am", 8, 12), ("pm", 12, 18), ("ev", 18, 22))

SLOTS: tuple[str, ...] = tuple(f"{day}_{part}" for day in _DAYS for part, _, _ in _PARTS)


@dataclass(frozen=True, slots=True)
class Skill:
    code: str
    group: str
    zh: str
    en: str
    synonyms_zh: tuple[str, ...]
    synonyms_en: tuple[str, ...]
    certification: str | None

    def name(self, lang: str) -> str:
        """The display name: Chinese for languages starting with "zh", else English."""
        return self.zh if lang.lower().startswith("zh") else self.en


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(";") if part.strip())


@cache
def load_skills() -> tuple[Skill, ...]:
    """Read and validate ``skills.csv`` next to this module (cached)."""
    text = _CSV_PATH.read_text(encoding="utf-8-sig")
    skills: list[Skill] = []
    seen: set[str] = set()
    for row in csv.DictReader(io.StringIO(text)):
        code = row["code"].strip()
        group = row["group"].strip()
        cert = row["certification"].strip() or None
        if not code or code in seen:
            raise ValueError(f"skills.csv: empty or duplicate skill code {code!r}")
        if group not in GROUPS:
            raise ValueError(f"skills.csv: unknown group {group!r} for {code}")
        if cert is not None and cert not in CERTIFICATIONS:
            raise ValueError(f"skills.csv: unknown certification {cert!r} for {code}")
        seen.add(code)
        skills.append(
            Skill(
                code=code,
                group=group,
                zh=row["zh"].strip(),
                en=row["en"].strip(),
                synonyms_zh=_split(row["synonyms_zh"]),
                synonyms_en=_split(row["synonyms_en"]),
                certification=cert,
            )
        )
    return tuple(skills)


@cache
def _by_code() -> dict[str, Skill]:
    return {skill.code: skill for skill in load_skills()}


def skill_by_code() -> dict[str, Skill]:
    """Map of skill code to Skill (a fresh copy; the lookup table itself is cached)."""
    return dict(_by_code())


def slot_of(weekday: int, hour: int) -> str | None:
    """Slot code for a local weekday (0=Monday) and hour, or None outside 08:00-22:00."""
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0..6, got {weekday}")
    for part, start, end in _PARTS:
        if start <= hour < end:
            return f"{_DAYS[weekday]}_{part}"
    return None
