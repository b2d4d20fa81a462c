"""Door-to-door collection (入户收集, /visit): a grid worker enters a need for a resident.

The worker picks a grid in their scope, finds the resident by name there (or records a new one:
name and building, no channel identity), then the same service, time and place steps as /need,
and tags target groups (独居老人, 残疾人 …) that only staff ever see.
"""

from __future__ import annotations

from handlers.core.auth import STAFF_ROLES, require_role
from handlers.core.context import Ctx
from handlers.core.dialogs import NEXT, Flow, Step, free_text
from handlers.core.errors import InvalidInput, NotAllowed
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import Pair, Sink, notify
from handlers.core.text import NAME
from handlers.needs import steps
from handlers.needs.common import place_label
from handlers.needs.request import create_need
from storage.models import Person, Region, ServiceItem, TargetGroup
from storage.repos import audit, regions, roles
from storage.repos import needs as needs_repo


async def staff_grids(ctx: Ctx) -> list[Region]:
    """Every grid inside the subtrees where the person is staff, by code."""
    found: dict[int, Region] = {}
    for grant in await roles.active_grants(ctx.session, ctx.person.id):
        if grant.role in STAFF_ROLES:
            for grid in await regions.at_level(ctx.session, "grid", within=grant.region):
                found[grid.id] = grid
    return sorted(found.values(), key=lambda g: g.code)


async def _prepare(ctx: Ctx) -> None:
    await require_role(ctx, STAFF_ROLES)
    grids = await staff_grids(ctx)
    if not grids:
        raise NotAllowed()
    communities = sorted({g.parent_id for g in grids if g.parent_id})
    ctx.data["communities"] = communities
    if len(communities) == 1:
        ctx.data["community"] = communities[0]
    if len(grids) == 1:
        ctx.data["grid"] = grids[0].id


async def _grids_here(ctx: Ctx) -> list[Region]:
    return [g for g in await staff_grids(ctx) if g.parent_id == ctx.data.get("community")]


# -- where the visit is --------------------------------------------------------------------------


async def _ask_community(ctx: Ctx) -> Reply:
    options = [await regions.by_id(ctx.session, rid) for rid in ctx.data["communities"]]
    return ctx.reply(
        "needs.visit_ask_community",
        choices=[Choice(c.name, f"r{c.id}") for c in options if c is not None],
    )


async def _take_community(ctx: Ctx, message: Message) -> str | None:
    allowed = {f"r{rid}": rid for rid in ctx.data["communities"]}
    if message.value not in allowed:
        raise InvalidInput("common.pick_from_list")
    ctx.data["community"] = allowed[message.value]
    ctx.data.pop("grid", None)
    return NEXT


async def _ask_grid(ctx: Ctx) -> Reply:
    return ctx.reply(
        "needs.visit_ask_grid",
        choices=[Choice(g.name, f"r{g.id}") for g in await _grids_here(ctx)],
    )


async def _take_grid(ctx: Ctx, message: Message) -> str | None:
    allowed = {f"r{g.id}": g.id for g in await _grids_here(ctx)}
    if message.value not in allowed:
        raise InvalidInput("common.pick_from_list")
    ctx.data["grid"] = allowed[message.value]
    return NEXT


# -- who -----------------------------------------------------------------------------------------


async def _grid(ctx: Ctx) -> Region:
    grid = await regions.by_id(ctx.session, ctx.data["grid"])
    if grid is None:
        raise NotAllowed()
    return grid


async def _ask_who(ctx: Ctx) -> Reply:
    return ctx.reply("needs.visit_ask_who", grid=(await _grid(ctx)).name)


async def _take_who(ctx: Ctx, message: Message) -> str | None:
    name = free_text(message)
    if not name:
        raise InvalidInput("needs.visit_name_empty")
    if not NAME.fits(name):
        raise InvalidInput("needs.visit_name_too_long", limit=NAME.limit)
    found = await needs_repo.residents_named(ctx.session, await _grid(ctx), name)
    ctx.data["name"] = name
    ctx.data["matches"] = [p.id for p in found]
    ctx.data.pop("person", None)
    return NEXT


async def _ask_pick(ctx: Ctx) -> Reply:
    name, choices = ctx.data["name"], []
    for person_id in ctx.data["matches"]:
        person = await ctx.session.get(Person, person_id)
        if person is None:
            continue
        home = await regions.by_id(ctx.session, person.home_region_id or 0)
        label = f"{person.display_name}（{home.name if home else '—'}）"
        choices.append(Choice(label, f"p{person.id}"))
    choices.append(Choice(ctx.t("needs.visit_new_person", name=name), "new"))
    choices.append(Choice(ctx.t("needs.visit_search_again"), "again"))
    key = N_("needs.visit_ask_pick") if ctx.data["matches"] else N_("needs.visit_nobody")
    return ctx.reply(key, name=name, grid=(await _grid(ctx)).name, choices=choices)


async def _take_pick(ctx: Ctx, message: Message) -> str | None:
    value = message.value
    if value == "again":
        return "who"
    if value == "new":
        ctx.data["person"] = None
        return NEXT
    allowed = {f"p{pid}": pid for pid in ctx.data["matches"]}
    if value not in allowed:
        raise InvalidInput("common.pick_from_list")
    person = await ctx.session.get(Person, allowed[value])
    if person is None or person.home_region_id is None:
        raise InvalidInput("common.pick_from_list")
    ctx.data["person"], ctx.data["home"] = person.id, person.home_region_id
    return "what"


async def _buildings(ctx: Ctx) -> list[Region]:
    return await regions.children(ctx.session, ctx.data["grid"], level="building")


async def _ask_building(ctx: Ctx) -> Reply:
    choices = [Choice(b.name, f"r{b.id}") for b in await _buildings(ctx)]
    choices.append(Choice(ctx.t("needs.visit_building_unknown"), "grid"))
    return ctx.reply("needs.visit_ask_building", name=ctx.data["name"], choices=choices)


async def _take_building(ctx: Ctx, message: Message) -> str | None:
    allowed = {f"r{b.id}": b.id for b in await _buildings(ctx)} | {"grid": ctx.data["grid"]}
    if message.value not in allowed:
        raise InvalidInput("common.pick_from_list")
    ctx.data["home"] = allowed[message.value]
    return NEXT


# -- target groups (staff only) ------------------------------------------------------------------


def _group_name(ctx: Ctx, group: TargetGroup) -> str:
    return group.name_zh if ctx.lang.startswith("zh") else group.name_en


async def _ask_groups(ctx: Ctx) -> Reply:
    # Toggling re-asks this step; keep "back" pointing at the step before it, not at itself.
    history = ctx.state.data.setdefault("history", [])
    while history and history[-1] == "groups":
        history.pop()
    chosen = set(ctx.data.get("groups", []))
    choices = [
        Choice(("✅ " if g.code in chosen else "") + _group_name(ctx, g), f"t_{g.code}")
        for g in await needs_repo.target_groups(ctx.session)
    ]
    choices.append(Choice(ctx.t("needs.visit_groups_done"), "done"))
    return ctx.reply("needs.visit_ask_groups", choices=choices)


async def _take_groups(ctx: Ctx, message: Message) -> str | None:
    if message.value == "done":
        return NEXT
    codes = {f"t_{g.code}": g.code for g in await needs_repo.target_groups(ctx.session)}
    if message.value not in codes:
        raise InvalidInput("common.pick_from_list")
    chosen = list(ctx.data.get("groups", []))
    code = codes[message.value]
    ctx.data["groups"] = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
    return "groups"


def _needs_consent(ctx: Ctx) -> bool:
    return bool(ctx.data.get("groups"))


async def _ask_consent(ctx: Ctx) -> Reply:
    return ctx.reply(
        "needs.visit_ask_consent",
        groups=await _group_names(ctx),
        choices=[
            Choice(ctx.t("needs.visit_consent_yes"), "yes"),
            Choice(ctx.t("needs.visit_consent_no"), "no"),
        ],
    )


async def _take_consent(ctx: Ctx, message: Message) -> str | None:
    """Target groups are sensitive personal information: kept only with the resident's consent."""
    if message.value not in ("yes", "no"):
        raise InvalidInput("common.pick_from_list")
    if message.value == "no":
        ctx.data["groups"] = []
    ctx.data["sensitive_consent"] = message.value == "yes"
    return NEXT


async def _group_names(ctx: Ctx) -> str:
    wanted = set(ctx.data.get("groups", []))
    groups = await needs_repo.target_groups(ctx.session)
    return ctx.join(_group_name(ctx, g) for g in groups if g.code in wanted) or "—"


async def _person_name(ctx: Ctx, person_id: int | None) -> str:
    person = await ctx.session.get(Person, person_id) if person_id else None
    return person.display_name if person else ""


async def _confirm_extra(ctx: Ctx) -> str:
    home = await regions.by_id(ctx.session, ctx.data["home"])
    return ctx.t(
        "needs.visit_summary",
        name=await _person_name(ctx, ctx.data.get("person")) or ctx.data["name"],
        home=await place_label(ctx.session, home) if home else "—",
        groups=await _group_names(ctx),
    )


# -- finish --------------------------------------------------------------------------------------


async def _finish(ctx: Ctx) -> list[Reply]:
    grid = await _grid(ctx)
    await require_role(ctx, STAFF_ROLES, grid)  # the role may have been revoked meanwhile
    person_id = ctx.data.get("person")
    if person_id is None:
        person = Person(
            display_name=ctx.data["name"],
            lang=ctx.deps.config.default_lang,
            home_region_id=ctx.data["home"],
            created_at=ctx.now,
        )
        ctx.session.add(person)
        await ctx.session.flush()
        person_id = person.id
        audit.record(
            ctx.session,
            actor_id=ctx.person.id,
            action="person.enter",
            target=f"person:{person.id}",
            now=ctx.now,
            region_id=ctx.data["home"],
        )
    groups = ctx.data.get("groups", []) if ctx.data.get("sensitive_consent") else []
    if groups:
        resident = await ctx.session.get(Person, person_id)
        if resident is not None and resident.sensitive_consent_at is None:
            resident.sensitive_consent_at = ctx.now  # given in person, recorded by the worker
            audit.record(
                ctx.session,
                actor_id=ctx.person.id,
                action="consent.sensitive_in_person",
                target=f"person:{person_id}",
                now=ctx.now,
            )
    need = create_need(ctx, person_id, ctx.data["home"], target_groups=groups)
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="need.visit",
        target=f"need:{need.id}",
        now=ctx.now,
        person_id=person_id,
    )
    item = await ctx.session.get(ServiceItem, need.service_item_id)
    assert item is not None  # a foreign key
    await notify(
        Sink.of(ctx),
        person_id,
        "needs.entered_for_you",
        choices=[("needs.view", f"/need_status {need.id}")],
        id=need.id,
        item=Pair(item.name_zh, item.name_en),
        worker=ctx.person.display_name,
    )
    return [
        ctx.reply(
            "needs.visit_created",
            id=need.id,
            item=item.name(ctx.lang),
            name=await _person_name(ctx, person_id),
            choices=[Choice(ctx.t("needs.view"), f"/need_status {need.id}")],
        )
    ]


VISIT = Flow(
    name="visit",
    guard=_prepare,
    steps=(
        Step("community", _ask_community, _take_community, skip=lambda c: "community" in c.data),
        Step("grid", _ask_grid, _take_grid, skip=lambda c: "grid" in c.data),
        Step("who", _ask_who, _take_who),
        Step("pick", _ask_pick, _take_pick),
        Step("building", _ask_building, _take_building),
        steps.WHAT,
        steps.ITEM,
        steps.WHEN,
        steps.PLACE,
        steps.NOTES,
        Step("groups", _ask_groups, _take_groups),
        Step("consent", _ask_consent, _take_consent, skip=lambda c: not _needs_consent(c)),
        steps.confirm(_confirm_extra),
    ),
    finish=_finish,
)
