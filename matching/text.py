"""Text normalization and jieba segmentation, shared by skill inference and free-text scoring."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

_LOCK = threading.Lock()
_TOKENIZER: Any = None


def fold(text: str) -> str:
    """`text` NFKC-folded ("１２：３０" → "12:30"); non-decimal digits ("²", "①") unreadable."""
    kept = "".join("\ufffd" if c.isdigit() and not c.isdecimal() else c for c in text)
    return unicodedata.normalize("NFKC", kept)


def normalize(text: str) -> str:
    """NFKC-fold (full-width to half-width), lowercase and collapse whitespace."""
    return " ".join(fold(text).lower().split())


# Characters and English words that carry no subject of their own ("我想", "I would like to").
_CJK_FILLER = frozenset("我你他她们要想的了个一下请帮忙吗呢吧啊能不可以有是在")
_EN_FILLER = frozenset(
    "i we you a an the to of and or is are it this that there my our me need want would like"  # noqa: SIM905
    " make have has please can could about some someone somebody help with for".split()
)
_EN_WORD = re.compile(r"[a-z]+")


def said_besides(text: str, words: Iterable[str]) -> tuple[int, int]:
    """How much `text` says besides `words` (and words that carry no subject): the Chinese
    characters and the English words left ("能不能帮忙买菜送上门，我腿脚不好" besides 帮忙买菜)."""
    rest = text.lower()
    for word in sorted((str(w).lower() for w in words), key=len, reverse=True):
        rest = rest.replace(word, " ")
    chinese = sum(1 for ch in rest if "\u4e00" <= ch <= "\u9fff" and ch not in _CJK_FILLER)
    english = sum(1 for word in _EN_WORD.findall(rest) if word not in _EN_FILLER)
    return chinese, english


def is_word(token: str) -> bool:
    """Whether a token carries meaning: it has a letter or a digit (not space or punctuation)."""
    # Drop whitespace and pure punctuation/symbol tokens: they carry no meaning for matching.
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


def tokenizer() -> Any:
    """Our own jieba tokenizer, loaded on first use (about 0.5 s and 75 MB), then shared."""
    global _TOKENIZER
    if _TOKENIZER is None:
        with _LOCK:
            if _TOKENIZER is None:
                import jieba

                # A private instance: words other modules add to jieba's global dictionary must not
                # change how we segment, or rankings would depend on import order.
                jieba.setLogLevel(logging.WARNING)
                instance = jieba.Tokenizer()
                instance.initialize()
                _TOKENIZER = instance
    return _TOKENIZER


@lru_cache(maxsize=65536)
def tokens(normalized: str) -> tuple[str, ...]:
    """Word tokens of an already normalized text (jieba, punctuation and spaces dropped)."""
    if not normalized:
        return ()
    return tuple(t for t in tokenizer().lcut(normalized) if is_word(t))


def segment(normalized: str) -> str:
    """Space-joined word tokens of an already normalized text, for rapidfuzz's token scorers."""
    return " ".join(tokens(normalized))
