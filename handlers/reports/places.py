"""A place typed in words ("劲松一区106号楼南侧"): resolved to a building or grid of the tree.

Sure matches are taken (the confirmation before filing shows them); unsure ones are offered as
choices; the words typed are kept with the report either way, for the grid worker.
"""

from __future__ import annotations

from handlers.core.context import Ctx
from handlers.core.errors import InvalidInput
from handlers.core.messages import Choice, Message, Reply
from matching.places import Place, resolve
from storage.models import Region
from storage.repos import regions

PLACE_TEXT_LIMIT = 200


async def candidates(ctx: Ctx) -> list[Place]:
    """Every building and grid, named with their community (and grid) for telling them apart."""
    communities = {r.id: r.name for r in await regions.at_level(ctx.session, "community")}
    grids = await regions.at_level(ctx.session, "grid")
    grid_of = {g.id: g for g in grids}
    places = [
        Place(g.id, g.name, (communities.get(g.parent_id or 0, ""),), building=False) for g in grids
    ]
    for building in await regions.at_level(ctx.session, "building"):
        grid = grid_of.get(building.parent_id or 0)
        community = communities.get(grid.parent_id or 0, "") if grid else ""
        places.append(Place(building.id, building.name, (community, grid.name if grid else "")))
    return places


async def label(ctx: Ctx, region: Region) -> str:
    """A place as a choice label: "劲松一区106号楼（劲松北社区 第二网格）"."""
    names = await regions.path_names(ctx.session, region)
    above = [n for n in names[:-1]][-2:]  # community and grid (or street and community)
    return f"{region.name}（{' '.join(above)}）" if above else region.name


async def take_typed(ctx: Ctx, message: Message) -> Region | str:
    """The region a typed place names when sure, else the next step ("place": choose)."""
    text = message.text.strip()
    if len(text) > PLACE_TEXT_LIMIT:
        raise InvalidInput("reports.place_too_long", limit=PLACE_TEXT_LIMIT)
    ctx.data["place_text"] = text
    found = resolve(text, await candidates(ctx))
    if found.sure and found.best is not None:
        region = await regions.by_id(ctx.session, found.best.id)
        if region is not None:
            return region
    ctx.data["place_options"] = [place.id for place, _ in found.ranked]
    return "place"


async def ask_place(ctx: Ctx) -> Reply:
    """Which of the close places the typed words mean (or none: pick from the lists)."""
    choices = []
    for region_id in ctx.data.get("place_options", []):
        region = await regions.by_id(ctx.session, region_id)
        if region is not None:
            choices.append(Choice((await label(ctx, region))[:60], f"r{region.id}"))
    choices.append(Choice(ctx.t("reports.place_none"), "pick"))
    key = "reports.ask_place" if len(choices) > 1 else "reports.place_unknown"
    return ctx.reply(key, typed=ctx.data.get("place_text", ""), choices=choices)


async def take_place(ctx: Ctx, message: Message) -> Region | None:
    """The region picked among the offered ones; None for "pick from the lists"."""
    if message.value == "pick":
        return None
    allowed = {f"r{rid}": rid for rid in ctx.data.get("place_options", [])}
    if message.value not in allowed:
        raise InvalidInput("common.pick_from_list")
    region = await regions.by_id(ctx.session, allowed[message.value])
    if region is None:
        raise InvalidInput("common.pick_from_list")
    return region
