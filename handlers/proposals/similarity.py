"""Similar proposals, Chinese-aware: NFKC, jieba words, token-set and containment scores (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz

from matching.text import is_word, normalize, tokenizer  # one jieba instance for the process

CUTOFF = 65.0  # tuned on the Chinese pairs in tests/unit/test_proposals_similarity.py
# Words every proposal uses; left in, they make unrelated proposals look alike.
STOP_WORDS = frozenset(
    {
        "的", "了", "和", "与", "及", "在", "是", "给", "把", "要", "想", "有", "请", "能", "让",
        "我", "我们", "大家", "居民", "邻居", "希望", "建议", "提议", "能否", "能不能", "一下",
        "问题", "社区", "小区", "本", "a", "an", "the", "to", "of", "for", "in", "on", "and",
        "please", "our", "we", "i",
    }
)  # fmt: skip


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """The meaningful words of a text: jieba-segmented, without punctuation and stop words."""
    normalized = normalize(text)
    if not normalized:
        return ()
    return tuple(
        t for t in tokenizer().lcut(normalized) if is_word(t) and t.strip() not in STOP_WORDS
    )


def _pair(a: tuple[str, ...], b: tuple[str, ...], containment: bool) -> float:
    if not a or not b:
        return 0.0
    # token_set catches reordering (楼道堆物清理 / 清理楼道堆放杂物); partial_ratio catches one
    # title inside another (加装电梯 / 老楼加装电梯). Containment is only asked of short titles:
    # on long texts a few shared characters would match almost anything.
    best = fuzz.token_set_ratio(" ".join(a), " ".join(b))
    joined_a, joined_b = "".join(a), "".join(b)
    if containment and min(len(joined_a), len(joined_b)) >= 2:
        best = max(best, fuzz.partial_ratio(joined_a, joined_b))
    return float(best)


def score(title: str, body: str, other_title: str, other_body: str) -> float:
    """How alike two proposals are, 0–100: the better of title against title and whole texts."""
    by_title = _pair(words(title), words(other_title), containment=True)
    by_text = _pair(words(f"{title} {body}"), words(f"{other_title} {other_body}"), False)
    return max(by_title, by_text)


def similar(
    title: str,
    body: str,
    candidates: Iterable[tuple[int, str, str]],
    *,
    cutoff: float = CUTOFF,
    limit: int = 3,
) -> list[tuple[int, float]]:
    """The (id, score) of the candidates (id, title, body) at or above `cutoff`, best first."""
    scored = [(cid, score(title, body, ctitle, cbody)) for cid, ctitle, cbody in candidates]
    ranked = sorted((pair for pair in scored if pair[1] >= cutoff), key=lambda p: (-p[1], p[0]))
    return ranked[:limit]
