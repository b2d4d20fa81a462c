"""How a volunteer profile reads: names of skills, groups, slots, reaches; the summary text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.core.context import Ctx
from handlers.core.i18n import N_
from matching.taxonomy import CERTIFICATIONS, GROUPS, Skill, skill_by_code
from storage.models import Region, VolunteerProfile

MAX_SKILLS = 10
FREE_MAX = 200
LOAD_MAX = 10

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("am", "pm", "ev")
DAY_LABELS = {
    "mon": N_("volunteers.day.mon"),
    "tue": N_("volunteers.day.tue"),
    "wed": N_("volunteers.day.wed"),
    "thu": N_("volunteers.day.thu"),
    "fri": N_("volunteers.day.fri"),
    "sat": N_("volunteers.day.sat"),
    "sun": N_("volunteers.day.sun"),
}
PART_LABELS = {
    "am": N_("volunteers.part.am"),
    "pm": N_("volunteers.part.pm"),
    "ev": N_("volunteers.part.ev"),
}
# Quick choices for the weekly availability; "custom" picks single slots.
PRESETS: dict[str, tuple[str, ...]] = {
    "weekday_day": tuple(f"{d}_{p}" for d in DAYS[:5] for p in ("am", "pm")),
    "weekday_evening": tuple(f"{d}_ev" for d in DAYS[:5]),
    "weekend": tuple(f"{d}_{p}" for d in DAYS[5:] for p in PARTS),
}
PRESET_LABELS = {
    "weekday_day": N_("volunteers.preset.weekday_day"),
    "weekday_evening": N_("volunteers.preset.weekday_evening"),
    "weekend": N_("volunteers.preset.weekend"),
}
HONOUR_LABELS = {True: N_("volunteers.honour_shown"), False: N_("volunteers.honour_hidden")}
REACH_LABELS = {
    "building": N_("volunteers.reach.building"),
    "grid": N_("volunteers.reach.grid"),
    "community": N_("volunteers.reach.community"),
    "street": N_("volunteers.reach.street"),
}


def zh(ctx: Ctx) -> bool:
    """Whether the person reads Chinese."""
    return ctx.lang.startswith("zh")


def skills() -> dict[str, Skill]:
    """The taxonomy by code."""
    return skill_by_code()


def group_name(ctx: Ctx, group: str) -> str:
    """A skill group's name in the person's language."""
    names = GROUPS[group]
    return names[0] if zh(ctx) else names[1]


def cert_name(ctx: Ctx, code: str) -> str:
    """A certification's name in the person's language."""
    names = CERTIFICATIONS.get(code, (code, code))
    return names[0] if zh(ctx) else names[1]


def joined(ctx: Ctx, items: Sequence[str]) -> str:
    """Items joined the way the language lists them, or "none"."""
    return ctx.join(items) if items else ctx.t("volunteers.none")


def skill_names(ctx: Ctx, codes: Sequence[str]) -> str:
    """Skill names, listed."""
    table = skills()
    return joined(ctx, [table[c].name(ctx.lang) for c in codes if c in table])


def cert_names(ctx: Ctx, codes: Sequence[str]) -> str:
    """Certification names, listed."""
    return joined(ctx, [cert_name(ctx, c) for c in codes])


def slot_label(ctx: Ctx, slot: str) -> str:
    """ "周一上午" for "mon_am"."""
    day, part = slot.split("_")
    return ctx.t("volunteers.slot", day=ctx.t(DAY_LABELS[day]), part=ctx.t(PART_LABELS[part]))


def slots_text(ctx: Ctx, slots: Sequence[str]) -> str:
    """Weekly slots in short, adjacent days with equal parts grouped: "周一至周五 上午、下午"."""
    chosen = set(slots)
    per_day = [(day, tuple(p for p in PARTS if f"{day}_{p}" in chosen)) for day in DAYS]
    runs: list[tuple[list[str], tuple[str, ...]]] = []
    for index, (day, parts) in enumerate(per_day):
        if not parts:
            continue
        previous = per_day[index - 1] if index else None
        if runs and previous is not None and previous[1] == parts and runs[-1][1] == parts:
            runs[-1][0].append(day)
        else:
            runs.append(([day], parts))
    if not runs:
        return ctx.t("volunteers.none")
    segments = []
    for days, parts in runs:
        names = [ctx.t(DAY_LABELS[d]) for d in days]
        if len(days) >= 3:
            day_text = ctx.t("volunteers.day_range", first=names[0], last=names[-1])
        else:
            day_text = ctx.join(names)
        if len(parts) == len(PARTS):
            part_text = ctx.t("volunteers.all_day")
        else:
            part_text = ctx.join(ctx.t(PART_LABELS[p]) for p in parts)
        segments.append(ctx.t("volunteers.slot_segment", days=day_text, parts=part_text))
    return ctx.t("volunteers.group_sep").join(segments)


def missing_certs(answers: dict[str, Any]) -> list[tuple[str, str]]:
    """(skill, certification) pairs where a chosen skill needs a certification not held."""
    table, held = skills(), set(answers.get("certs") or ())
    return [
        (code, table[code].certification or "")
        for code in answers.get("skills") or ()
        if code in table and table[code].certification and table[code].certification not in held
    ]


def summary(ctx: Ctx, answers: dict[str, Any], grid: Region | None) -> str:
    """The profile as the person reviews it."""
    text = ctx.t(
        "volunteers.summary",
        skills=skill_names(ctx, answers.get("skills") or []),
        free=answers.get("free") or ctx.t("volunteers.none"),
        slots=slots_text(ctx, answers.get("slots") or []),
        grid=grid.name if grid else ctx.t("volunteers.none"),
        reach=ctx.t(REACH_LABELS[answers.get("reach") or "community"]),
        load=answers.get("load") or 3,
        certs=cert_names(ctx, answers.get("certs") or []),
        honour=ctx.t(HONOUR_LABELS[bool(answers.get("show_name"))]),
    )
    table = skills()
    for code, cert in missing_certs(answers):
        text += "\n" + ctx.t(
            "volunteers.cert_hint", skill=table[code].name(ctx.lang), cert=cert_name(ctx, cert)
        )
    return text


def answers_of(profile: VolunteerProfile) -> dict[str, Any]:
    """A stored profile as dialog answers (what the edit flow starts from)."""
    return {
        "skills": list(profile.skills or []),
        "free": profile.free_skills or "",
        "slots": list(profile.availability or []),
        "grid": profile.home_grid_id,
        "reach": profile.reach,
        "load": profile.max_tasks_week,
        "certs": list(profile.certifications or []),
        "show_name": profile.show_name,
    }
