"""Offering a need to its best matches: first acceptance wins; declines and time-outs move on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts import alert_organizer
from handlers.core.auth import ORGANIZERS, require_registered
from handlers.core.config import CoreConfig, DispatchRules
from handlers.core.context import Ctx
from handlers.core.errors import Conflict, NotAllowed
from handlers.core.messages import Reply
from handlers.core.notify import At, Key, Listed, Pair, Sink, Span, notify
from handlers.core.numbers import first_id, parse_id
from handlers.core.timing import timed
from handlers.needs import set_status
from handlers.relay import contact
from handlers.tasks.candidates import Pools, candidates, need_spec, scope_of
from handlers.tasks.explain import as_rows, explain_both
from matching import Match, Weights, rank
from storage.models import (
    Assignment,
    DueJob,
    Need,
    Organization,
    Person,
    Region,
    ServiceItem,
    TaskOffer,
    VolunteerProfile,
)
from storage.repos import audit, regions, roles
from storage.repos import tasks as repo


def rules_of(config: CoreConfig) -> DispatchRules:
    """Dispatch rules (LINLI_OFFER_K, LINLI_OFFER_TTL_MINUTES, LINLI_OVERSUPPLY_* …)."""
    return config.dispatch


def weights_of(config: CoreConfig) -> Weights:
    """The matching weights (LINLI_MATCH_WEIGHTS)."""
    return config.matching


@dataclass(frozen=True)
class NeedView:
    """A need with what its notices show."""

    need: Need
    item: ServiceItem
    region: Region

    @classmethod
    async def load(cls, session: AsyncSession, need: Need) -> NeedView:
        """The need's item and region."""
        item = await session.get(ServiceItem, need.service_item_id)
        region = await session.get(Region, need.region_id)
        assert item is not None and region is not None
        return cls(need, item, region)

    @property
    def item_name(self) -> Pair:
        """The service's name in both languages."""
        return Pair(self.item.name_zh, self.item.name_en)

    @property
    def when(self) -> At | Span | Key:
        """When the service is wanted: its window ("2026-12-08 08:00–12:00"), else its start."""
        start, end = self.need.window_start, self.need.window_end
        if start is not None and end is not None:
            return Span(start, end)
        return At(start) if start is not None else Key("tasks.any_time")


async def offer_round(
    sink: Sink,
    config: CoreConfig,
    need: Need,
    actor_id: int | None = None,
    *,
    pools: Pools | None = None,
) -> list[TaskOffer]:
    """Offer the need to the best candidates not asked yet; alert organizers when none is left.

    The need moves to "matching" only when offers go out, and back to "open" when nobody is left;
    organizers hear about a need nobody can take once, not on every sweep. The outcome is kept
    on the need (`considered_at`, `considered`) so the sweep ranks it again only after a change.
    `pools` shares the candidates' index between the needs of one sweep.
    """
    session, rules = sink.session, rules_of(config)
    view = await NeedView.load(session, need)
    if need.status not in ("open", "matching") or view.item.handler == "station":
        return []  # a station item is the station staff's (一窗受理), never a volunteer's
    if need.person_id is not None:
        since = sink.now - timedelta(days=rules.oversupply_days)
        if await repo.served_recently(session, need.person_id, since) >= rules.oversupply_cap:
            _considered(need, sink, "oversupply")
            await _tell_organizers_once(sink, view, "tasks.oversupply")
            return []
    offers = await repo.offers_for(session, need.id)
    taken = len(await repo.assignments_for(session, need.id))
    wanted = max(need.volunteers_needed - taken, 1) * rules.k
    pending = sum(1 for o in offers if o.status == "pending")
    matches = await _best(sink, config, view, offers, wanted - pending, pools)
    if not matches and not pending:
        if need.status == "matching":
            await set_status(sink, need, "open", actor_id)
        _considered(need, sink, "nobody_left")
        await _tell_organizers_once(sink, view, "tasks.nobody_left")
        return []
    if matches and need.status == "open":
        await set_status(sink, need, "matching", actor_id)
    _considered(need, sink, "offered" if matches else "waiting")
    made = []
    for number, match in enumerate(matches, start=len(offers)):
        cid = match.candidate_id
        count = pools is None  # a sweep counts its offers at the end, in one order (no deadlock)
        made.append(
            await make_offer(
                sink, rules, view, cid, number, match.score, match.reasons, count=count
            )
        )
        if pools is not None:
            pools.offered(cid)
    return made


async def _best(
    sink: Sink,
    config: CoreConfig,
    view: NeedView,
    offers: list[TaskOffer],
    k: int,
    pools: Pools | None,
) -> list[Match]:
    """The k best candidates not offered the need yet (none asked for: nothing loaded)."""
    if k <= 0:
        return []
    session = sink.session
    spec = need_spec(view.need, view.item, view.region, offers, config.tz)
    scope = await scope_of(session, view.region)
    with timed("matching.rank"):
        if pools is None:
            pool = await candidates(session, scope, sink.now, config.tz)
            return rank(spec, pool, weights=weights_of(config), k=k)
        index = await pools.index(scope)
        return index.top(replace(spec, excluded=spec.excluded | pools.capped()), k=k)


def _considered(need: Need, sink: Sink, outcome: str) -> None:
    need.considered_at, need.considered = sink.now, outcome


def offer_due(sink: Sink, rules: DispatchRules, need: Need) -> datetime:
    """When an offer lapses: held over the quiet hours it runs from morning; an urgent need's
    goes out now and runs from now."""
    return (sink.now if need.urgency == "urgent" else sink.wake()) + rules.offer_ttl


def offer_notice(
    sink: Sink,
    view: NeedView,
    offer: TaskOffer,
    org: Organization | None,
    place: str,
    reasons: Sequence[Any],
) -> tuple[str, dict[str, Any]]:
    """The offer's notice (catalog key, `notify` arguments): one wording for single offers and
    for a sweep's offers in bulk (handlers/tasks/rounds.py)."""
    need = view.need
    urgent = need.urgency == "urgent"
    return "tasks.offer", {
        "choices": [
            ("tasks.accept", f"offer:{offer.id}:accept"),
            ("tasks.decline", f"offer:{offer.id}:decline"),
        ],
        "kind": "urgent_offer" if urgent else "offer",
        "urgent": urgent,
        "id": need.id,  # the need's number, the one the resident and organizers use too
        "item": view.item_name,
        "when": view.when,
        "place": place,  # the community and grid, never the building or door
        "notes": need.notes or "—",
        "said": Listed(tuple(_said(need.words or ()))),  # what decided it
        "why": explain_both(sink.i18n, reasons),
        "org": f" · {org.name}" if org else "",
        "due": At(offer.due_at or sink.now),
    }


def _said(words: Sequence[Any]) -> list[str]:
    """The resident's words that decided the match, without those inside another shown
    ("帮忙" beside "帮忙买")."""
    said = list(dict.fromkeys(str(word) for word in words))
    return [word for word in said if not any(word != other and word in other for other in said)]


async def make_offer(
    sink: Sink,
    rules: DispatchRules,
    view: NeedView,
    candidate_id: int,
    number: int,
    score: float,
    reasons: Sequence[Any],
    *,
    count: bool = True,
) -> TaskOffer:
    """Write one offer (its time-out job, the candidate's count unless `count` is False) and
    send it to the volunteer or the organization's contact."""
    session, need = sink.session, view.need
    org = await session.get(Organization, -candidate_id) if candidate_id < 0 else None
    recipient = org.contact_person_id if org is not None else candidate_id
    due = offer_due(sink, rules, need)
    offer = TaskOffer(
        need_id=need.id,
        person_id=None if org else candidate_id,
        organization_id=org.id if org else None,
        rank=number,
        score=round(float(score), 4),
        explanation=as_rows(reasons),
        status="pending",
        offered_at=sink.now,
        due_at=due,
    )
    session.add(offer)
    await session.flush()
    session.add(repo.job("offer_timeout", offer.id, due, sink.now))
    if org is None and count:
        profile = await session.get(VolunteerProfile, candidate_id)
        if profile is not None:
            profile.offers += 1
    place = await contact.offer_place(session, view.region)
    key, notice = offer_notice(sink, view, offer, org, place, reasons)
    await notify(sink, recipient, key, **notice)
    return offer


async def _tell_organizers_once(sink: Sink, view: NeedView, key: str) -> None:
    """Alert the community's organizers, unless this need's alert was already sent."""
    target = f"need:{view.need.id}"
    if await audit.exists(sink.session, action=key, target=target):
        return
    audit.record(sink.session, actor_id=None, action=key, target=target, now=sink.now)
    await _tell_organizers(sink, view, key)


async def _tell_organizers(sink: Sink, view: NeedView, key: str) -> None:
    community = await regions.ancestor_at(sink.session, view.region, "community") or view.region
    for person_id in await roles.holders(sink.session, ORGANIZERS, community):
        await alert_organizer(
            sink, person_id, key, need_id=view.need.id, item=view.item_name, place=view.region.name
        )


def _recipient_of(offer: TaskOffer, org: Organization | None) -> int | None:
    return org.contact_person_id if org is not None else offer.person_id


async def _own_offer(ctx: Ctx, args: list[str]) -> tuple[TaskOffer, Organization | None]:
    await require_registered(ctx)
    offer = await ctx.session.get(TaskOffer, offer_id) if (offer_id := first_id(args)) else None
    if offer is None:
        raise Conflict("tasks.offer_gone")
    org = (
        await ctx.session.get(Organization, offer.organization_id)
        if offer.organization_id
        else None
    )
    if _recipient_of(offer, org) != ctx.person.id:
        raise NotAllowed()
    return offer, org


async def answer_offer(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "offer:ID:accept" or "offer:ID:decline"."""
    if len(args) >= 2 and args[1] == "accept":
        return await accept(ctx, args)
    if len(args) >= 2 and args[1] == "decline":
        return await decline(ctx, args)
    raise Conflict("tasks.offer_gone")


async def accept(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Accept an offer: exactly one acceptance per place wins, even when two press at once."""
    offer, org = await _own_offer(ctx, args)
    session, sink = ctx.session, Sink.of(ctx)
    need = await repo.lock_need(session, offer.need_id)  # the second acceptor waits here
    if need is None:
        raise Conflict("tasks.offer_gone")
    taken = await repo.assignments_for(session, need.id)
    if need.status not in ("matching", "open") or len(taken) >= need.volunteers_needed:
        raise Conflict("tasks.taken")
    if not await repo.respond(session, offer.id, "accepted", ctx.now):
        raise Conflict("tasks.offer_gone")
    await repo.cancel_timeouts(session, [offer.id])
    assignment = Assignment(
        need_id=need.id,
        person_id=ctx.person.id,
        organization_id=offer.organization_id,
        status="active",
        accepted_at=ctx.now,
    )
    session.add(assignment)
    profile = await session.get(VolunteerProfile, ctx.person.id)
    if profile is not None:
        profile.accepts += 1
    await session.flush()
    view = await NeedView.load(session, need)
    if len(taken) + 1 >= need.volunteers_needed:
        await set_status(sink, need, "assigned", ctx.person.id, announce=False)
        for other in await repo.withdraw_pending(session, need.id, ctx.now):
            other_org = (
                await session.get(Organization, other.organization_id)
                if other.organization_id
                else None
            )
            await notify(
                sink,
                _recipient_of(other, other_org),
                "tasks.offer_taken",
                id=need.id,
                item=view.item_name,
            )
    beneficiary = await _beneficiary(session, need)
    helper_name = org.name if org else ctx.person.display_name
    # No numbers here: the two sides talk through the relay until one chooses to share.
    await contact.tell_resident(ctx, need, _contact_of(need, beneficiary), helper_name)
    return [await contact.task_reply(ctx, assignment, need, head="relay.task_accepted")]


async def _beneficiary(session: AsyncSession, need: Need) -> Person | None:
    return await session.get(Person, need.person_id) if need.person_id else None


def _contact_of(need: Need, beneficiary: Person | None) -> int | None:
    """Who hears about the need: the resident, or whoever entered it for them."""
    return need.person_id if beneficiary is not None else need.entered_by_id


async def decline(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Decline an offer; the need moves on to the next candidates when no offer is pending."""
    offer, _ = await _own_offer(ctx, args)
    if not await repo.respond(ctx.session, offer.id, "declined", ctx.now):
        raise Conflict("tasks.offer_gone")
    await repo.cancel_timeouts(ctx.session, [offer.id])
    await _move_on(Sink.of(ctx), ctx.deps.config, offer.need_id, ctx.person.id)
    return [ctx.reply("tasks.declined", id=offer.need_id)]


async def _move_on(sink: Sink, config: CoreConfig, need_id: int, actor_id: int | None) -> None:
    need = await repo.lock_need(sink.session, need_id)
    offers = await repo.offers_for(sink.session, need_id)
    if (
        need is not None
        and need.status == "matching"
        and not any(o.status == "pending" for o in offers)
    ):
        await offer_round(sink, config, need, actor_id)


async def expire_offer(sink: Sink, job: DueJob) -> None:
    """A due "offer_timeout" row: the offer lapses and the need moves on (scheduler use case)."""
    offer_id = int(job.ref)
    offer = await sink.session.get(TaskOffer, offer_id)
    if offer is None or not await repo.respond(sink.session, offer_id, "timed_out", sink.now):
        return
    await _move_on(sink, sink.config, offer.need_id, None)


async def dispatch_command(ctx: Ctx) -> list[Reply]:
    """/dispatch ID (organizers): offer a need now, or again."""
    from handlers.core.auth import require_role

    raw = ctx.args.split()[0] if ctx.args else ""
    need = await ctx.session.get(Need, need_id) if (need_id := parse_id(raw)) else None
    if need is None:
        raise Conflict("tasks.no_need")
    region = await ctx.session.get(Region, need.region_id)
    await require_role(ctx, ORGANIZERS, region)
    if need.status not in ("open", "matching"):
        raise Conflict("tasks.not_dispatchable", id=need.id)
    offers = await offer_round(Sink.of(ctx), ctx.deps.config, need, ctx.person.id)
    return [ctx.reply("tasks.dispatched", id=need.id, count=len(offers))]
