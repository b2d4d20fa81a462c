"""What every proposal handler shares: codes and labels, limits, settings, loading, who may act."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from handlers.core.auth import (
    ORGANIZERS,
    STAFF_ROLES,
    is_registered,
    require_registered,
    require_role,
)
from handlers.core.context import CoreConfig, Ctx
from handlers.core.errors import NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.notify import notify
from handlers.core.numbers import require_id
from storage.models import Proposal, Region
from storage.repos import proposals as repo
from storage.repos import regions, roles

TITLE_MAX = 50
BODY_MAX = 1000
OWNER_MAX = 100
FUNDING_MAX = 100

# Settings (CoreConfig.proposals, from LINLI_COSIGN_THRESHOLD, LINLI_COSIGN_SHARE and
# LINLI_PROPOSAL_STALE_DAYS): a community's own Region.cosign_threshold wins, then a share of
# its households, then the flat default.

CATEGORIES: dict[str, str] = {
    "environment": N_("proposals.cat.environment"),
    "parking": N_("proposals.cat.parking"),
    "elderly": N_("proposals.cat.elderly"),
    "safety": N_("proposals.cat.safety"),
    "culture": N_("proposals.cat.culture"),
    "facilities": N_("proposals.cat.facilities"),
    "other": N_("proposals.cat.other"),
}
STATUS_LABELS: dict[str, str] = {
    "submitted": N_("proposals.status.submitted"),
    "seconded": N_("proposals.status.seconded"),
    "on_agenda": N_("proposals.status.on_agenda"),
    "accepted": N_("proposals.status.accepted"),
    "merged": N_("proposals.status.merged"),
    "rejected": N_("proposals.status.rejected"),
    "in_progress": N_("proposals.status.in_progress"),
    "done": N_("proposals.status.done"),
    "disputed": N_("proposals.status.disputed"),
}
SCOPE_LEVELS = ("building", "grid", "community")
SCOPE_LABELS: dict[str, str] = {
    "building": N_("proposals.scope.building"),
    "grid": N_("proposals.scope.grid"),
    "community": N_("proposals.scope.community"),
}
EVENT_LABELS: dict[str, str] = {
    "submitted": N_("proposals.event.submitted"),
    "seconded": N_("proposals.event.seconded"),
    "accepted": N_("proposals.event.accepted"),
    "merged": N_("proposals.event.merged"),
    "merged_in": N_("proposals.event.merged_in"),
    "rejected": N_("proposals.event.rejected"),
    "progress": N_("proposals.event.progress"),
    "done": N_("proposals.event.done"),
    "confirmed": N_("proposals.event.confirmed"),
    "disputed": N_("proposals.event.disputed"),
    "stale": N_("proposals.event.stale"),
    "closed": N_("proposals.event.closed"),
    "reopened": N_("proposals.event.reopened"),
    "milestone": N_("proposals.event.milestone"),
    "milestone_done": N_("proposals.event.milestone_done"),
}
ORGANIZER_ROLES = ORGANIZERS


# -- settings ------------------------------------------------------------------------------------


def threshold(config: CoreConfig, community: Region) -> int:
    """Co-signatures (besides the proposer) that put a proposal on the joint meeting's agenda."""
    if community.cosign_threshold:
        return max(1, community.cosign_threshold)
    share = config.proposals.cosign_share
    if share and community.households:
        return max(1, math.ceil(community.households * float(share)))
    return max(1, config.proposals.cosign_threshold)


def stale_days(config: CoreConfig) -> int:
    """Days an agenda item may wait for a decision before it is flagged."""
    return config.proposals.stale_days


def local_today(ctx: Ctx) -> date:
    """Today in the deployment's time zone."""
    return ctx.now.astimezone(ZoneInfo(ctx.deps.config.tz)).date()


# -- loading -------------------------------------------------------------------------------------


def parse_id(text: str) -> int:
    """A proposal number from "12", "#12" or "＃12"; UserError otherwise."""
    if not text.strip().lstrip("#＃").strip():
        raise UserError("proposals.id_missing")
    return require_id(text, "proposals.id_invalid", given=text[:20])


async def load(ctx: Ctx, proposal_id: int, *, lock: bool = False) -> Proposal:
    """The proposal, or a clear "no such proposal"."""
    found = await repo.get(ctx.session, proposal_id, lock=lock)
    if found is None:
        raise UserError("proposals.not_found", id=proposal_id)
    return found


async def community_of(ctx: Ctx, proposal: Proposal) -> Region:
    """The community a proposal belongs to."""
    found = await regions.by_id(ctx.session, proposal.community_id)
    assert found is not None  # a foreign key
    return found


async def home_community(ctx: Ctx) -> Region | None:
    """The community the person lives in, if their home is at or below one."""
    if not ctx.person.home_region_id:
        return None
    home = await regions.by_id(ctx.session, ctx.person.home_region_id)
    return await regions.ancestor_at(ctx.session, home, "community") if home else None


def status_label(ctx: Ctx, proposal: Proposal) -> str:
    """The proposal's state in the user's language."""
    return ctx.t(STATUS_LABELS[proposal.status])


def short(text: str, limit: int = 20) -> str:
    """A title cut for a button label."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- who may act ---------------------------------------------------------------------------------


async def require_organizer(ctx: Ctx, proposal: Proposal) -> Region:
    """Refuse unless an organizer or admin over the proposal's community; return the community."""
    community = await community_of(ctx, proposal)
    await require_role(ctx, ORGANIZER_ROLES, community)
    return community


async def is_organizer(ctx: Ctx, proposal: Proposal) -> bool:
    """Whether the person may decide on and follow up the proposal."""
    community = await community_of(ctx, proposal)
    return await roles.holds(ctx.session, ctx.person.id, ORGANIZER_ROLES, community)


async def require_follower(ctx: Ctx, proposal: Proposal) -> None:
    """Refuse unless the person is the proposer or a co-signer."""
    await require_registered(ctx)
    if ctx.person.id not in await repo.followers(ctx.session, proposal):
        raise NotAllowed("proposals.not_follower")


async def can_view(ctx: Ctx, proposal: Proposal) -> bool:
    """Members of the community, followers, and staff whose scope covers the proposal."""
    if not is_registered(ctx):
        return False
    community = await home_community(ctx)
    if community is not None and community.id == proposal.community_id:
        return True
    if ctx.person.id in await repo.followers(ctx.session, proposal):
        return True
    region = await regions.by_id(ctx.session, proposal.region_id)
    return region is not None and await roles.holds(ctx.session, ctx.person.id, STAFF_ROLES, region)


# -- telling people ------------------------------------------------------------------------------


async def push(
    ctx: Ctx,
    proposal: Proposal,
    key: str,
    *,
    choices: Sequence[tuple[str, str]] = (),
    **params: Any,
) -> int:
    """Tell the proposer and every co-signer (except the one acting) of a change."""
    sent = 0
    for person_id in await repo.followers(ctx.session, proposal):
        if person_id != ctx.person.id:
            await notify(
                ctx, person_id, key, choices=choices, id=proposal.id, title=proposal.title, **params
            )
            sent += 1
    return sent


async def tell_organizers(
    ctx: Ctx,
    proposal: Proposal,
    key: str,
    *,
    choices: Sequence[tuple[str, str]] = (),
    **params: Any,
) -> int:
    """Tell the community's organizers (nearest scope first) of something that needs them."""
    community = await community_of(ctx, proposal)
    sent = 0
    for person_id in await roles.holders(ctx.session, ("organizer",), community):
        if person_id != ctx.person.id:
            await notify(
                ctx,
                person_id,
                key,
                choices=choices,
                id=proposal.id,
                title=proposal.title,
                community=community.name,
                **params,
            )
            sent += 1
    return sent
