"""Whether a resident's words say the need is urgent ("很急", "今天就要", "马上"); pure."""

from __future__ import annotations

import re

from matching.text import normalize

# Narrow on purpose: words that say "now", not words that merely mention illness or worry.
URGENT_ZH = (
    "很急",
    "紧急",
    "急需",
    "着急",
    "急用",
    "挺急",
    "特别急",
    "非常急",
    "今天就要",
    "今天必须",
    "今天之内",
    "马上",
    "立刻",
    "立即",
    "赶紧",
    "尽快",
    "越快越好",
)
URGENT_EN = re.compile(r"\b(urgent(ly)?|asap|as soon as possible|right (now|away)|immediately)\b")
NEGATED = ("不急", "不着急", "不紧急", "不用马上", "not urgent")


def is_urgent(text: str) -> bool:
    """True when the text asks for help now (and does not say it is not urgent)."""
    said = normalize(text or "")
    if any(word in said for word in NEGATED):
        return False
    return any(word in said for word in URGENT_ZH) or bool(URGENT_EN.search(said.lower()))
