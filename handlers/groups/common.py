"""What the organization pages share: labels, the resident's community, who may manage."""

from __future__ import annotations

from handlers.core.auth import ORGANIZERS, require_registered
from handlers.core.context import Ctx
from handlers.core.errors import NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.numbers import require_id
from storage.models import Organization, Region
from storage.repos import organizations as repo
from storage.repos import regions, roles

ORGANIZER_ROLES = ORGANIZERS

INCUBATION_LABELS = {
    "none": N_("groups.incubation.none"),
    "incubating": N_("groups.incubation.incubating"),
    "graduated": N_("groups.incubation.graduated"),
}
FILING_LABELS = {
    "none": N_("groups.filing.none"),
    "applied": N_("groups.filing.applied"),
    "filed": N_("groups.filing.filed"),
}


async def home_community(ctx: Ctx) -> Region:
    """The community the person lives in; a clear error when their home is not set."""
    await require_registered(ctx)
    home = ctx.person.home_region
    if home is None and ctx.person.home_region_id:
        home = await regions.by_id(ctx.session, ctx.person.home_region_id)
    if home is not None:
        community = (
            home
            if home.level == "community"
            else await regions.ancestor_at(ctx.session, home, "community")
        )
        if community is not None:
            return community
    raise UserError("groups.no_community")


async def organization(ctx: Ctx, text: str) -> tuple[Organization, Region]:
    """The organization an id names, with its region; a clear error when there is none."""
    org = await repo.get(ctx.session, require_id(text, "groups.which"))
    region = await regions.by_id(ctx.session, org.region_id) if org is not None else None
    if org is None or region is None:
        raise UserError("groups.not_found", id=text.strip())
    return org, region


async def organizes(ctx: Ctx, region: Region) -> bool:
    """Whether the person organizes (or administers) a region holding `region`."""
    for grant in await roles.active_grants(ctx.session, ctx.person.id):
        if grant.role in ORGANIZER_ROLES and region.path.startswith(grant.region.path):
            return True
    return False


async def require_manager(ctx: Ctx, org: Organization, region: Region) -> None:
    """Refuse unless the person is the organization's contact or organizes its region."""
    await require_registered(ctx)
    if org.contact_person_id == ctx.person.id or await organizes(ctx, region):
        return
    raise NotAllowed()
