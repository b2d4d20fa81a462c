"""Co-signing (附议): once per neighbour; reaching the threshold puts a proposal on the agenda."""

from __future__ import annotations

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
    if proposal.proposer_id:
        await notify(
            ctx,
            proposal.proposer_id,
            "proposals.push.cosigned",
            id=proposal.id,
            title=proposal.title,
            count=proposal.cosign_count,
            need=need,
        )
    if await second_if_due(ctx, proposal):
        replies.append(ctx.reply("proposals.now_on_agenda", id=proposal.id))
    return replies


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
