"""Whether a short reply says "yes, I can come" (我能来, 报名, I can come) — for answers to notices.

Pure and narrow on purpose: a short message, one of the yes cues, and no negation; a mere
acknowledgement ("好的", "ok") is not a yes to come. The caller
decides what it answers (the latest notice the person received within a few days).
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 24  # a longer message says more than "yes": it goes to the general reading
YES_ZH = (
    "我能来",
    "能来",
    "我可以来",
    "可以来",
    "我会来",
    "我来",
    "我报名",
    "报名",
    "我参加",
    "参加",
    "算我一个",
    "算上我",
    "我能去",
    "我可以去",
)
YES_EN = (
    "i can come",
    "i can make it",
    "i will come",
    "i'll come",
    "i'll be there",
    "count me in",
    "sign me up",
    "i'm in",
    "im in",
    "i can join",
)
NO_ZH = ("不", "没空", "没时间", "来不了", "去不了", "参加不了", "不能", "不行", "不了", "别")
NO_EN = ("not", "can't", "cannot", "cant", "won't", "no", "unable", "sorry")
_WORD = re.compile(r"[a-z']+")
_TRAILING = re.compile(r"[\s!！。.~～,，]+$")


def means_yes(text: str) -> bool:
    """Whether the text is a short "yes, I can come" with no negation in it."""
    folded = _TRAILING.sub("", unicodedata.normalize("NFKC", text).strip().lower())
    if not folded or len(folded) > MAX_LENGTH:
        return False
    words = _WORD.findall(folded)
    if any(cue in folded for cue in NO_ZH) or set(words) & set(NO_EN):
        return False
    if any(cue in folded for cue in YES_ZH):
        return True
    padded = " " + " ".join(words) + " "
    return any(" " + cue + " " in padded for cue in YES_EN)
