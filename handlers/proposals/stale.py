"""Agenda items left undecided too long: flagged once, and the community's organizers told."""

from __future__ import annotations

from datetime import timedelta

from handlers.core.i18n import N_
from handlers.core.messages import Choice, Reply
from handlers.core.notify import Sink
from storage.models import DueJob, Person, Proposal
from storage.repos import outbox, people, regions, roles
from storage.repos import proposals as repo

STALE_NOTICE = N_("proposals.org.stale")


async def flag_stale(sink: Sink, job: DueJob | None = None) -> list[Proposal]:
    """Flag agenda items undecided `days` after reaching the agenda; tell organizers; return them.

    Runs outside any conversation (the scheduler calls it), so it writes the outbox itself, in
    the caller's transaction; an item is flagged once, so repeated sweeps send nothing twice.
    """
    session, now, days = sink.session, sink.now, sink.config.proposals.stale_days
    flagged = await repo.stale(session, now - timedelta(days=days))
    for proposal in flagged:
        proposal.stale_flagged_at = now
        repo.add_event(session, proposal, "stale", now)
        community = await regions.by_id(session, proposal.community_id)
        if community is None:
            continue
        for person_id in await roles.holders(session, ("organizer",), community):
            await _tell(sink, person_id, proposal, community.name, days)
    return flagged


async def _tell(
    sink: Sink,
    person_id: int,
    proposal: Proposal,
    community: str,
    days: int,
) -> None:
    """What handlers.core.notify does, with a button to decide (held over the quiet hours)."""
    session, now, i18n = sink.session, sink.now, sink.i18n
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
            not_before=sink.wake(),
        )
