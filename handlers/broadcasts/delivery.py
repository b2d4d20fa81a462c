"""Queueing a broadcast: one outbox row per reachable identity, written in one statement per
language (used by the dialog, the scheduled start, the honour roll and the benchmarks)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Deps
from handlers.core.i18n import LANGUAGES
from handlers.core.messages import Reply
from handlers.core.notify import Sink, after_quiet_hours
from storage.models import Broadcast, DueJob, Region
from storage.repos import broadcasts as repo


def notice_text(deps: Deps, lang: str, region: str, text: str) -> str:
    """The notice as a recipient in `lang` sees it."""
    return deps.i18n.translate(lang, "broadcasts.notice", region=region, text=text)


def answer_hint(deps: Deps, lang: str, broadcast: Broadcast) -> str:
    """For a notice about an activity: how to sign up by answering (else nothing)."""
    title = (broadcast.audience or {}).get("activity_title")
    if not title:
        return ""
    return "\n" + deps.i18n.translate(lang, "broadcasts.answer_hint_activity", title=title)


async def queue_broadcast(
    session: AsyncSession,
    deps: Deps,
    broadcast: Broadcast,
    now: datetime,
    texts: dict | None = None,
) -> int:
    """Write the outbox rows of a broadcast (one per reachable identity); returns their number.

    `texts` (language → full text) overrides the organizer's notice, for system broadcasts.
    Non-urgent: during quiet hours the rows wait until they end.
    """
    region = await session.get(Region, broadcast.region_id)
    assert region is not None
    roles_, skills, lang = repo.audience_of(broadcast)
    people = repo.recipients(region.path, roles_, skills, lang)
    payloads = {
        code: Reply(
            ((texts or {}).get(code) or notice_text(deps, code, region.name, broadcast.text))
            + answer_hint(deps, code, broadcast)
        ).to_dict()
        for code in LANGUAGES
    }
    cfg = deps.config
    not_before = after_quiet_hours(now, cfg.tz, cfg.quiet_start, cfg.quiet_end)
    written = await repo.queue(
        session, broadcast.id, people, payloads, cfg.default_lang, now, not_before
    )
    broadcast.recipients = written
    broadcast.status = "queued"
    return written


async def start_scheduled(sink: Sink, job: DueJob) -> None:
    """The DueJob "broadcast_start": queue a scheduled broadcast unless it was cancelled."""
    deps, session, now = sink.deps, sink.session, sink.now
    broadcast_id = int(job.ref)
    # The conditional update locks the row, so a concurrent cancel either wins or waits.
    moved = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == "scheduled")
        .values(status="queued")
        .execution_options(synchronize_session=False)
    )
    if not getattr(moved, "rowcount", 0):
        return
    broadcast = await session.get(Broadcast, broadcast_id, populate_existing=True)
    assert broadcast is not None
    await queue_broadcast(session, deps, broadcast, now)
