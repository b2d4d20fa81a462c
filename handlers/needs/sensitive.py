"""Health details in a need's notes (敏感个人信息): kept apart, only with the separate consent.

The notes step reads what the resident wrote clause by clause; clauses naming a health matter
("我有高血压") are the sensitive note — stored in `need_sensitive` only when the person gave the
separate consent (`require_sensitive_consent`), never sent in offers, shown only to the accepted
helper. Without that consent they are refused and the resident is told why.
"""

from __future__ import annotations

import re

from handlers.core.auth import require_sensitive_consent
from handlers.core.context import Ctx
from handlers.core.dialogs import Step, free_text, said_or, skipped, use_said
from handlers.core.errors import InvalidInput, UserError
from handlers.core.messages import Choice, Message, Reply
from handlers.needs import steps
from handlers.needs.common import NOTES_LIMIT
from matching.text import said_besides

# Words that make a clause a health detail (conditions, diagnoses, treatments), Chinese and English.
HEALTH_WORDS = (
    "高血压", "低血压", "血压", "糖尿病", "血糖", "心脏病", "冠心病", "心梗", "心衰", "哮喘",
    "癫痫", "过敏", "中风", "脑梗", "脑出血", "偏瘫", "瘫痪", "痴呆", "阿尔茨海默", "帕金森",
    "抑郁", "精神病", "精神疾病", "癌", "肿瘤", "化疗", "透析", "肾衰", "怀孕", "孕期",
    "艾滋", "hiv", "乙肝", "肝炎", "结核", "病史", "残疾", "失明", "失聪", "聋", "盲人",
    "blood pressure", "hypertension", "diabetes", "heart disease", "heart condition", "asthma",
    "epilepsy", "allergy", "allergic", "stroke", "dementia", "alzheimer", "parkinson",
    "depression", "cancer", "chemotherapy", "dialysis", "pregnan", "hepatitis", "disabilit",
)  # fmt: skip
_CLAUSES = re.compile(r"(?<=[，。；！？,;.!?\n])")


def split_sensitive(text: str) -> tuple[str, str]:
    """(plain notes, sensitive note): the clauses naming a health matter go to the second."""
    plain: list[str] = []
    sensitive: list[str] = []
    for clause in _CLAUSES.split(text):
        if not clause.strip():
            continue
        folded = clause.lower()
        (sensitive if any(word in folded for word in HEALTH_WORDS) else plain).append(clause)
    return _joined(plain), _joined(sensitive)


def _joined(clauses: list[str]) -> str:
    return "".join(clauses).strip().rstrip("，,；;")


# What of the request's sentence is worth offering as notes: this much beyond the item's words.
MORE_CJK = 4
MORE_EN = 3


def offered_sentence(ctx: Ctx) -> str:
    """The sentence the request began with ("能不能帮忙买菜送上门，我腿脚不好"), when it says more
    than the words that chose the service, so the helper can read it as notes; else ""."""
    said = str(ctx.data.get("query") or "")
    chosen = ctx.data.get("words", {}).get(str(ctx.data.get("item")), [])
    chinese, english = said_besides(said, chosen)
    return said if chinese >= MORE_CJK or english >= MORE_EN else ""


async def _ask_notes(ctx: Ctx) -> Reply:
    said = offered_sentence(ctx)
    if not said:
        return await steps.NOTES.ask(ctx)
    choices = [use_said(ctx), Choice(ctx.t("common.skip"), "skip")]
    return ctx.reply("needs.ask_notes_said", said=said, choices=choices)


async def _take_notes(ctx: Ctx, message: Message) -> str | None:
    if skipped(message):
        ctx.data["notes"], ctx.data["sensitive"] = "", ""
        return None
    said = offered_sentence(ctx)
    text = said_or(message, said, free_text(message))
    if not text:
        raise InvalidInput("needs.notes_empty")
    if len(text) > NOTES_LIMIT:
        raise InvalidInput("needs.notes_too_long", limit=NOTES_LIMIT)
    plain, sensitive = split_sensitive(text)
    if sensitive:
        try:
            await require_sensitive_consent(ctx)
        except UserError:
            raise InvalidInput("needs.notes_sensitive_refused", said=sensitive[:40]) from None
    ctx.data["notes"], ctx.data["sensitive"] = plain, sensitive
    return None


async def summary_extra(ctx: Ctx) -> str:
    """The confirmation's line for the sensitive note, if there is one."""
    note = ctx.data.get("sensitive")
    return ctx.t("needs.summary_sensitive", note=note) if note else ""


# The resident's own notes step: the shared prompt (or the request's sentence offered), the health
# clauses taken apart.
NOTES = Step("notes", _ask_notes, _take_notes)
