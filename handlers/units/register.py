"""A unit registers in its community (/unit_new); the community's organizers approve it."""

from __future__ import annotations

from handlers.core.auth import require_registered, require_role
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, Flow, Step
from handlers.core.errors import Conflict, InvalidInput, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import notify
from handlers.departments.staff import create_invites
from handlers.units.common import ORGANIZERS, STATUS_LABELS, load, require_organizer
from storage.models import StaffMember, Unit
from storage.repos import agencies, audit, regions, roles
from storage.repos import units as repo

NAME_LIMIT = 100


async def _guard(ctx: Ctx) -> None:
    await require_registered(ctx)
    home = ctx.person.home_region
    if home is None or await regions.ancestor_at(ctx.session, home, "community") is None:
        raise UserError("units.no_community")


async def _ask_name(ctx: Ctx) -> Reply:
    return ctx.reply("units.ask_name")


async def _take_name(ctx: Ctx, message: Message) -> str | None:
    name = "" if message.payload is not None else message.text.strip()
    if not name:
        raise InvalidInput("units.name_empty")
    if len(name) > NAME_LIMIT:
        raise InvalidInput("units.text_too_long", limit=NAME_LIMIT)
    ctx.data["name"] = name
    return DONE


async def _finish(ctx: Ctx) -> list[Reply]:
    home = ctx.person.home_region
    assert home is not None
    community = await regions.ancestor_at(ctx.session, home, "community")
    assert community is not None
    unit = Unit(
        name=ctx.data["name"],
        region_id=community.id,
        status="pending",
        registered_by_id=ctx.person.id,
        created_at=ctx.now,
    )
    ctx.session.add(unit)
    await ctx.session.flush()
    ctx.session.add(
        StaffMember(person_id=ctx.person.id, unit_id=unit.id, lead=True, joined_at=ctx.now)
    )
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="unit.register",
        target=f"unit:{unit.id}",
        now=ctx.now,
    )
    for organizer in await roles.holders(ctx.session, ORGANIZERS, community):
        await notify(
            ctx,
            organizer,
            "units.review_notice",
            choices=[("units.approve", f"unitok:{unit.id}"), ("units.reject", f"unitno:{unit.id}")],
            id=unit.id,
            name=unit.name,
            community=community.name,
            person=ctx.person.display_name,
        )
    return [ctx.reply("units.registered", id=unit.id, name=unit.name, community=community.name)]


UNIT_NEW = Flow(
    name="unit_new", guard=_guard, steps=(Step("name", _ask_name, _take_name),), finish=_finish
)


async def _decide(ctx: Ctx, args: list[str], status: str) -> list[Reply]:
    unit = await load(ctx, args[0] if args else "")
    await require_organizer(ctx, unit)
    if unit.status != "pending":
        raise Conflict(
            "units.decided_already", name=unit.name, status=ctx.t(STATUS_LABELS[unit.status])
        )
    unit.status, unit.decided_by_id, unit.decided_at = status, ctx.person.id, ctx.now
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action=f"unit.{status}",
        target=f"unit:{unit.id}",
        now=ctx.now,
    )
    key = N_("units.approved_notice") if status == "approved" else N_("units.rejected_notice")
    for person_id in await agencies.staff_of(ctx.session, unit_id=unit.id):
        await notify(ctx, person_id, key, name=unit.name)
    done = N_("units.decided_approved") if status == "approved" else N_("units.decided_rejected")
    return [ctx.reply(done, name=unit.name)]


async def approve(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "unitok:ID": an organizer approves a unit's registration."""
    return await _decide(ctx, args, "approved")


async def reject(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "unitno:ID": an organizer refuses a unit's registration."""
    return await _decide(ctx, args, "rejected")


async def list_units(ctx: Ctx) -> list[Reply]:
    """/units: an organizer's units (pending first to approve); a unit's staff: their own."""
    await require_registered(ctx)
    grants = await roles.active_grants(ctx.session, ctx.person.id)
    scopes = [g.region for g in grants if g.role in ORGANIZERS]
    found = await repo.in_scopes(ctx.session, scopes) if scopes else []
    for unit in await repo.of_person(ctx.session, ctx.person.id):
        if unit not in found:
            found.append(unit)
    if not found:
        if not scopes:
            await require_role(ctx, ORGANIZERS)  # neither staff of a unit nor an organizer
        return [ctx.reply("units.none")]
    lines = [
        ctx.t("units.unit_line", id=u.id, name=u.name, status=ctx.t(STATUS_LABELS[u.status]))
        for u in found
    ]
    choices = []
    if scopes:
        for unit in found:
            if unit.status == "pending":
                choices.append(
                    Choice(ctx.t("units.approve_one", name=unit.name), f"unitok:{unit.id}")
                )
    return [Reply(ctx.t("units.list", lines="\n".join(lines)), tuple(choices[:6]))]


async def invite_staff(ctx: Ctx) -> list[Reply]:
    """/unit_invite: a unit's lead gets a single-use code for a colleague (/join CODE)."""
    await require_registered(ctx)
    leads = [
        m.unit_id
        for m in await agencies.memberships(ctx.session, ctx.person.id)
        if m.unit_id is not None and m.lead
    ]
    units = [u for u in await repo.of_person(ctx.session, ctx.person.id) if u.id in leads]
    approved = [u for u in units if u.status == "approved"]
    if not approved:
        raise UserError("units.not_lead")
    unit = approved[0]
    (code,) = await create_invites(ctx.session, ctx.now, unit_id=unit.id, actor_id=ctx.person.id)
    return [ctx.reply("units.invite_code", name=unit.name, code=code)]
