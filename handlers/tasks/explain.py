"""Match reasons rendered in each language: "技能：陪诊≈陪老人看病 · 同网格 · 周六上午有空"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.core.i18n import LANGUAGES, N_, Translator
from handlers.core.notify import Pair
from matching import Reason
from matching.taxonomy import skill_by_code

REASONS = {
    "skill": N_("tasks.why_skill"),
    "same_building": N_("tasks.why_same_building"),
    "same_grid": N_("tasks.why_same_grid"),
    "same_community": N_("tasks.why_same_community"),
    "same_street": N_("tasks.why_same_street"),
    "distance": N_("tasks.why_distance"),
    "available": N_("tasks.why_available"),
    "reliable": N_("tasks.why_reliable"),
    "idle": N_("tasks.why_idle"),
    "org_category": N_("tasks.why_org"),
    "free_text": N_("tasks.why_free_text"),
}
SKILL_ONLY = N_("tasks.why_skill_only")
DAYS = {
    "mon": N_("tasks.day_mon"),
    "tue": N_("tasks.day_tue"),
    "wed": N_("tasks.day_wed"),
    "thu": N_("tasks.day_thu"),
    "fri": N_("tasks.day_fri"),
    "sat": N_("tasks.day_sat"),
    "sun": N_("tasks.day_sun"),
}
PARTS = {"am": N_("tasks.part_am"), "pm": N_("tasks.part_pm"), "ev": N_("tasks.part_ev")}
CATEGORIES = {
    "life_service": N_("tasks.category_life_service"),
    "charity": N_("tasks.category_charity"),
    "culture_sports": N_("tasks.category_culture_sports"),
    "mediation": N_("tasks.category_mediation"),
    "association": N_("tasks.category_association"),
    "other": N_("tasks.category_other"),
}


def _params(i18n: Translator, lang: str, reason: Reason) -> dict[str, Any]:
    params: dict[str, Any] = dict(reason.params)
    skill = skill_by_code().get(params.get("skill", ""))
    if skill is not None:
        params["skill"] = skill.name(lang)
        if params.get("phrase") in (skill.zh, skill.en):  # the need named the skill itself
            params["phrase"] = params["skill"]
    params.setdefault("phrase", params.get("skill", ""))
    if "slot" in params and "_" in params["slot"]:
        day, part = params["slot"].split("_", 1)
        params["slot"] = i18n.translate(lang, DAYS[day]) + i18n.translate(lang, PARTS[part])
    if "category" in params and params["category"] in CATEGORIES:
        params["category"] = i18n.translate(lang, CATEGORIES[params["category"]])
    return params


def explain(i18n: Translator, lang: str, reasons: Sequence[Reason]) -> str:
    """The reasons of one match as a short line in `lang`."""
    parts = []
    for reason in reasons:
        key = REASONS.get(reason.key)
        if key is None:
            continue
        params = _params(i18n, lang, reason)
        if reason.key == "skill" and params["phrase"] in ("", params["skill"]):
            key = SKILL_ONLY  # "技能：陪诊", not "技能：陪诊≈陪诊"
        parts.append(i18n.translate(lang, key, **params))
    return " · ".join(parts)


def explain_both(i18n: Translator, reasons: Sequence[Reason]) -> Pair:
    """The reasons in Chinese and English, for a notice rendered in the recipient's language."""
    zh, en = (explain(i18n, lang, reasons) for lang in LANGUAGES)
    return Pair(zh, en)


def as_rows(reasons: Sequence[Reason]) -> list[list[Any]]:
    """JSON-ready reasons, stored on the offer."""
    return [[r.key, dict(r.params)] for r in reasons]
