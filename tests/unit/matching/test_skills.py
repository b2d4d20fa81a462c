"""Skill inference: synonyms, word order, containment, English, normalization, the prefilter."""

from __future__ import annotations

import random

import pytest

from matching import MatchIndex, NeedSpec, SkillMatcher
from matching.text import normalize

from .conftest import TAXONOMY


@pytest.fixture(scope="module")
def matcher() -> SkillMatcher:
    return SkillMatcher(TAXONOMY)


@pytest.mark.parametrize(
    ("text", "code", "phrase"),
    [
        ("扫雪", "snow_clearing", "扫雪"),  # synonym finds the 除雪 skill
        ("楼门口积雪太厚，需要帮忙铲雪", "snow_clearing", "铲雪"),  # containment in a sentence
        ("除雪", "snow_clearing", "除雪"),  # the name itself
        ("陪护老人", "companionship", "陪护老人"),
        ("老人陪护", "companionship", "陪护老人"),  # word order: jieba tokens 老人/陪护
        ("下周一上午需要有人陪老人去医院看病", "medical_escort", "陪老人看病"),
        ("电脑中毒了，想重装系统", "computer_help", "重装系统"),
        ("Need someone to shovel snow at my door", "snow_clearing", "shovel snow"),
        ("please ACCOMPANY my mother TO HOSPITAL", "medical_escort", "accompany to hospital"),
        ("Snow Removal", "snow_clearing", "snow removal"),
        ("ｃｏｍｐｕｔｅｒ　ｒｅｐａｉｒ", "computer_help", "computer repair"),  # full-width (NFKC)
    ],
)
def test_infers_the_right_skill_first(
    matcher: SkillMatcher, text: str, code: str, phrase: str
) -> None:
    hits = matcher.match(text)
    assert hits, text
    assert hits[0].code == code
    assert normalize(hits[0].phrase) == normalize(phrase)
    assert hits[0].similarity == pytest.approx(1.0)


@pytest.mark.parametrize("text", ["今天天气不错", "我想报名参加合唱团", "", "   ", "?!。，"])
def test_unrelated_text_infers_nothing(matcher: SkillMatcher, text: str) -> None:
    assert matcher.match(text) == ()


def test_fuzzy_match_scores_below_exact(matcher: SkillMatcher) -> None:
    exact = matcher.match("修电脑")[0]
    fuzzy = matcher.match("修电恼")  # a typo
    assert exact.similarity == 1.0
    assert fuzzy and fuzzy[0].code == "computer_help" and 0.6 <= fuzzy[0].similarity < 1.0
    # a word in between still counts as the whole phrase (token containment, any order)
    assert matcher.match("陪同去就医")[0].similarity == 1.0


def test_a_fragment_of_a_phrase_does_not_match_it(matcher: SkillMatcher) -> None:
    # "洗澡" is a fragment of 帮老人洗澡; matching is directed (phrase inside text), so this stays
    # below the threshold rather than scoring 100 the way token_set_ratio would.
    assert all(h.code != "bathing_assist" or h.similarity < 1.0 for h in matcher.match("洗澡"))


def test_two_needs_in_one_text_give_two_skills(matcher: SkillMatcher) -> None:
    codes = {h.code for h in matcher.match("陪老人看病，回来顺便帮忙扫雪")}
    assert codes == {"medical_escort", "snow_clearing"}


def test_declared_skills_override_inference(matcher: SkillMatcher) -> None:
    hits = matcher.resolve("帮忙扫雪", frozenset({"cooking"}))
    assert [(h.code, h.similarity) for h in hits] == [("cooking", 1.0)]
    hits = matcher.resolve("帮忙扫雪", frozenset({"snow_clearing", "unknown_code"}))
    assert [(h.code, h.similarity, h.phrase) for h in hits] == [
        ("snow_clearing", 1.0, "扫雪"),
        ("unknown_code", 1.0, "unknown_code"),
    ]


def test_ranked_best_first_ties_by_code(matcher: SkillMatcher) -> None:
    hits = matcher.match("陪老人看病，陪老人说话，扫雪")
    keys = [(-h.similarity, h.code) for h in hits]
    assert keys == sorted(keys)


def test_prefilter_never_changes_the_result() -> None:
    """The character prefilter is a proven bound; check it against scoring every phrase."""
    from matching.taxonomy import load_skills

    matcher = SkillMatcher(load_skills())
    rng = random.Random(3)
    phrases = [p for s in load_skills() for p in (s.zh, s.en, *s.synonyms_zh, *s.synonyms_en)]
    fillers = ["老人", "需要", "帮忙", "周末", "楼下", "please", "help", "的", "，", " "]
    for _ in range(300):
        parts = rng.sample(phrases, rng.randint(0, 2)) + rng.sample(fillers, rng.randint(0, 4))
        rng.shuffle(parts)
        text = "".join(parts)
        if rng.random() < 0.3 and text:  # damage one character
            pos = rng.randrange(len(text))
            text = text[:pos] + rng.choice("修陪老看扫a") + text[pos + 1 :]
        assert matcher.match(text) == matcher.match_unfiltered(text), text


def test_explain_need_lists_the_inferred_skills() -> None:
    index = MatchIndex([], TAXONOMY)
    assert index.explain_need(NeedSpec(1, "帮忙扫雪")) == [("snow_clearing", 1.0, "扫雪")]
    assert index.explain_need(NeedSpec(2, "x", skills=frozenset({"cooking"}))) == [
        ("cooking", 1.0, "烹饪")
    ]
