"""/proposals (my community's open proposals, mine, projects done this year) and /proposal ID."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.errors import NotAllowed
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Reply
from handlers.proposals.common import (
    CATEGORIES,
    EVENT_LABELS,
    can_view,
    community_of,
    home_community,
    is_organizer,
    load,
    local_today,
    parse_id,
    short,
    status_label,
    threshold,
)
from handlers.proposals.projects import WORKING_STATES
from storage.models import Proposal, Region
from storage.repos import meetings as meetings_repo
from storage.repos import proposals as repo
from storage.repos import regions

HISTORY_SHOWN = 12
# The outcome labels of joint-meeting items, as the meetings catalog has them.
OUTCOME_KEYS = {
    "passed": N_("proposals.meeting_passed"),
    "rejected": N_("proposals.meeting_rejected"),
    "deferred": N_("proposals.meeting_deferred"),
}


def _year_bounds(ctx: Ctx) -> tuple[datetime, datetime]:
    """This local calendar year, as UTC instants."""
    tz = ZoneInfo(ctx.deps.config.tz)
    year = local_today(ctx).year
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


async def list_proposals(ctx: Ctx) -> list[Reply]:
    """/proposals: what my community is asking for, what I take part in, what got done."""
    await require_registered(ctx)
    community = await home_community(ctx)
    parts: list[str] = []
    choices: list[Choice] = []
    if community is not None:
        need = threshold(ctx.deps.config, community)
        open_items = await repo.in_community(ctx.session, community.id, limit=10)
        lines = [
            ctx.t(
                "proposals.list_line",
                id=p.id,
                title=p.title,
                status=status_label(ctx, p),
                count=p.cosign_count,
                need=need,
            )
            for p in open_items
        ]
        parts.append(
            ctx.t(
                "proposals.list_open",
                community=community.name,
                items="\n".join(lines) or ctx.t("proposals.list_none"),
            )
        )
        choices += [
            Choice(f"#{p.id} {short(p.title)}", f"/proposal {p.id}") for p in open_items[:6]
        ]
    mine = await repo.of_person(ctx.session, ctx.person.id, limit=10)
    mine_lines = [
        ctx.t("proposals.mine_line", id=p.id, title=p.title, status=status_label(ctx, p))
        for p in mine
    ]
    parts.append(
        ctx.t("proposals.list_mine", items="\n".join(mine_lines) or ctx.t("proposals.list_none"))
    )
    if community is not None:
        start, end = _year_bounds(ctx)
        done, latest = await repo.done_between(ctx.session, community.id, start, end, limit=5)
        counts = await repo.count_by_status(ctx.session, community.id)
        working = sum(counts.get(s, 0) for s in ("accepted", "in_progress", "disputed"))
        done_lines = [f"#{p.id} {p.title}" for p in latest]
        done_lines.append(await _yearly_counts(ctx, community, start, end))
        parts.append(
            ctx.t(
                "proposals.list_done",
                year=start.year,
                community=community.name,
                done=done,
                working=working,
                items="\n".join(done_lines),
            ).rstrip()
        )
    choices.append(Choice(ctx.t("proposals.btn.propose"), "/propose"))
    return [Reply("\n\n".join(parts), tuple(choices))]


async def _yearly_counts(ctx: Ctx, community: Region, start: datetime, end: datetime) -> str:
    """Practical projects decided and closed this year in the community and its street."""
    street = await regions.ancestor_at(ctx.session, community, "street")
    scope = street or community
    counts = await repo.projects_per_year(ctx.session, scope.path, start, end)
    own = counts.get(community.id, {"projects": 0, "closed": 0})
    return ctx.t(
        "proposals.yearly_counts",
        year=start.year,
        community=community.name,
        projects=own["projects"],
        closed=own["closed"],
        street=scope.name,
        street_projects=sum(c["projects"] for c in counts.values()),
        street_closed=sum(c["closed"] for c in counts.values()),
    )


async def show_proposal(ctx: Ctx) -> list[Reply]:
    """/proposal ID: the proposal, its state, its history, and what the viewer can do."""
    await require_registered(ctx)
    proposal = await load(ctx, parse_id(ctx.args))
    if not await can_view(ctx, proposal):
        raise NotAllowed("proposals.not_your_community")
    community = await community_of(ctx, proposal)
    region = await regions.by_id(ctx.session, proposal.region_id)
    organizer = await is_organizer(ctx, proposal)
    followers = await repo.followers(ctx.session, proposal)
    lines = [
        ctx.t(
            "proposals.detail",
            id=proposal.id,
            title=proposal.title,
            status=status_label(ctx, proposal),
            category=ctx.t(CATEGORIES.get(proposal.category, CATEGORIES["other"])),
            scope=region.name if region else "—",
            count=proposal.cosign_count,
            need=threshold(ctx.deps.config, community),
            created=ctx.when(proposal.created_at),
            body=proposal.body,
        )
    ]
    if organizer or proposal.proposer_id == ctx.person.id:
        names = await repo.names(
            ctx.session, [proposal.proposer_id] if proposal.proposer_id else []
        )
        lines.append(
            ctx.t("proposals.detail_proposer", name=names.get(proposal.proposer_id or 0) or "—")
        )
    lines += await _decision_lines(ctx, proposal)
    lines.append(ctx.t("proposals.detail_history"))
    history = await repo.events(ctx.session, proposal.id)
    for event in history[-HISTORY_SHOWN:]:
        label = ctx.t(EVENT_LABELS.get(event.kind, EVENT_LABELS["progress"]))
        if event.note:
            lines.append(
                ctx.t(
                    "proposals.history_note", when=ctx.when(event.at), event=label, note=event.note
                )
            )
        else:
            lines.append(ctx.t("proposals.history_line", when=ctx.when(event.at), event=label))
    return [Reply("\n".join(lines), tuple(await _actions(ctx, proposal, organizer, followers)))]


async def _decision_lines(ctx: Ctx, proposal: Proposal) -> list[str]:
    lines = []
    if proposal.owner and proposal.target_date:
        lines.append(
            ctx.t(
                "proposals.detail_project",
                owner=proposal.owner,
                date=proposal.target_date.isoformat(),
            )
        )
        if proposal.owner_unit or proposal.funding_source:
            lines.append(
                ctx.t(
                    "proposals.detail_unit_funding",
                    unit=proposal.owner_unit or "—",
                    funding=proposal.funding_source or "—",
                )
            )
        for milestone in await meetings_repo.milestones(ctx.session, proposal.id):
            key = "proposals.milestone_reached" if milestone.done_at else "proposals.milestone_line"
            lines.append(
                ctx.t(
                    key,
                    n=milestone.id,
                    title=milestone.title,
                    date=milestone.due_date.isoformat() if milestone.due_date else "—",
                )
            )
    lines += await _meeting_lines(ctx, proposal)
    if proposal.status == "rejected" and proposal.decision_reason:
        lines.append(ctx.t("proposals.detail_reason", reason=proposal.decision_reason))
    if proposal.merged_into_id:
        lines.append(ctx.t("proposals.detail_merged", into=proposal.merged_into_id))
    if proposal.status == "done" and proposal.done_at:
        answers = await repo.answers_since(ctx.session, proposal.id, proposal.done_at)
        confirmed = sum(1 for kind, _ in answers.values() if kind == "confirmed")
        disputed = sum(1 for kind, _ in answers.values() if kind == "disputed")
        lines.append(
            ctx.t(
                "proposals.detail_done",
                at=ctx.when(proposal.done_at),
                confirmed=confirmed,
                disputed=disputed,
            )
        )
        if proposal.closed_at:
            lines.append(ctx.t("proposals.detail_closed", at=ctx.when(proposal.closed_at)))
        elif proposal.confirm_due:
            lines.append(ctx.t("proposals.detail_confirm_due", at=ctx.when(proposal.confirm_due)))
    return lines


async def _meeting_lines(ctx: Ctx, proposal: Proposal) -> list[str]:
    """The joint meetings that decided the proposal: outcome, votes, and the public notice."""
    lines = []
    items = [
        i for i in await meetings_repo.items_of_proposal(ctx.session, proposal.id) if i.outcome
    ]
    counts = await meetings_repo.tally(ctx.session, [i.id for i in items])
    for item in items:
        meeting = await meetings_repo.get(ctx.session, item.meeting_id)
        if meeting is None:
            continue
        lines.append(
            ctx.t(
                "proposals.detail_meeting",
                meeting=meeting.id,
                when=ctx.when(meeting.starts_at),
                outcome=ctx.t(OUTCOME_KEYS.get(item.outcome or "", OUTCOME_KEYS["deferred"])),
                yes=counts[item.id]["for"],
                no=counts[item.id]["against"],
                abstain=counts[item.id]["abstain"],
            )
        )
        if meeting.published_at:
            lines.append(
                ctx.t(
                    "proposals.detail_notice", at=ctx.when(meeting.published_at), meeting=meeting.id
                )
            )
    return lines


async def _actions(
    ctx: Ctx, proposal: Proposal, organizer: bool, followers: list[int]
) -> list[Choice]:
    """Buttons for what this viewer may do now."""
    pid = proposal.id
    choices = []
    if proposal.status in repo.OPEN_STATES and ctx.person.id not in followers:
        community = await home_community(ctx)
        if community is not None and community.id == proposal.community_id:
            choices.append(Choice(ctx.t("proposals.btn.cosign"), f"cosign:{pid}"))
    if proposal.status == "done" and proposal.closed_at is None and ctx.person.id in followers:
        choices.append(Choice(ctx.t("proposals.btn.confirm"), f"confirm:{pid}"))
        choices.append(Choice(ctx.t("proposals.btn.dispute"), f"dispute:{pid}"))
    if organizer and proposal.status in repo.OPEN_STATES:
        choices.append(Choice(ctx.t("proposals.btn.decide"), f"/decide {pid}"))
    if organizer and proposal.status in WORKING_STATES:
        choices.append(Choice(ctx.t("proposals.btn.progress"), f"/progress {pid}"))
    if organizer and proposal.status in ("done", "disputed") and proposal.closed_at is None:
        choices.append(Choice(ctx.t("proposals.btn.close"), f"/close_project {pid}"))
    return choices
