"""Who may do what: registration, roles held over region subtrees."""

from __future__ import annotations

from handlers.core.context import Ctx
from handlers.core.errors import NotAllowed, UserError
from storage.models import Region
from storage.repos import roles

# Role sets, named once. Organizers run communities (decide, dispatch, publish, review hours);
# staff is everyone working for the community (the office console).
ORGANIZERS = ("organizer", "admin")
STAFF_ROLES = ("admin", "organizer", "grid_worker")


def is_registered(ctx: Ctx) -> bool:
    """Whether the person finished /start and consented to the current policy."""
    return ctx.person.consent_version == ctx.deps.config.policy_version


async def require_registered(ctx: Ctx) -> None:
    """Refuse unless registered under the current policy."""
    if not is_registered(ctx):
        key = "error.consent_again" if ctx.person.consent_version else "error.register_first"
        raise UserError(key)


async def require_role(ctx: Ctx, allowed: tuple[str, ...], region: Region | None = None) -> None:
    """Refuse unless the person holds one of `allowed` over `region` (or over anything, if None)."""
    await require_registered(ctx)
    grants = await roles.active_grants(ctx.session, ctx.person.id)
    for grant in grants:
        if grant.role in allowed and (region is None or region.path.startswith(grant.region.path)):
            return
    raise NotAllowed()


def require_not_subject(ctx: Ctx, *subjects: int | None) -> None:
    """Refuse when the person is a subject of what they would review, approve, confirm or decide.

    The one rule behind every review path: nobody approves their own hours, confirms their own
    task or activity attendance, decides their own proposal or closes their own report.
    """
    if ctx.person.id in subjects:
        raise NotAllowed("error.own_work")


async def role_names(ctx: Ctx) -> list[tuple[str, str]]:
    """(role, region name) pairs the person holds."""
    return [(g.role, g.region.name) for g in await roles.active_grants(ctx.session, ctx.person.id)]
