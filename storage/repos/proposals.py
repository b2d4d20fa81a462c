"""Residents' proposals (居民提案): lookups, co-signatures, events, agenda and counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Person, Proposal, ProposalCosign, ProposalEvent, Region

# States in which neighbours may still co-sign and organizers may still decide.
OPEN_STATES = ("submitted", "seconded", "on_agenda")
# States that mean "on the agenda of the next joint meeting".
AGENDA_STATES = ("seconded", "on_agenda")
# States of an accepted practical project (实事项目).
PROJECT_STATES = ("accepted", "in_progress", "done", "disputed")


async def get(session: AsyncSession, proposal_id: int, *, lock: bool = False) -> Proposal | None:
    """A proposal by id; `lock` takes a row lock (PostgreSQL) so counts and states move once."""
    if lock:
        # populate_existing: the row as committed now, not as this session first loaded it.
        query = (
            select(Proposal)
            .where(Proposal.id == proposal_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await session.execute(query)).scalar_one_or_none()
    return await session.get(Proposal, proposal_id)


async def in_community(
    session: AsyncSession,
    community_id: int,
    states: tuple[str, ...] = OPEN_STATES,
    limit: int = 200,
) -> list[Proposal]:
    """Proposals of a community in the given states, most supported first."""
    rows = await session.execute(
        select(Proposal)
        .where(Proposal.community_id == community_id, Proposal.status.in_(states))
        .order_by(Proposal.cosign_count.desc(), Proposal.id)
        .limit(limit)
    )
    return list(rows.scalars())


async def of_person(session: AsyncSession, person_id: int, limit: int = 20) -> list[Proposal]:
    """Proposals a person made or co-signed, newest first."""
    cosigned = select(ProposalCosign.proposal_id).where(ProposalCosign.person_id == person_id)
    rows = await session.execute(
        select(Proposal)
        .where(or_(Proposal.proposer_id == person_id, Proposal.id.in_(cosigned)))
        .order_by(Proposal.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def done_between(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int = 10
) -> tuple[int, list[Proposal]]:
    """How many practical projects of a community were done in [start, end), and the latest."""
    where = (
        Proposal.community_id == community_id,
        Proposal.status == "done",
        Proposal.done_at >= start,
        Proposal.done_at < end,
    )
    count = await session.scalar(select(func.count()).select_from(Proposal).where(*where))
    rows = await session.execute(
        select(Proposal).where(*where).order_by(Proposal.done_at.desc()).limit(limit)
    )
    return int(count or 0), list(rows.scalars())


async def count_by_status(session: AsyncSession, community_id: int) -> dict[str, int]:
    """Number of proposals of a community per state."""
    rows = await session.execute(
        select(Proposal.status, func.count())
        .where(Proposal.community_id == community_id)
        .group_by(Proposal.status)
    )
    return {status: int(n) for status, n in rows.all()}


async def cosigner_ids(session: AsyncSession, proposal_id: int) -> list[int]:
    """Who co-signed a proposal, in order."""
    rows = await session.execute(
        select(ProposalCosign.person_id)
        .where(ProposalCosign.proposal_id == proposal_id, ProposalCosign.person_id.is_not(None))
        .order_by(ProposalCosign.id)
    )
    return [pid for pid in rows.scalars() if pid is not None]


async def followers(session: AsyncSession, proposal: Proposal) -> list[int]:
    """The proposer and every co-signer: the people told of each change."""
    ids = [proposal.proposer_id] if proposal.proposer_id else []
    return ids + [pid for pid in await cosigner_ids(session, proposal.id) if pid not in ids]


async def add_cosign(
    session: AsyncSession, proposal: Proposal, person_id: int, now: datetime
) -> bool:
    """Record a co-signature and refresh the count; False if the person had already co-signed.

    The unique constraint is the arbiter: a concurrent double tap inserts once.
    """
    try:
        async with session.begin_nested():
            session.add(
                ProposalCosign(proposal_id=proposal.id, person_id=person_id, created_at=now)
            )
    except IntegrityError:
        return False
    proposal.cosign_count = await count_cosigns(session, proposal.id)
    return True


async def count_cosigns(session: AsyncSession, proposal_id: int) -> int:
    """The number of co-signatures stored for a proposal."""
    count = await session.scalar(
        select(func.count())
        .select_from(ProposalCosign)
        .where(ProposalCosign.proposal_id == proposal_id)
    )
    return int(count or 0)


def add_event(
    session: AsyncSession,
    proposal: Proposal,
    kind: str,
    now: datetime,
    actor_id: int | None = None,
    note: str | None = None,
) -> ProposalEvent:
    """Record a state change or note on a proposal, and touch it."""
    event = ProposalEvent(proposal_id=proposal.id, actor_id=actor_id, kind=kind, note=note, at=now)
    session.add(event)
    proposal.updated_at = now
    return event


async def events(session: AsyncSession, proposal_id: int) -> list[ProposalEvent]:
    """A proposal's history, oldest first."""
    rows = await session.execute(
        select(ProposalEvent)
        .where(ProposalEvent.proposal_id == proposal_id)
        .order_by(ProposalEvent.at, ProposalEvent.id)
    )
    return list(rows.scalars())


async def has_event(
    session: AsyncSession, proposal_id: int, kind: str, actor_id: int, since: datetime
) -> bool:
    """Whether the person recorded an event of this kind since a time (e.g. confirmed "done")."""
    found = await session.scalar(
        select(ProposalEvent.id)
        .where(
            ProposalEvent.proposal_id == proposal_id,
            ProposalEvent.kind == kind,
            ProposalEvent.actor_id == actor_id,
            ProposalEvent.at >= since,
        )
        .limit(1)
    )
    return found is not None


async def count_events(session: AsyncSession, proposal_id: int, kind: str, since: datetime) -> int:
    """How many events of a kind a proposal has had since a time."""
    count = await session.scalar(
        select(func.count())
        .select_from(ProposalEvent)
        .where(
            ProposalEvent.proposal_id == proposal_id,
            ProposalEvent.kind == kind,
            ProposalEvent.at >= since,
        )
    )
    return int(count or 0)


async def answers_since(
    session: AsyncSession, proposal_id: int, since: datetime
) -> dict[int, tuple[str, str | None]]:
    """Each follower's latest answer ("confirmed" or "disputed", with its note) since a time."""
    rows = await session.execute(
        select(ProposalEvent.actor_id, ProposalEvent.kind, ProposalEvent.note)
        .where(
            ProposalEvent.proposal_id == proposal_id,
            ProposalEvent.kind.in_(("confirmed", "disputed")),
            ProposalEvent.at >= since,
            ProposalEvent.actor_id.is_not(None),
        )
        .order_by(ProposalEvent.at, ProposalEvent.id)
    )
    return {actor: (str(kind), note) for actor, kind, note in rows.all() if actor is not None}


async def marked_done_by(session: AsyncSession, proposal: Proposal) -> int | None:
    """Who marked the project done in its latest round."""
    if proposal.done_at is None:
        return None
    return await session.scalar(
        select(ProposalEvent.actor_id)
        .where(
            ProposalEvent.proposal_id == proposal.id,
            ProposalEvent.kind == "done",
            ProposalEvent.at >= proposal.done_at,
        )
        .order_by(ProposalEvent.id.desc())
        .limit(1)
    )


async def confirm_due(session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    """Ids of projects marked done whose confirmation window ended and that are not closed."""
    rows = await session.execute(
        select(Proposal.id)
        .where(
            Proposal.status == "done",
            Proposal.closed_at.is_(None),
            Proposal.confirm_due.is_not(None),
            Proposal.confirm_due <= now,
        )
        .order_by(Proposal.id)
        .limit(limit)
    )
    return list(rows.scalars())


async def projects_per_year(
    session: AsyncSession, path: str, start: datetime, end: datetime
) -> dict[int, dict[str, int]]:
    """Per community in a region subtree: practical projects decided and closed in [start, end)."""
    area = select(Region.id).where(Region.path.startswith(path))
    found: dict[int, dict[str, int]] = {}
    decided = await session.execute(
        select(Proposal.community_id, func.count())
        .where(
            Proposal.community_id.in_(area),
            Proposal.status.in_(PROJECT_STATES),
            Proposal.decided_at >= start,
            Proposal.decided_at < end,
        )
        .group_by(Proposal.community_id)
    )
    for community_id, n in decided.all():
        found.setdefault(community_id, {"projects": 0, "closed": 0})["projects"] = int(n)
    closed = await session.execute(
        select(Proposal.community_id, func.count())
        .where(
            Proposal.community_id.in_(area),
            Proposal.closed_at >= start,
            Proposal.closed_at < end,
        )
        .group_by(Proposal.community_id)
    )
    for community_id, n in closed.all():
        found.setdefault(community_id, {"projects": 0, "closed": 0})["closed"] = int(n)
    return found


async def agenda_since(session: AsyncSession, proposal_ids: list[int]) -> dict[int, datetime]:
    """When each proposal last reached the agenda (its latest "seconded" event)."""
    if not proposal_ids:
        return {}
    rows = await session.execute(
        select(ProposalEvent.proposal_id, func.max(ProposalEvent.at))
        .where(ProposalEvent.proposal_id.in_(proposal_ids), ProposalEvent.kind == "seconded")
        .group_by(ProposalEvent.proposal_id)
    )
    return {pid: at for pid, at in rows.all()}


async def agenda(session: AsyncSession, community_ids: list[int]) -> list[Proposal]:
    """Proposals on the agenda of the given communities, by community then id."""
    if not community_ids:
        return []
    rows = await session.execute(
        select(Proposal)
        .where(Proposal.community_id.in_(community_ids), Proposal.status.in_(AGENDA_STATES))
        .order_by(Proposal.community_id, Proposal.id)
    )
    return list(rows.scalars())


async def stale(session: AsyncSession, before: datetime) -> list[Proposal]:
    """Agenda items not yet flagged that reached the agenda before `before` and are undecided."""
    reached = (
        select(ProposalEvent.proposal_id, func.max(ProposalEvent.at).label("at"))
        .where(ProposalEvent.kind == "seconded")
        .group_by(ProposalEvent.proposal_id)
        .subquery()
    )
    rows = await session.execute(
        select(Proposal)
        .join(reached, reached.c.proposal_id == Proposal.id)
        .where(
            Proposal.status.in_(AGENDA_STATES),
            Proposal.stale_flagged_at.is_(None),
            reached.c.at <= before,
        )
        .order_by(Proposal.id)
    )
    return list(rows.scalars())


async def names(session: AsyncSession, person_ids: list[int]) -> dict[int, str]:
    """Display names by person id."""
    if not person_ids:
        return {}
    rows = await session.execute(
        select(Person.id, Person.display_name).where(Person.id.in_(set(person_ids)))
    )
    return {pid: name for pid, name in rows.all()}


async def export(session: AsyncSession, region: Region | None) -> list[dict[str, Any]]:
    """Every proposal (whose community lies in a region's subtree), with names joined."""
    community = aliased(Region)
    query = (
        select(Proposal, community.name, Person.display_name)
        .join(community, community.id == Proposal.community_id)
        .outerjoin(Person, Person.id == Proposal.proposer_id)
        .order_by(Proposal.id)
    )
    if region is not None:
        query = query.where(community.path.startswith(region.path))
    rows = await session.execute(query)
    return [
        {"proposal": proposal, "community": name, "proposer": proposer or ""}
        for proposal, name, proposer in rows.all()
    ]
