"""Agenda items left undecided too long: flagged once, and the community's organizers told."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.i18n import N_, Translator
from handlers.core.messages import Choice, Reply
from storage.models import Person, Proposal
from storage.repos import outbox, people, regions, roles
from storage.repos import proposals as repo

STALE_NOTICE = N_("proposals.org.stale")


@cache
def _default_translator() -> Translator:
    return Translator()


async def flag_stale(
    session: AsyncSession, now: datetime, days: int, i18n: Translator | None = None
) -> list[Proposal]:
    """Flag agenda items undecided `days` after reaching the agenda; tell organizers; return them.

    Runs outside any conversation (the scheduler calls it), so it writes the outbox itself, in
    the caller's transaction; an item is flagged once, so repeated sweeps send nothing twice.
    """
    i18n = i18n or _default_translator()
    flagged = await repo.stale(session, now - timedelta(days=days))
    for proposal in flagged:
        proposal.stale_flagged_at = now
        repo.add_event(session, proposal, "stale", now)
        community = await regions.by_id(session, proposal.community_id)
        if community is None:
            continue
        for person_id in await roles.holders(session, ("organizer",), community):
            await _tell(session, i18n, now, person_id, proposal, community.name, days)
    return flagged


async def _tell(
    session: AsyncSession,
    i18n: Translator,
    now: datetime,
    person_id: int,
    proposal: Proposal,
    community: str,
    days: int,
) -> None:
    """What handlers.core.notify does, without a conversation to take the session from."""
    person = await session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        return
    text = i18n.translate(
        person.lang,
        STALE_NOTICE,
        id=proposal.id,
        title=proposal.title,
        community=community,
        days=days,
    )
    label = i18n.translate(person.lang, "proposals.btn.decide")
    reply = Reply(text, (Choice(label, f"/decide {proposal.id}"),))
    for ident in await people.identities_of(session, person_id):
        outbox.enqueue(
            session,
            person_id=person_id,
            channel=ident.channel,
            external_id=ident.external_id,
            payload=reply.to_dict(),
            now=now,
        )
