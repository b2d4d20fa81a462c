"""/party (党员报到): a party member reports to the community they live in — as a community
member or an in-service member (在职党员) with their unit — and organizers confirm it.

Party members take tasks and activities like any volunteer (through /volunteer); what they do is
counted apart in the community's participation report (/participation).
"""

from __future__ import annotations

from handlers.core.auth import require_not_subject, require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step, begin
from handlers.core.errors import InvalidInput, NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import notify
from handlers.core.numbers import first_id
from handlers.core.text import clean_text, field
from handlers.groups.common import home_community, organizes
from storage.models import PartyMember, Region, Unit, VolunteerProfile
from storage.repos import audit, regions, roles
from storage.repos import party as repo
from storage.repos import units as units_repo

KIND_LABELS = {
    "community": N_("party.kind.community"),
    "in_service": N_("party.kind.in_service"),
}
# Short names for notices and lists (the choices explain each kind).
KIND_SHORT = {
    "community": N_("party.short.community"),
    "in_service": N_("party.short.in_service"),
}
UNIT = field("unit", 150, PartyMember.unit_name)
UNIT_CHOICES = 10  # registered units offered as buttons; any other is typed


async def units_near(ctx: Ctx, community: Region) -> list[Unit]:
    """Approved units (驻区单位) of the member's street (or community), to link to."""
    street = await regions.ancestor_at(ctx.session, community, "street")
    return await units_repo.in_scopes(ctx.session, [street or community], ("approved",))


async def party_command(ctx: Ctx) -> list[Reply]:
    """/party: report as a party member, or see (and change or withdraw) the report."""
    community = await home_community(ctx)
    member = await repo.get(ctx.session, ctx.person.id)
    if member is None:
        return await begin(ctx, PARTY)
    reported = await regions.by_id(ctx.session, member.community_id)
    status = "party.confirmed" if member.confirmed_at else "party.unconfirmed"
    text = ctx.t(
        "party.status",
        community=reported.name if reported else community.name,
        kind=ctx.t(KIND_SHORT[member.kind]),
        unit=member.unit_name or "—",
        at=ctx.when(member.reported_at),
        status=ctx.t(status),
    )
    choices = (
        Choice(ctx.t("party.change"), "party:change"),
        Choice(ctx.t("party.withdraw"), "party:withdraw"),
    )
    return [Reply(text, choices)]


async def _ask_kind(ctx: Ctx) -> Reply:
    community = await home_community(ctx)
    choices = [Choice(ctx.t(label), code) for code, label in KIND_LABELS.items()]
    return ctx.reply("party.ask_kind", community=community.name, choices=choices)


async def _take_kind(ctx: Ctx, message: Message) -> str | None:
    if message.value not in KIND_LABELS:
        raise InvalidInput("common.pick_from_list")
    ctx.data["kind"] = message.value
    return NEXT


async def _ask_unit(ctx: Ctx) -> Reply:
    units = await units_near(ctx, await home_community(ctx))
    if not units:
        return ctx.reply("party.ask_unit", limit=UNIT.limit)
    choices = [Choice(u.name, f"u{u.id}") for u in units[:UNIT_CHOICES]]
    return ctx.reply("party.ask_unit_choose", limit=UNIT.limit, choices=choices)


async def _take_unit(ctx: Ctx, message: Message) -> str | None:
    """A registered unit (its button, or its exact name typed), else the unit's name as text."""
    typed = " ".join(clean_text(message.text).split())
    for unit in await units_near(ctx, await home_community(ctx)):
        if message.value == f"u{unit.id}" or typed == unit.name:
            ctx.data["unit"], ctx.data["unit_id"] = unit.name, unit.id
            return NEXT
    if not typed or not UNIT.fits(typed):
        raise InvalidInput("party.unit_invalid", limit=UNIT.limit)
    ctx.data["unit"], ctx.data["unit_id"] = typed, None
    return NEXT


async def _ask_confirm(ctx: Ctx) -> Reply:
    community = await home_community(ctx)
    return ctx.reply(
        "party.ask_confirm",
        community=community.name,
        kind=ctx.t(KIND_LABELS[ctx.data["kind"]]),
        unit=ctx.data.get("unit") or "—",
        choices=[Choice(ctx.t("party.confirm"), "confirm")],
    )


async def _take_confirm(ctx: Ctx, message: Message) -> str | None:
    if message.value != "confirm":
        raise InvalidInput("common.pick_from_list")
    return DONE


async def _finish(ctx: Ctx) -> list[Reply]:
    community = await home_community(ctx)
    kind, unit = (
        ctx.data["kind"],
        ctx.data.get("unit", "") if ctx.data["kind"] == "in_service" else "",
    )
    member = await repo.get(ctx.session, ctx.person.id)
    if member is None:
        member = PartyMember(person_id=ctx.person.id, community_id=community.id, kind=kind)
        ctx.session.add(member)
    member.community_id, member.kind, member.unit_name = community.id, kind, unit
    member.unit_id = ctx.data.get("unit_id") if kind == "in_service" else None
    member.reported_at, member.confirmed_at, member.confirmed_by_id = ctx.now, None, None
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="party.report",
        target=f"person:{ctx.person.id}",
        now=ctx.now,
        community_id=community.id,
        kind=kind,
    )
    for organizer in await roles.holders(ctx.session, ("organizer",), community):
        await notify(
            ctx,
            organizer,
            "party.to_confirm",
            choices=(("party.confirm_button", f"party:ok:{ctx.person.id}"),),
            kind="party",
            name=ctx.person.display_name,
            kind_label=ctx.t(KIND_SHORT[kind]),
            unit=unit or "—",
        )
    replies = [ctx.reply("party.reported", community=community.name)]
    if await ctx.session.get(VolunteerProfile, ctx.person.id) is None:
        replies.append(
            ctx.reply(
                "party.be_volunteer",
                choices=[Choice(ctx.t("party.volunteer_button"), "/volunteer")],
            )
        )
    return replies


PARTY = Flow(
    name="party",
    guard=require_registered,
    steps=(
        Step("kind", _ask_kind, _take_kind),
        Step("unit", _ask_unit, _take_unit, skip=lambda ctx: ctx.data.get("kind") != "in_service"),
        Step("confirm", _ask_confirm, _take_confirm),
    ),
    finish=_finish,
)


async def party_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """ "party:change", "party:withdraw" (the member) and "party:ok:PERSON" (an organizer)."""
    action = args[0] if args else ""
    if action == "change":
        await home_community(ctx)
        return await begin(ctx, PARTY)
    if action == "withdraw":
        return await _withdraw(ctx)
    if action == "ok":
        return await _confirm(ctx, first_id(args[1:]))
    raise UserError("common.pick_from_list")


async def _withdraw(ctx: Ctx) -> list[Reply]:
    await require_registered(ctx)
    member = await repo.get(ctx.session, ctx.person.id)
    if member is None:
        return [ctx.reply("party.not_reported")]
    await ctx.session.delete(member)
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="party.withdraw",
        target=f"person:{ctx.person.id}",
        now=ctx.now,
    )
    return [ctx.reply("party.withdrawn")]


async def _confirm(ctx: Ctx, person_id: int | None) -> list[Reply]:
    await require_registered(ctx)
    member = await repo.get(ctx.session, person_id) if person_id is not None else None
    community = (
        await regions.by_id(ctx.session, member.community_id) if member is not None else None
    )
    if member is None or community is None:
        raise UserError("party.gone")
    if not await organizes(ctx, community):
        raise NotAllowed()
    require_not_subject(ctx, member.person_id)
    if member.confirmed_at is not None:
        return [ctx.reply("party.already_confirmed")]
    member.confirmed_at, member.confirmed_by_id = ctx.now, ctx.person.id
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="party.confirm",
        target=f"person:{member.person_id}",
        now=ctx.now,
    )
    await notify(
        ctx, member.person_id, "party.you_are_confirmed", kind="party", community=community.name
    )
    return [ctx.reply("party.confirmed_done")]
