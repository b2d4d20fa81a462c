"""Volunteer service hours (志愿服务时长): recording, totals and stars, corrections, export.

For the features that record service (dispatch, activities) — the one entry point:

    record = await record_service(
        Sink.of(ctx),                  # the use-case context: session, time, catalogs, settings
        person_id=volunteer_id,        # who served
        content="陪同就医",            # what was done (1–200 characters, shown to the volunteer)
        place="朝阳医院",               # where ("" if unknown)
        region_id=need.region_id,      # the region served: decides who reviews corrections
        served_at=start,               # aware datetime of the service
        hours=Decimal("2.3"),          # hours served, travel excluded; rounded by the rules
        organizer_id=organizer_id,     # who organized / confirmed (or None)
        recorded_by_id=ctx.person.id,  # who entered the record (or None for the system)
        assignment_id=None, activity_id=None, evaluation=None,  # optional links and a comment
        announce=True,                 # False: no thank-you / star notice (historic imports)
    )

Keyword-only after the sink. It rounds the hours (default: to the half hour, halves up —
1.2 → 1.0, 1.25 → 1.5, 1.75 → 2.0, 0.2 → 0.0; see `HoursRules`, overridable through
CoreConfig.hours), refuses hours below 0 or above 24 and empty content (InvalidInput, so inside a
dialog step the question is asked again), adds the ServiceRecord, counts the completion on the
volunteer profile (completions + 1, last_task_at) — callers must not count it again — and queues
a non-urgent thank-you, plus a congratulation when the total crosses a star threshold
(100 / 300 / 600 / 1000 / 1500 h). It flushes but does not commit: the caller's transaction does.
"""

from handlers.core.features import Feature, MenuEntry
from handlers.core.i18n import N_
from handlers.hours.commands import HOURS_FIX, approve, reject, review, show_hours
from handlers.hours.records import export_records, record_service, year_bounds
from handlers.hours.rules import HoursRules, rules_of

__all__ = [
    "HOURS_FIX",
    "HoursRules",
    "approve",
    "export_records",
    "record_service",
    "reject",
    "review",
    "rules_of",
    "show_hours",
    "year_bounds",
]


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature(
    "hours",
    commands={"hours": show_hours, "hours_fix": HOURS_FIX, "hours_review": review},
    keywords={"服务时长": "hours", "我的时长": "hours", "时长": "hours"},
    payloads={"hours_ok": approve, "hours_no": reject},
    menu=[MenuEntry(N_("wechat.menu.volunteers"), N_("wechat.menu.hours"), ("hours",), 3)],
)
