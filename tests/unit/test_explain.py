"""Match reasons rendered per language."""

from __future__ import annotations

from handlers.core.i18n import Translator
from handlers.tasks.explain import explain
from matching import Reason


def test_a_phrase_that_differs_from_the_skill_is_shown(translator: Translator) -> None:
    reasons = [
        Reason("skill", {"skill": "medical_escort", "phrase": "陪老人看病"}),
        Reason("same_grid"),
    ]
    assert explain(translator, "zh_CN", reasons) == "技能：陪诊≈陪老人看病 · 同网格"


def test_the_skill_named_by_itself_is_not_repeated_in_either_language(
    translator: Translator,
) -> None:
    reasons = [
        Reason("skill", {"skill": "medical_escort", "phrase": "陪诊"}),
        Reason("available", {"slot": "sat_am"}),
    ]
    assert explain(translator, "zh_CN", reasons) == "技能：陪诊 · 周六上午有空"
    assert explain(translator, "en", reasons) == "skill: Medical escort · free Saturday morning"


def test_unknown_reasons_are_left_out(translator: Translator) -> None:
    assert explain(translator, "en", [Reason("telepathy")]) == ""
