"""The 1–5 satisfaction scale residents rate services and report handling with."""

from __future__ import annotations

from handlers.core.i18n import N_

STARS = ("★", "★★", "★★★", "★★★★", "★★★★★")
# (label key, stars) for the rating buttons.
RATING_CHOICES = (
    (N_("common.rate_1"), 1),
    (N_("common.rate_2"), 2),
    (N_("common.rate_3"), 3),
    (N_("common.rate_4"), 4),
    (N_("common.rate_5"), 5),
)
