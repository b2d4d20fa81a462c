"""Similar proposals in Chinese: reordered words, one title inside another, stop words, NFKC."""

from __future__ import annotations

import pytest

from handlers.proposals.similarity import CUTOFF, normalize, score, similar, words

ALIKE = [
    ("加装电梯", "老楼加装电梯"),  # one title inside the other
    ("加装电梯", "我们楼想装个电梯"),
    ("楼道堆物清理", "清理楼道堆放杂物"),  # the same words, reordered
    ("路灯坏了", "更换损坏路灯"),
    ("ＡＢＣ停车场", "abc停车场"),  # full-width letters
    ("Add an elevator", "add elevator to building 3"),
]
UNALIKE = [
    ("加装电梯", "楼道堆物清理"),
    ("加装电梯", "增加健身器材"),
    ("增设停车位", "增加健身器材"),
    ("楼道灯不亮", "楼道堆物清理"),
    ("希望社区增加健身器材", "希望社区加装电梯"),  # alike only in words every proposal uses
    ("老年食堂", "社区开办老年餐桌"),  # synonyms would need a table
]


@pytest.mark.parametrize(("a", "b"), ALIKE)
def test_alike_titles_score_at_or_above_the_cutoff(a: str, b: str) -> None:
    assert score(a, "", b, "") >= CUTOFF
    assert score(b, "", a, "") >= CUTOFF


@pytest.mark.parametrize(("a", "b"), UNALIKE)
def test_different_titles_score_below_the_cutoff(a: str, b: str) -> None:
    assert score(a, "", b, "") < CUTOFF


def test_the_text_counts_when_titles_differ() -> None:
    body = "我们103号楼都是老人，上下楼太难，希望加装电梯"
    other = "我们楼没有电梯，老人上下楼太难，希望加装电梯"
    assert score("老人上下楼难", body, "103号楼老人出门难", other) >= CUTOFF
    assert score("楼道堆物清理", "楼道里堆满了纸箱和旧家具", "加装电梯", body) < CUTOFF


def test_similar_ranks_filters_and_limits() -> None:
    candidates = [
        (1, "楼道堆物清理", "纸箱很多"),
        (2, "老楼加装电梯", ""),
        (3, "加装电梯", ""),
        (4, "给103号楼加装电梯", ""),
        (5, "加装电梯的事", ""),
    ]
    found = similar("加装电梯", "", candidates)
    assert [pid for pid, _ in found] == [2, 3, 4]  # best first, ties by id, three at most
    assert all(s >= CUTOFF for _, s in found)
    assert similar("加装电梯", "", []) == []
    assert similar("", "", candidates) == []


def test_normalizing_and_words() -> None:
    assert normalize("  ＡＢＣ\u3000停车 ") == "abc 停车"
    assert words("希望社区加装电梯！") == ("加装", "电梯")
    assert words("") == () and words("，。！") == ()
