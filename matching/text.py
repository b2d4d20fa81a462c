"""Text normalization and jieba segmentation, shared by skill inference and free-text scoring."""

from __future__ import annotations

import logging
import threading
import unicodedata
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
