"""Who may do what: registration, roles held over region subtrees."""

from __future__ import annotations

from datetime import datetime

from handlers.core.context import Ctx
from handlers.core.errors import NotAllowed, UserError
from storage.models import Person, Region
from storage.repos import roles

# Role sets, named once. Organizers run communities (decide, dispatch, publish, review hours);
# staff is everyone working for the community (the office console).
ORGANIZERS = ("organizer", "admin")
STAFF_ROLES = ("admin", "organizer", "grid_worker")
GUARDIAN_AGE = 14  # PIPL: a child under 14 needs a guardian's consent


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


def needs_guardian(person: Person, now: datetime) -> bool:
    """Whether the person may be under 14 by their birth year (then a guardian must consent)."""
    return person.birth_year is not None and now.year - person.birth_year <= GUARDIAN_AGE


def has_sensitive_consent(person: Person, now: datetime) -> bool:
    """Whether sensitive details (health, disability, a minor's data) may be kept for them."""
    if person.sensitive_consent_at is None:
        return False
    return person.guardian_consent or not needs_guardian(person, now)


async def require_sensitive_consent(ctx: Ctx) -> None:
    """Refuse (pointing at /sensitive_consent) unless the person gave the separate consent."""
    await require_registered(ctx)
    if not has_sensitive_consent(ctx.person, ctx.now):
        raise UserError("privacy.sensitive_needed")
