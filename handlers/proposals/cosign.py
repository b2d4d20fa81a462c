"""Co-signing (附议): once per neighbour; reaching the threshold puts a proposal on the agenda."""

from __future__ import annotations

import math

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.errors import Conflict, NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Reply
from handlers.core.notify import notify
from handlers.proposals.common import (
    community_of,
    home_community,
    load,
    parse_id,
    push,
    status_label,
    tell_organizers,
    threshold,
)
from storage.models import Proposal
from storage.repos import proposals as repo


async def cosign(ctx: Ctx, proposal_id: int) -> list[Reply]:
    """Add the person's co-signature; refuse a second one, one's own, or a closed proposal."""
    await require_registered(ctx)
    proposal = await load(ctx, proposal_id, lock=True)
    community = await home_community(ctx)
    if community is None or community.id != proposal.community_id:
        raise NotAllowed("proposals.cosign_other_community")
    if proposal.proposer_id == ctx.person.id:
        raise UserError("proposals.cosign_own", id=proposal.id)
    if proposal.status not in repo.OPEN_STATES:
        raise Conflict(
            "proposals.cosign_closed", id=proposal.id, status=status_label(ctx, proposal)
        )
    if not await repo.add_cosign(ctx.session, proposal, ctx.person.id, ctx.now):
        raise UserError("proposals.cosign_again", id=proposal.id, count=proposal.cosign_count)
    need = threshold(ctx.deps.config, community)
    replies = [
        ctx.reply(
            "proposals.cosigned",
            id=proposal.id,
            title=proposal.title,
            count=proposal.cosign_count,
            need=need,
        )
    ]
    await tell_progress(ctx, proposal, proposal.cosign_count - 1, need)
    if await second_if_due(ctx, proposal):
        replies.append(ctx.reply("proposals.now_on_agenda", id=proposal.id))
    return replies


PROGRESS_MARKS = (50, 80, 100)  # per cent of the threshold at which the proposer hears


def crossed_mark(before: int, after: int, need: int) -> int | None:
    """The highest mark (50, 80, 100 %) passed going from `before` to `after` signatures."""
    passed = [p for p in PROGRESS_MARKS if before < math.ceil(need * p / 100) <= after]
    return passed[-1] if passed else None


async def tell_progress(ctx: Ctx, proposal: Proposal, before: int, need: int) -> None:
    """Tell the proposer when co-signatures pass 50, 80 or 100 % of the threshold (once each)."""
    mark = crossed_mark(before, proposal.cosign_count, need)
    if mark is None or not proposal.proposer_id or proposal.proposer_id == ctx.person.id:
        return
    await notify(
        ctx,
        proposal.proposer_id,
        "proposals.push.cosign_progress",
        id=proposal.id,
        title=proposal.title,
        percent=mark,
        count=proposal.cosign_count,
        need=need,
    )


async def second_if_due(ctx: Ctx, proposal: Proposal) -> bool:
    """Move a submitted proposal that reached its threshold onto the agenda; True if it moved."""
    need = threshold(ctx.deps.config, await community_of(ctx, proposal))
    if proposal.status != "submitted" or proposal.cosign_count < need:
        return False
    proposal.status = "seconded"
    repo.add_event(ctx.session, proposal, "seconded", ctx.now, ctx.person.id)
    await push(ctx, proposal, N_("proposals.push.seconded"), count=proposal.cosign_count)
    await tell_organizers(
        ctx,
        proposal,
        N_("proposals.org.seconded"),
        choices=[
            (N_("proposals.btn.meeting"), "/meeting_new"),
            (N_("proposals.btn.decide"), f"/decide {proposal.id}"),
            (N_("proposals.btn.view"), f"/proposal {proposal.id}"),
        ],
        count=proposal.cosign_count,
    )
    return True


async def cosign_command(ctx: Ctx) -> list[Reply]:
    """/cosign ID."""
    if not ctx.args:
        raise UserError("proposals.cosign_usage")
    return await cosign(ctx, parse_id(ctx.args))


async def cosign_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """The "cosign:ID" button."""
    return await cosign(ctx, parse_id(args[0] if args else ""))
