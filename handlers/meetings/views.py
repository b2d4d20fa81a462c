"""/meetings (the meetings I organize or am invited to) and /meeting ID (one meeting in full)."""

from __future__ import annotations

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.errors import NotAllowed
from handlers.core.messages import Choice, Reply
from handlers.meetings import hot_issue
from handlers.meetings.common import (
    ANSWER_LABELS,
    CAPACITY_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    VOTE_LABELS,
    communities_in_scope,
    community_of,
    is_organizer,
    load,
    parse_meeting_id,
)
from handlers.meetings.outcomes import tally_text
from handlers.proposals.common import home_community
from storage.models import Meeting
from storage.repos import meetings as repo
from storage.repos import proposals as proposals_repo


async def list_meetings(ctx: Ctx) -> list[Reply]:
    """/meetings: meetings of the communities I organize, and those I am invited to."""
    await require_registered(ctx)
    found: dict[int, Meeting] = {}
    communities = [c.id for c in await communities_in_scope(ctx)]
    for meeting in await repo.of_communities(ctx.session, communities):
        found[meeting.id] = meeting
    for meeting in await repo.of_participant(ctx.session, ctx.person.id):
        found[meeting.id] = meeting
    if not found:
        return [ctx.reply("meetings.none")]
    ordered = sorted(found.values(), key=lambda m: (m.starts_at, m.id), reverse=True)[:10]
    lines, choices = [], []
    for meeting in ordered:
        community = await community_of(ctx, meeting)
        lines.append(
            ctx.t(
                "meetings.list_line",
                id=meeting.id,
                community=community.name,
                when=ctx.when(meeting.starts_at),
                place=meeting.place,
                status=ctx.t(STATUS_LABELS[meeting.status]),
            )
        )
        choices.append(Choice(f"#{meeting.id}", f"/meeting {meeting.id}"))
    return [ctx.reply("meetings.list", items="\n".join(lines), choices=choices[:8])]


async def _may_view(ctx: Ctx, meeting: Meeting) -> bool:
    """Organizers of the community and participants; everyone in it once the notice is out."""
    if await is_organizer(ctx, meeting):
        return True
    if await repo.participant(ctx.session, meeting.id, ctx.person.id) is not None:
        return True
    home = await home_community(ctx)
    return meeting.status == "published" and home is not None and home.id == meeting.community_id


async def show_meeting(ctx: Ctx) -> list[Reply]:
    """/meeting ID: time and place, participants and answers, agenda, outcomes, minutes."""
    await require_registered(ctx)
    meeting = await load(ctx, parse_meeting_id(ctx.args))
    if not await _may_view(ctx, meeting):
        raise NotAllowed("meetings.not_participant")
    community = await community_of(ctx, meeting)
    organizer = await is_organizer(ctx, meeting)
    lines = [
        ctx.t(
            "meetings.detail",
            id=meeting.id,
            community=community.name,
            when=ctx.when(meeting.starts_at),
            place=meeting.place,
            status=ctx.t(STATUS_LABELS[meeting.status]),
        )
    ]
    participants = await repo.participants(ctx.session, meeting.id)
    names = await proposals_repo.names(
        ctx.session, [p.person_id for p in participants if p.person_id]
    )
    lines.append(ctx.t("meetings.detail_participants", count=len(participants)))
    for p in participants:
        lines.append(
            ctx.t(
                "meetings.participant_line",
                name=names.get(p.person_id or 0, "—"),
                capacity=ctx.t(CAPACITY_LABELS[p.capacity]),
                affiliation=f"（{p.affiliation}）" if p.affiliation else "",
                answer=ctx.t(ANSWER_LABELS[p.answer]),
            )
        )
    items = await repo.items(ctx.session, meeting.id)
    counts = await repo.tally(ctx.session, [i.id for i in items])
    lines.append(ctx.t("meetings.detail_agenda"))
    for number, item in enumerate(items, start=1):
        ref = f"#{item.proposal_id} " if item.proposal_id else ""
        outcome = ctx.t(OUTCOME_LABELS[item.outcome]) if item.outcome else ctx.t("meetings.pending")
        lines.append(
            ctx.t(
                "meetings.item_line",
                n=number,
                ref=ref,
                title=item.title,
                outcome=outcome,
                tally=tally_text(ctx, counts[item.id]),
            )
        )
        if organizer or meeting.status == "published":
            votes = await repo.votes_by_name(ctx.session, item.id)
            if votes:
                cast = ctx.join(f"{n}：{ctx.t(VOTE_LABELS[c])}" for n, c in votes)
                lines.append(ctx.t("meetings.votes_line", votes=cast))
        if item.kind == "hot_issue":
            lines.append(hot_issue.describe(ctx, meeting.hot_issue))
        if item.outcome_note:
            lines.append(ctx.t("meetings.note_line", note=item.outcome_note))
    if meeting.minutes:
        lines.append(ctx.t("meetings.detail_minutes", minutes=meeting.minutes))
    choices: list[Choice] = []
    if organizer and meeting.status not in ("published", "cancelled"):
        mid = meeting.id
        choices += [
            Choice(ctx.t("meetings.btn.invite"), f"/meeting_invite {mid}"),
            Choice(ctx.t("meetings.btn.decide"), f"/meeting_decide {mid}"),
            Choice(ctx.t("meetings.btn.minutes"), f"/meeting_minutes {mid}"),
        ]
        if meeting.status == "scheduled":
            choices.append(Choice(ctx.t("meetings.btn.move"), f"/meeting_move {mid}"))
    return [Reply("\n".join(lines), tuple(choices))]
