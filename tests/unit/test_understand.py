"""Understanding residents' words: catalog items and skills from a sentence, and intents."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bench.bench_understanding import load_catalog
from matching.taxonomy import load_skills
from matching.text import normalize
from matching.understand import NeedRanker
from matching.understand.intents import classify


@cache
def ranker() -> NeedRanker:
    return NeedRanker(load_catalog(), load_skills())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("帮我看看电费怎么交", "bill_payment_help"),  # not 安置帮教 (帮…交)
        ("老人想学写毛笔字", "calligraphy_painting_class"),  # a synonym, and 老人 says little
        ("冬天暖气不热", "heating_repair"),
        ("我是低保户，想把家里的旧书捐出去", "book_donation"),  # the action beats the setting
        ("我有糖尿病，想找人帮忙做饭", "home_meal_service"),
        ("家里闹耗子了", "pest_control"),  # 耗子 = 老鼠, 灭鼠 = 消杀
        ("my water pipe is leaking", "water_electric_repair"),
        ("每年都要认证领养老金", "pension_certification"),  # 领养 is not what was said
        ("帮我填一下申请表", "letter_writing"),  # 填…表, however it is said
    ],
)
def test_first_item(text: str, expected: str) -> None:
    reading = ranker().read(text)
    assert reading.items[0].code == expected, reading.items[:3]


def test_split_phrase_and_deciding_words() -> None:
    reading = ranker().read("最近情绪很低落，想找人疏导一下")
    assert "psych_support" in [m.code for m in reading.items[:3]]
    assert reading.items[0].words  # the words that decided it, for the volunteer's explanation


def _labelled_chinese() -> list[str]:
    rows = []
    for name in ("needs.tsv", "needs_fresh.tsv"):
        path = Path(__file__).resolve().parents[2] / "bench" / "data" / name
        for line in path.read_text(encoding="utf-8").splitlines():
            cells = line.split("\t")
            if not line.startswith("#") and len(cells) == 5 and cells[1] == "zh":
                rows.append(cells[4])
    return rows


def test_deciding_words_are_the_residents_own() -> None:
    """The words shown to a volunteer as what decided a match ("匹配依据") are what the resident
    typed, never a catalog phrase the sentence holds only in part ("帮忙买药" for 帮忙买菜)."""
    reading = ranker().read("能不能帮忙买菜送上门")
    assert reading.items[0].words == ("帮忙买菜",)  # 帮忙买 (of 帮忙买药) and 买菜, joined
    sentences = _labelled_chinese()
    assert len(sentences) > 100
    for text in sentences:
        norm = normalize(text)
        for match in ranker().read(text).items:
            for word in match.words:
                assert all(part in norm for part in word.split("…")), (text, match.code, word)


def test_generic_words_alone_are_not_understood() -> None:
    assert ranker().read("社区 老人 帮忙").items == ()


def test_sentence_skills_reach_dispatch() -> None:
    reading = ranker().read("陪我妈去医院看病，她坐轮椅")
    assert "medical_escort" in reading.skills[:3]
    assert "medical_escort" in reading.sentence_skills


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("家里水管漏了", "need"),
        ("帮我买菜", "need"),
        ("我想当志愿者", "volunteer"),
        ("楼下有人私装地锁", "report"),
        ("我建议小区加装电梯", "proposal"),
        ("最近有什么活动", "activities"),
        ("我的申请怎么样了", "my_items"),
        ("转人工", "human"),
        ("你好", "greeting"),
        ("I want to volunteer", "volunteer"),
        ("my water pipe is leaking", "need"),
        # a shared facility broken is a report, not a repair for the home ("电脑坏了" still is)
        ("楼里电梯坏了一个星期了", "report"),
        ("the elevator is broken", "report"),
        ("电脑坏了一个星期了", "need"),
        ("楼下饭馆油烟太大了", "report"),  # a neighbour's fumes; the range hood is a repair:
        ("抽油烟机不好使了", "need"),
        ("我想给社区提个意见", "proposal"),
        # someone hurt or in danger: the emergency numbers come first
        ("我妈摔倒了起不来", "emergency"),
        ("厨房煤气泄漏了", "emergency"),
        ("my father fell and can't get up", "emergency"),
        ("想学急救知识", "need"),  # first aid to learn is no emergency
    ],
)
def test_intents(text: str, intent: str) -> None:
    reading = ranker().read(text)
    found = classify(text, reading.items[0].score if reading.items else 0.0)
    assert found.intent == intent, found.choices


def test_an_escort_to_a_check_up_is_understood_surely() -> None:
    """复查 is a hospital visit: "陪着去复查" reads as 陪诊, sure enough to start the need."""
    text = "家里老人需要有人陪着去复查"
    reading = ranker().read(text)
    assert reading.items[0].code == "medical_escort_service"
    assert classify(text, reading.items[0].score).sure


@pytest.mark.parametrize(
    "text", ["I can teach fire safety", "消防宣传志愿者", "想学急救知识", "中风后的康复训练"]
)
def test_talk_of_fire_and_first_aid_is_no_emergency(text: str) -> None:
    reading = ranker().read(text)
    found = classify(text, reading.items[0].score if reading.items else 0.0)
    assert "emergency" not in dict(found.choices), found


def test_unclear_message_is_not_sure() -> None:
    found = classify("嗯嗯")
    assert found.intent is None and not found.sure
