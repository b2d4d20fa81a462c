"""Messages to people other than the sender, through the outbox, each in their own language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers.core.context import Ctx
from handlers.core.messages import Choice, Reply
from storage.models import Person
from storage.repos import outbox, people


def after_quiet_hours(now: datetime, tz: str, start: time, end: time) -> datetime:
    """`now`, or the end of the quiet hours (local time) if `now` falls inside them."""
    local = now.astimezone(ZoneInfo(tz))
    clock = local.time()
    quiet = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not quiet:
        return now
    wake = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return wake.astimezone(now.tzinfo)


async def notify(
    ctx: Ctx,
    person_id: int,
    key: str,
    *,
    choices: Sequence[tuple[str, str]] = (),
    kind: str = "notice",
    urgent: bool = False,
    photo: str | None = None,
    **params: Any,
) -> int:
    """Queue `key` for every reachable identity of a person; choices are (label key, payload).

    Non-urgent messages written during quiet hours wait until they end (local time).
    """
    person = await ctx.session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        return 0
    i18n = ctx.deps.i18n
    reply = Reply(
        i18n.translate(person.lang, key, **params),
        tuple(Choice(i18n.translate(person.lang, label), payload) for label, payload in choices),
        photo=photo,
    )
    cfg = ctx.deps.config
    send_at = (
        ctx.now if urgent else after_quiet_hours(ctx.now, cfg.tz, cfg.quiet_start, cfg.quiet_end)
    )
    count = 0
    for ident in await people.identities_of(ctx.session, person_id):
        outbox.enqueue(
            ctx.session,
            person_id=person_id,
            channel=ident.channel,
            external_id=ident.external_id,
            payload=reply.to_dict(),
            kind=kind,
            urgent=urgent,
            now=ctx.now,
            not_before=send_at,
        )
        count += 1
    return count
