"""The joint meeting (联席会议): /agenda, and /decide — accept as a project, merge, or reject."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from handlers.core.auth import require_not_subject, require_role
from handlers.core.context import Ctx
from handlers.core.dialogs import NEXT, Flow, Step, optional_text_step
from handlers.core.errors import Conflict, InvalidInput, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.proposals.common import (
    BODY_MAX,
    CATEGORIES,
    FUNDING_MAX,
    ORGANIZER_ROLES,
    OWNER_MAX,
    community_of,
    load,
    local_today,
    parse_id,
    push,
    require_organizer,
    short,
    status_label,
    threshold,
)
from handlers.proposals.cosign import second_if_due, tell_progress
from matching.understand import when
from storage.models import Proposal, Region
from storage.repos import audit, regions, roles
from storage.repos import meetings as meetings_repo
from storage.repos import proposals as repo

# What a proposal may be merged into: another open proposal, or a project not yet done.
MERGE_TARGETS = (*repo.OPEN_STATES, "accepted", "in_progress")
ACTIONS = ("accept", "merge", "reject")


async def communities_in_scope(ctx: Ctx) -> list[Region]:
    """The communities in the subtrees the person organizes."""
    found: dict[int, Region] = {}
    for grant in await roles.active_grants(ctx.session, ctx.person.id):
        if grant.role in ORGANIZER_ROLES:
            for community in await regions.at_level(ctx.session, "community", within=grant.region):
                found[community.id] = community
    return sorted(found.values(), key=lambda r: r.code)


async def show_agenda(ctx: Ctx) -> list[Reply]:
    """/agenda: proposals that reached their threshold, for the next joint meeting."""
    await require_role(ctx, ORGANIZER_ROLES)
    communities = {c.id: c for c in await communities_in_scope(ctx)}
    items = await repo.agenda(ctx.session, list(communities))
    if not items:
        return [ctx.reply("proposals.agenda_empty")]
    since = await repo.agenda_since(ctx.session, [p.id for p in items])
    lines: list[str] = []
    choices: list[Choice] = []
    for proposal in items:
        community = communities[proposal.community_id]
        reached = since.get(proposal.id)
        lines.append(
            ctx.t(
                "proposals.agenda_line",
                id=proposal.id,
                title=proposal.title,
                community=community.name,
                count=proposal.cosign_count,
                need=threshold(ctx.deps.config, community),
                since=ctx.when(reached) if reached else "—",
            )
            + (ctx.t("proposals.agenda_stale") if proposal.stale_flagged_at else "")
        )
        if len(choices) < 8:
            choices.append(
                Choice(ctx.t("proposals.btn.decide_id", id=proposal.id), f"/decide {proposal.id}")
            )
    return [
        ctx.reply("proposals.agenda", count=len(items), items="\n".join(lines), choices=choices)
    ]


# -- the /decide flow ----------------------------------------------------------------------------


async def _prepare(ctx: Ctx) -> None:
    proposal_id = ctx.data.get("id") or parse_id(ctx.args)
    proposal = await load(ctx, proposal_id)
    await require_organizer(ctx, proposal)
    require_not_subject(ctx, proposal.proposer_id)
    if proposal.status not in repo.OPEN_STATES:
        raise Conflict(
            "proposals.already_decided", id=proposal.id, status=status_label(ctx, proposal)
        )
    pending = [
        item
        for item in await meetings_repo.items_of_proposal(ctx.session, proposal.id)
        if item.outcome is None
    ]
    if pending:  # the meeting decides what is on its agenda; /decide would strand its item
        raise UserError(
            "proposals.on_meeting_agenda", id=proposal.id, meeting=pending[-1].meeting_id
        )
    ctx.data["id"] = proposal.id


async def _ask_action(ctx: Ctx) -> Reply:
    proposal = await load(ctx, ctx.data["id"])
    need = threshold(ctx.deps.config, await community_of(ctx, proposal))
    # Below the threshold no joint meeting has it on its agenda: the organizer decides alone,
    # and the prompt (and what followers hear) says so.
    below = proposal.cosign_count < need
    key = N_("proposals.decide_ask_below") if below else N_("proposals.decide_ask")
    return ctx.reply(
        key,
        need=need,
        id=proposal.id,
        title=proposal.title,
        category=ctx.t(CATEGORIES.get(proposal.category, CATEGORIES["other"])),
        status=status_label(ctx, proposal),
        count=proposal.cosign_count,
        body=proposal.body,
        choices=[
            Choice(ctx.t("proposals.btn.accept"), "accept"),
            Choice(ctx.t("proposals.btn.merge"), "merge"),
            Choice(ctx.t("proposals.btn.reject"), "reject"),
        ],
    )


async def _take_action(ctx: Ctx, message: Message) -> str | None:
    if message.value not in ACTIONS:
        raise InvalidInput("common.pick_from_list")
    ctx.data["action"] = message.value
    return NEXT


async def ask_owner(ctx: Ctx) -> Reply:
    """Who carries out the project."""
    return ctx.reply("proposals.ask_owner", limit=OWNER_MAX)


async def take_owner(ctx: Ctx, message: Message) -> str | None:
    """Keep the owner typed."""
    owner = " ".join(message.text.split())
    if not owner or len(owner) > OWNER_MAX:
        raise InvalidInput("proposals.owner_invalid", limit=OWNER_MAX)
    ctx.data["owner"] = owner
    return NEXT


OWNER_UNIT = optional_text_step(
    "owner_unit",
    "proposals.ask_owner_unit",
    store="owner_unit",
    limit=OWNER_MAX,
    empty="proposals.owner_invalid",
    too_long="proposals.owner_invalid",
)
FUNDING = optional_text_step(
    "funding",
    "proposals.ask_funding",
    store="funding",
    limit=FUNDING_MAX,
    empty="proposals.funding_invalid",
    too_long="proposals.funding_invalid",
)


async def ask_target(ctx: Ctx) -> Reply:
    """By when the project is planned to be done."""
    return ctx.reply("proposals.ask_target")


async def take_target(ctx: Ctx, message: Message) -> str | None:
    """Keep the target date typed (not in the past)."""
    today = local_today(ctx)
    meant = when.day(message.text, today)
    if meant is None:
        raise InvalidInput("proposals.date_invalid")
    if meant < today:
        raise InvalidInput("proposals.date_past", date=meant.isoformat())
    ctx.data["target"] = meant.isoformat()
    return NEXT


async def _merge_candidates(ctx: Ctx) -> list[Proposal]:
    proposal = await load(ctx, ctx.data["id"])
    found = await repo.in_community(ctx.session, proposal.community_id, MERGE_TARGETS, limit=9)
    return [p for p in found if p.id != proposal.id][:8]


async def _ask_merge(ctx: Ctx) -> Reply:
    choices = [
        Choice(f"#{p.id} {short(p.title)}", f"p{p.id}") for p in await _merge_candidates(ctx)
    ]
    return ctx.reply("proposals.ask_merge", choices=choices)


async def _take_merge(ctx: Ctx, message: Message) -> str | None:
    value = message.value.strip()
    value = value[1:] if value.startswith("p") else value
    try:
        target_id = parse_id(value)
    except UserError as exc:
        raise InvalidInput("proposals.merge_target_invalid") from exc
    target = await repo.get(ctx.session, target_id)
    source = await load(ctx, ctx.data["id"])
    if (
        target is None
        or target.id == source.id
        or target.community_id != source.community_id
        or target.status not in MERGE_TARGETS
    ):
        raise InvalidInput("proposals.merge_target_invalid")
    ctx.data["into"] = target.id
    return NEXT


async def _ask_reason(ctx: Ctx) -> Reply:
    return ctx.reply("proposals.ask_reason", limit=BODY_MAX)


async def _take_reason(ctx: Ctx, message: Message) -> str | None:
    reason = message.text.strip()
    if not reason or len(reason) > BODY_MAX:
        raise InvalidInput("proposals.reason_invalid", limit=BODY_MAX)
    ctx.data["reason"] = reason
    return NEXT


async def _finish(ctx: Ctx) -> list[Reply]:
    try:  # someone may have decided meanwhile: then nothing of this decision is kept
        async with ctx.session.begin_nested():
            return await decide(ctx, ctx.data)
    except Conflict as exc:
        return [ctx.reply(exc.key, **exc.params)]


def _only(action: str) -> Callable[[Ctx], bool]:
    """Skip a step unless the chosen action is `action`."""
    return lambda ctx: ctx.data.get("action") != action


DECIDE = Flow(
    name="decide",
    guard=_prepare,
    steps=(
        Step("action", _ask_action, _take_action),
        Step("owner", ask_owner, take_owner, skip=_only("accept")),
        replace(OWNER_UNIT, skip=_only("accept")),
        replace(FUNDING, skip=_only("accept")),
        Step("target", ask_target, take_target, skip=_only("accept")),
        Step("into", _ask_merge, _take_merge, skip=_only("merge")),
        Step("reason", _ask_reason, _take_reason, skip=_only("reject")),
    ),
    finish=_finish,
)


# -- the decision itself -------------------------------------------------------------------------


async def decide(ctx: Ctx, answers: dict) -> list[Reply]:
    """Apply an organizer's decision once; Conflict if the proposal was decided meanwhile."""
    proposal = await load(ctx, answers["id"], lock=True)
    await require_organizer(ctx, proposal)
    require_not_subject(ctx, proposal.proposer_id)
    if proposal.status not in repo.OPEN_STATES:
        raise Conflict(
            "proposals.already_decided", id=proposal.id, status=status_label(ctx, proposal)
        )
    action = answers["action"]
    proposal.decided_at = ctx.now
    if action == "accept":
        return await accept(ctx, proposal, answers)
    if action == "reject":
        return await reject(ctx, proposal, answers["reason"])
    return await _merge(ctx, proposal, answers["into"])


def _audit(ctx: Ctx, proposal: Proposal, action: str, **details: object) -> None:
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action=f"proposal.{action}",
        target=f"proposal:{proposal.id}",
        now=ctx.now,
        **details,
    )


async def accept(
    ctx: Ctx, proposal: Proposal, answers: dict, *, meeting_id: int | None = None
) -> list[Reply]:
    """Make the proposal a practical project: owner, owner unit, funding source, target date.

    `meeting_id` names the joint meeting that decided it; only then do followers hear
    "经社区联席会议研究" — an organizer's /decide says the community decided.
    """
    owner, target = answers["owner"], date.fromisoformat(answers["target"])
    proposal.status, proposal.owner, proposal.target_date = "accepted", owner, target
    proposal.owner_unit = answers.get("owner_unit") or None
    proposal.funding_source = answers.get("funding") or None
    proposal.decided_at = ctx.now
    via = f" · {ctx.t('proposals.via_meeting', id=meeting_id)}" if meeting_id else ""
    repo.add_event(
        ctx.session, proposal, "accepted", ctx.now, ctx.person.id, f"{owner} · {target}{via}"
    )
    _audit(
        ctx,
        proposal,
        "accept",
        owner=owner,
        target_date=target.isoformat(),
        owner_unit=proposal.owner_unit,
        funding=proposal.funding_source,
        meeting=meeting_id,
    )
    day = target.isoformat()
    key = N_("proposals.push.accepted_meeting") if meeting_id else N_("proposals.push.accepted")
    await push(ctx, proposal, key, owner=owner, date=day, meeting=meeting_id)
    return [
        ctx.reply(
            "proposals.accepted_ok", id=proposal.id, title=proposal.title, owner=owner, date=day
        )
    ]


async def reject(
    ctx: Ctx, proposal: Proposal, reason: str, *, meeting_id: int | None = None
) -> list[Reply]:
    """Reject with a reason; followers hear who decided (a joint meeting, or the community)."""
    proposal.status, proposal.decision_reason = "rejected", reason
    proposal.decided_at = ctx.now
    repo.add_event(ctx.session, proposal, "rejected", ctx.now, ctx.person.id, reason)
    _audit(ctx, proposal, "reject", reason=reason, meeting=meeting_id)
    key = N_("proposals.push.rejected_meeting") if meeting_id else N_("proposals.push.rejected")
    await push(ctx, proposal, key, reason=reason, meeting=meeting_id)
    return [ctx.reply("proposals.rejected_ok", id=proposal.id, title=proposal.title)]


async def _merge(ctx: Ctx, proposal: Proposal, into_id: int) -> list[Reply]:
    """Merge into another proposal; its proposer and co-signers co-sign the target, once each."""
    target = await load(ctx, into_id, lock=True)
    if target.status not in MERGE_TARGETS or target.community_id != proposal.community_id:
        raise Conflict("proposals.merge_target_changed", id=target.id)
    carried, before = 0, target.cosign_count
    for person_id in await repo.followers(ctx.session, proposal):
        if person_id != target.proposer_id and await repo.add_cosign(
            ctx.session, target, person_id, ctx.now
        ):
            carried += 1
    proposal.status, proposal.merged_into_id = "merged", target.id
    repo.add_event(ctx.session, proposal, "merged", ctx.now, ctx.person.id, f"#{target.id}")
    repo.add_event(ctx.session, target, "merged_in", ctx.now, ctx.person.id, f"#{proposal.id}")
    _audit(ctx, proposal, "merge", into=target.id, carried=carried)
    await push(ctx, proposal, N_("proposals.push.merged"), into=target.id, into_title=target.title)
    replies = [
        ctx.reply(
            "proposals.merged_ok",
            id=proposal.id,
            into=target.id,
            carried=carried,
            count=target.cosign_count,
        )
    ]
    await tell_progress(
        ctx, target, before, threshold(ctx.deps.config, await community_of(ctx, target))
    )
    if await second_if_due(ctx, target):
        replies.append(ctx.reply("proposals.now_on_agenda", id=target.id))
    return replies
