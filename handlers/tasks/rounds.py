"""Offer rounds for a chunk of needs at once: read in a few queries, ranked in memory, written
in bulk.

The same decisions as `offer_round` for one need (station items are the station's, the
oversupply guard, k offers per place still open, "nobody left" back to open with one alert per
need), but what the rounds read is loaded for the whole chunk up front (items, regions and their
ancestors, offers, assignments, help received, alerts sent, then the recipients and their
identities) and what they write is added to the session and flushed together: a handful of
statements per chunk instead of about thirty per need. Ranking is pure (`matching`); the loop
is given back between needs. The caller holds the needs' locks (`needs_to_consider`), so the
statuses read here are the ones written over.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts import Alert, alert_organizer_many
from handlers.core.context import CoreConfig
from handlers.core.notify import Pair, Sink, notice_rows
from handlers.needs.lifecycle import NOTICES
from handlers.relay import contact
from handlers.tasks.candidates import Pools, need_spec
from handlers.tasks.explain import as_rows
from handlers.tasks.offers import DispatchRules, NeedView, offer_due, offer_notice, rules_of
from matching import Match
from storage.models import (
    Assignment,
    AuditEntry,
    DueJob,
    Identity,
    Need,
    Organization,
    Person,
    Region,
    ServiceItem,
    TaskOffer,
)
from storage.repos import outbox, roles


@dataclass
class Loaded:
    """What the rounds of a chunk read. Held here: the session's identity map is weak."""

    items: dict[int, ServiceItem]
    regions: dict[int, Region]
    offers: dict[int, list[TaskOffer]]
    taken: dict[int, int]
    served: dict[int, int]
    alerted: set[tuple[str, str]]
    people: dict[int, Person] = field(default_factory=dict)
    identities: dict[int, list[Identity]] = field(default_factory=dict)
    orgs: dict[int, Organization] = field(default_factory=dict)

    def view(self, need: Need) -> NeedView:
        """The need with its item and region."""
        return NeedView(need, self.items[need.service_item_id], self.regions[need.region_id])

    def ancestor(self, region: Region, level: str) -> Region | None:
        """The region's ancestor (or itself) at a level, from the loaded regions."""
        for rid in reversed(region.path_ids()):
            found = self.regions.get(rid)
            if found is not None and found.level == level:
                return found
        return None


async def load(session: AsyncSession, needs: list[Need], since: datetime) -> Loaded:
    """Everything the chunk's decisions read, in six queries (none for an empty chunk)."""
    ids = [n.id for n in needs]
    items = await _by_id(session, ServiceItem, {n.service_item_id for n in needs})
    regions = await _by_id(session, Region, {n.region_id for n in needs})
    above = {rid for r in regions.values() for rid in r.path_ids()} - set(regions)
    regions |= await _by_id(session, Region, above)
    offers: dict[int, list[TaskOffer]] = defaultdict(list)
    if ids:
        for offer in (
            await session.execute(
                select(TaskOffer).where(TaskOffer.need_id.in_(ids)).order_by(TaskOffer.id)
            )
        ).scalars():
            offers[offer.need_id].append(offer)
    taken = dict(
        (
            await session.execute(
                select(Assignment.need_id, func.count())
                .where(Assignment.need_id.in_(ids), Assignment.status != "cancelled")
                .group_by(Assignment.need_id)
            )
        ).all()
        if ids
        else []
    )
    beneficiaries = {n.person_id for n in needs if n.person_id is not None}
    served = dict(
        (
            await session.execute(
                select(Need.person_id, func.count(func.distinct(Assignment.person_id)))
                .join(Need, Need.id == Assignment.need_id)
                .where(
                    Need.person_id.in_(beneficiaries),
                    Assignment.accepted_at >= since,
                    Assignment.status != "cancelled",
                )
                .group_by(Need.person_id)
            )
        ).all()
        if beneficiaries
        else []
    )
    alerted = (
        {
            (a, t)
            for a, t in (
                await session.execute(
                    select(AuditEntry.action, AuditEntry.target).where(
                        AuditEntry.action.in_(("tasks.nobody_left", "tasks.oversupply")),
                        AuditEntry.target.in_([f"need:{i}" for i in ids]),
                    )
                )
            ).all()
        }
        if ids
        else set()
    )
    served_by = {pid: int(n) for pid, n in served.items() if pid is not None}
    return Loaded(items, regions, offers, taken, served_by, alerted)


async def _by_id(session: AsyncSession, model: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    rows = await session.execute(select(model).where(model.id.in_(ids)))
    return {row.id: row for row in rows.scalars()}


@dataclass
class Round:
    """What was decided for one need."""

    view: NeedView
    status: str | None = None  # the status to move to, if it changes
    considered: str = ""
    alert: str | None = None
    matches: list[Match] = field(default_factory=list)
    first_rank: int = 0


async def offer_rounds(sink: Sink, config: CoreConfig, needs: list[Need], pools: Pools) -> int:
    """Offer each need of a chunk to its best candidates not asked yet; returns offers made."""
    rules = rules_of(config)
    since = sink.now - timedelta(days=rules.oversupply_days)
    loaded = await load(sink.session, needs, since)
    rounds = []
    for need in needs:
        decided = await _decide(sink, config, rules, loaded, need, pools)
        if decided is not None:
            rounds.append(decided)
        await asyncio.sleep(0)  # let the loop answer messages between needs
    await _load_recipients(sink.session, loaded, rounds)
    entries = await _alert(sink, loaded, rounds)
    return await _write(sink, rules, loaded, rounds, entries)


async def _decide(
    sink: Sink,
    config: CoreConfig,
    rules: DispatchRules,
    loaded: Loaded,
    need: Need,
    pools: Pools,
) -> Round | None:
    """`offer_round`'s decision for one need, from the loaded rows and the pools."""
    view = loaded.view(need)
    if need.status not in ("open", "matching"):
        return None
    if view.item.handler == "station":
        # The station staff's (一窗受理), never a volunteer's: recorded, so it is not read again.
        return Round(view, considered="station")
    if need.person_id is not None and loaded.served.get(need.person_id, 0) >= rules.oversupply_cap:
        return Round(view, considered="oversupply", alert="tasks.oversupply")
    offers = loaded.offers.get(need.id, [])
    taken = loaded.taken.get(need.id, 0)
    wanted = max(need.volunteers_needed - taken, 1) * rules.k
    pending = sum(1 for o in offers if o.status == "pending")
    matches: list[Match] = []
    if wanted - pending > 0:
        spec = need_spec(need, view.item, view.region, offers, config.tz)
        scope = loaded.ancestor(view.region, "street") or view.region
        index = await pools.index(scope)
        matches = index.top(
            replace(spec, excluded=spec.excluded | pools.capped()), k=wanted - pending
        )
        for match in matches:
            pools.offered(match.candidate_id)
    if not matches and not pending:
        back = "open" if need.status == "matching" else None
        return Round(view, status=back, considered="nobody_left", alert="tasks.nobody_left")
    return Round(
        view,
        status="matching" if matches and need.status == "open" else None,
        considered="offered" if matches else "waiting",
        matches=matches,
        first_rank=len(offers),
    )


async def _load_recipients(session: AsyncSession, loaded: Loaded, rounds: list[Round]) -> None:
    """The organizations offered to, and every person written to, with their identities."""
    org_ids = {-m.candidate_id for r in rounds for m in r.matches if m.candidate_id < 0}
    loaded.orgs = await _by_id(session, Organization, org_ids)
    wanted = {m.candidate_id for r in rounds for m in r.matches if m.candidate_id > 0}
    wanted |= {o.contact_person_id for o in loaded.orgs.values() if o.contact_person_id}
    for r in rounds:
        if r.status is not None:
            wanted |= {p for p in (r.view.need.person_id, r.view.need.entered_by_id) if p}
    loaded.people = await _by_id(session, Person, wanted)
    identities: dict[int, list[Identity]] = defaultdict(list)
    if wanted:
        for ident in (
            await session.execute(
                select(Identity)
                .where(Identity.person_id.in_(wanted), Identity.unreachable_at.is_(None))
                .order_by(Identity.id)
            )
        ).scalars():
            identities[ident.person_id].append(ident)
    loaded.identities = identities


async def _write(
    sink: Sink,
    rules: DispatchRules,
    loaded: Loaded,
    rounds: list[Round],
    entries: list[dict[str, Any]],
) -> int:
    """Statuses, audit entries, offers, their time-outs and notices, each kind in one statement
    for all its rows (the needs' own columns flush together as one executemany)."""
    session, now = sink.session, sink.now
    notices: list[dict[str, Any]] = []
    planned: dict[tuple[int, int | None, int | None], tuple[Round, Match, int]] = {}
    for r in rounds:
        need = r.view.need
        if r.status is not None:
            entries.append(_entry(now, "need.status", need.id, old=need.status, new=r.status))
            need.status, need.updated_at = r.status, now
            notices += _announce(sink, loaded, r)
        need.considered_at, need.considered = now, r.considered
        for rank, match in enumerate(r.matches, start=r.first_rank):
            org = loaded.orgs.get(-match.candidate_id) if match.candidate_id < 0 else None
            who = (need.id, None if org else match.candidate_id, org.id if org else None)
            planned[who] = (r, match, rank)
    rows = [
        {
            "need_id": need_id,
            "person_id": person_id,
            "organization_id": org_id,
            "rank": rank,
            "score": round(float(match.score), 4),
            "explanation": as_rows(match.reasons),
            "status": "pending",
            "offered_at": now,
            "due_at": offer_due(sink, rules, r.view.need),
        }
        for (need_id, person_id, org_id), (r, match, rank) in planned.items()
    ]
    if rows:
        await session.execute(insert(cast(Table, TaskOffer.__table__)), rows)
        # The new offers' ids, for their buttons and time-outs: the needs are this chunk's (locked),
        # and each (need, candidate) pair is offered at most once.
        made = (
            await session.execute(
                select(TaskOffer)
                .where(
                    TaskOffer.need_id.in_({need_id for need_id, _, _ in planned}),
                    TaskOffer.offered_at == now,
                    TaskOffer.status == "pending",
                )
                .order_by(TaskOffer.id)
            )
        ).scalars()
        timeouts = []
        places: dict[int, str] = {}  # an offer names the community and grid, never the building
        for offer in made:
            r, match, _ = planned[(offer.need_id, offer.person_id, offer.organization_id)]
            timeouts.append(_timeout(offer, now))
            region = r.view.region
            if region.id not in places:
                places[region.id] = await contact.offer_place(session, region)
            notices += _offer_notice(sink, loaded, r, match, offer, places[region.id])
        await session.execute(insert(cast(Table, DueJob.__table__)), timeouts)
    if entries:
        await session.execute(insert(cast(Table, AuditEntry.__table__)), entries)
    await outbox.enqueue_many(session, notices)
    await session.flush()
    return len(rows)


def _entry(now: datetime, action: str, need_id: int, **details: Any) -> dict[str, Any]:
    """An audit entry's columns (`audit.record`), by the sweep (no actor)."""
    return {
        "actor_id": None,
        "action": action,
        "target": f"need:{need_id}",
        "details": details,
        "at": now,
    }


def _timeout(offer: TaskOffer, now: datetime) -> dict[str, Any]:
    """The offer's time-out job's columns (`tasks.job`)."""
    return {
        "kind": "offer_timeout",
        "ref": str(offer.id),
        "due_at": offer.due_at,
        "payload": {},
        "status": "pending",
        "attempts": 0,
        "created_at": now,
    }


def _rows(sink: Sink, loaded: Loaded, person_id: int | None, key: str, **kw: Any) -> list[Any]:
    person = loaded.people.get(person_id) if person_id is not None else None
    if person is None:
        return []
    return notice_rows(sink, person, loaded.identities.get(person.id, []), key, **kw)


def _offer_notice(
    sink: Sink, loaded: Loaded, r: Round, match: Match, offer: TaskOffer, place: str
) -> list[dict[str, Any]]:
    """`make_offer`'s notice to the volunteer, or to the organization's contact."""
    org = loaded.orgs.get(offer.organization_id) if offer.organization_id else None
    key, notice = offer_notice(sink, r.view, offer, org, place, match.reasons)
    recipient = org.contact_person_id if org is not None else offer.person_id
    return _rows(sink, loaded, recipient, key, **notice)


def _announce(sink: Sink, loaded: Loaded, r: Round) -> list[dict[str, Any]]:
    """`set_status`'s notice to whoever follows the need (the resident, or who entered it)."""
    need = r.view.need
    has_channel = need.person_id is not None and loaded.identities.get(need.person_id)
    recipient = need.person_id if has_channel else need.entered_by_id
    beneficiary = loaded.people.get(need.person_id) if need.person_id else None
    return _rows(
        sink,
        loaded,
        recipient,
        NOTICES[need.status],
        choices=[("needs.view", f"/need_status {need.id}")],
        id=need.id,
        item=Pair(r.view.item.name_zh, r.view.item.name_en),
        name=beneficiary.display_name if beneficiary else "",
    )


async def _alert(sink: Sink, loaded: Loaded, rounds: list[Round]) -> list[dict[str, Any]]:
    """One alert per need nobody can take (ever), gathered per organizer, organizers in id order
    (two sweeps lock their digest rows in one order); returns the audit entries to write."""
    entries: list[dict[str, Any]] = []
    per_organizer: dict[int, list[Alert]] = defaultdict(list)
    holders: dict[int, list[int]] = {}
    for r in rounds:
        target = f"need:{r.view.need.id}"
        if r.alert is None or (r.alert, target) in loaded.alerted:
            continue
        loaded.alerted.add((r.alert, target))
        entries.append(_entry(sink.now, r.alert, r.view.need.id))
        community = loaded.ancestor(r.view.region, "community") or r.view.region
        if community.id not in holders:
            holders[community.id] = await roles.holders(
                sink.session, ("organizer", "admin"), community
            )
        for person_id in holders[community.id]:
            per_organizer[person_id].append(
                Alert(r.alert, r.view.need.id, r.view.item_name, r.view.region.name)
            )
    for person_id in sorted(per_organizer):
        await alert_organizer_many(sink, person_id, per_organizer[person_id])
    return entries
