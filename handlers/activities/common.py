"""What every part of the activities feature shares: its rules, notices, labels and lookups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from handlers.core.auth import ORGANIZERS, require_role
from handlers.core.config import ActivityRules
from handlers.core.context import Ctx
from handlers.core.errors import UserError
from handlers.core.i18n import Translator
from handlers.core.notify import Sink, notify
from matching import taxonomy
from storage.models import Activity, Region
from storage.repos import activities as repo
from storage.repos import regions

MANAGERS = ORGANIZERS


@dataclass(frozen=True)
class Env(Sink):
    """The use-case context (core `Sink`) with what the activities feature adds to it."""

    @classmethod
    def within(cls, sink: Sink) -> Env:
        """The same context, with the feature's helpers."""
        return cls(sink.session, sink.deps, sink.now)

    @property
    def rules(self) -> ActivityRules:
        """This deployment's rules."""
        return self.config.activities

    @property
    def tz(self) -> ZoneInfo:
        """The local time zone (LINLI_TZ)."""
        return ZoneInfo(self.config.tz)

    async def tell(
        self,
        person_id: int | None,
        key: str,
        *,
        choices: Sequence[tuple[str, str]] = (),
        urgent: bool = False,
        **params: Any,
    ) -> int:
        """Queue a notice for every identity of a person, in their language (core notify)."""
        return await notify(
            self, person_id, key, choices=choices, kind="activity", urgent=urgent, **params
        )


def skill_names(i18n: Translator, codes: Sequence[str], lang: str, limit: int = 5) -> str:
    """Skill codes as names in a language, the first few only ("陪诊、助浴 …")."""
    table = taxonomy.skill_by_code()
    names = [table[c].name(lang) if c in table else c for c in codes]
    shown = i18n.join(lang, names[:limit])
    return shown + (" …" if len(names) > limit else "")


async def find(ctx: Ctx, activity_id: int | None) -> Activity:
    """The activity, or a clear refusal."""
    activity = await repo.get(ctx.session, activity_id) if activity_id is not None else None
    if activity is None:
        raise UserError("activities.not_found")
    return activity


async def manage(ctx: Ctx, activity: Activity) -> Region:
    """Refuse unless the person is an organizer or admin over the activity's audience region."""
    region = await regions.by_id(ctx.session, activity.region_id)
    if region is None:
        raise UserError("activities.not_found")
    await require_role(ctx, MANAGERS, region)
    return region


def card(ctx: Ctx, activity: Activity, held: int, waiting: int) -> str:
    """One activity as a few lines: title, time, place, places taken."""
    return ctx.t(
        "activities.card",
        id=activity.id,
        title=activity.title,
        when=ctx.deps.i18n.span(ctx.lang, activity.starts_at, activity.ends_at),
        place=activity.place,
        taken=held,
        slots=activity.slots,
        waiting=waiting,
    )


def held_and_waiting(counts: Mapping[str, int]) -> tuple[int, int]:
    """(places held, people waiting) from an activity's sign-up counts."""
    return sum(counts.get(s, 0) for s in repo.HOLDING), counts.get("waitlisted", 0)
