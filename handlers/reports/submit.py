"""A resident reports a problem (/report, 报事): category, text, photo, place → routed to the grid.

Where: a shared location (the nearest building or grid), a place typed in words (resolved to a
building or grid, asked to confirm when unsure, the words kept), the resident's own grid (the
grid only: the problem's place is not the reporter's home), or a grid picked from lists. Before
filing, similar open reports in that grid are offered for "me too", which raises their priority
instead of creating a duplicate.
"""

from __future__ import annotations

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step, said_or, skipped, use_said
from handlers.core.errors import Conflict, InvalidInput, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import Sink
from handlers.reports.common import (
    ACTIVE,
    CATEGORIES,
    describe_place,
    responders,
    set_deadlines,
    tell,
)
from handlers.reports.nearby import place_at, similar
from handlers.reports.places import ask_place, take_place, take_typed
from storage.models import GridReport, Region
from storage.repos import audit, photos, regions
from storage.repos import reports as reports_repo

TEXT_LIMIT = 1000
PHOTO_REF_LIMIT = 255


def _text(message: Message) -> str:
    return "" if message.payload is not None else message.text.strip()


# -- what ----------------------------------------------------------------------------------------


async def _ask_category(ctx: Ctx) -> Reply:
    choices = [Choice(ctx.t(label), code) for code, label in CATEGORIES.items()]
    return ctx.reply("reports.ask_category", choices=choices)


async def _take_category(ctx: Ctx, message: Message) -> str | None:
    if message.value not in CATEGORIES:
        raise InvalidInput("common.pick_from_list")
    ctx.data["category"] = message.value
    return NEXT


def _keep_photo(ctx: Ctx, message: Message) -> None:
    if message.photo:
        if len(message.photo) > PHOTO_REF_LIMIT:
            raise InvalidInput("reports.photo_bad")
        ctx.data["photo"] = message.photo


async def _ask_text(ctx: Ctx) -> Reply:
    said = str(ctx.data.get("said") or "")
    if said:  # the sentence that started the report (handlers/understanding.py) says it already
        return ctx.reply("reports.ask_text_said", said=said[:TEXT_LIMIT], choices=[use_said(ctx)])
    return ctx.reply("reports.ask_text")


async def _take_text(ctx: Ctx, message: Message) -> str | None:
    _keep_photo(ctx, message)  # a photo with a caption answers two questions at once
    said = str(ctx.data.get("said") or "")
    text = said_or(message, said, _text(message))
    if not text:
        raise InvalidInput("reports.text_empty")
    if len(text) > TEXT_LIMIT:
        raise InvalidInput("reports.text_too_long", limit=TEXT_LIMIT)
    ctx.data["text"] = text
    return NEXT


async def _ask_photo(ctx: Ctx) -> Reply:
    return ctx.reply("reports.ask_photo", choices=[Choice(ctx.t("common.skip"), "skip")])


async def _take_photo(ctx: Ctx, message: Message) -> str | None:
    if message.photo:
        _keep_photo(ctx, message)
        return NEXT
    if skipped(message):
        ctx.data["photo"] = None
        return NEXT
    raise InvalidInput("reports.photo_or_skip")


# -- where ---------------------------------------------------------------------------------------


async def _home_grid(ctx: Ctx) -> Region | None:
    home = await regions.by_id(ctx.session, ctx.person.home_region_id or 0)
    return await regions.ancestor_at(ctx.session, home, "grid") if home else None


async def _ask_where(ctx: Ctx) -> Reply:
    choices = []
    grid = await _home_grid(ctx)
    if grid is not None:
        choices.append(Choice(ctx.t("reports.where_home", grid=grid.name), "home"))
    choices.append(Choice(ctx.t("reports.where_pick"), "pick"))
    return ctx.reply("reports.ask_where", choices=choices)


async def _settle(ctx: Ctx, region: Region) -> str | None:
    """Record where the problem is; go to the "me too" offer if similar reports exist."""
    grid = await regions.ancestor_at(ctx.session, region, "grid")
    if grid is None:
        raise InvalidInput("common.pick_from_list")
    ctx.data["region"], ctx.data["grid"] = region.id, grid.id
    ctx.data["similar"] = [r.id for r in await similar(ctx)]
    return "similar" if ctx.data["similar"] else "confirm"


async def _take_where(ctx: Ctx, message: Message) -> str | None:
    ctx.data["lat"] = ctx.data["lon"] = ctx.data["place_text"] = None
    ctx.data["place_options"] = []
    if message.location is not None:
        place = await place_at(ctx, message.location.lat, message.location.lon)
        ctx.data["lat"], ctx.data["lon"] = message.location.lat, message.location.lon
        return await _settle(ctx, place)
    if message.value == "pick":
        return "community"
    if message.value == "home":
        grid = await _home_grid(ctx)
        if grid is None:
            raise InvalidInput("reports.where_invalid")
        return await _settle(ctx, grid)  # the grid, never the reporter's own building
    if message.payload is None and message.text.strip():
        found = await take_typed(ctx, message)
        return found if isinstance(found, str) else await _settle(ctx, found)
    raise InvalidInput("reports.where_invalid")


async def _take_place(ctx: Ctx, message: Message) -> str | None:
    region = await take_place(ctx, message)
    return NEXT if region is None else await _settle(ctx, region)


async def _ask_community(ctx: Ctx) -> Reply:
    options = await regions.at_level(ctx.session, "community")
    return ctx.reply("reports.ask_community", choices=[Choice(c.name, f"r{c.id}") for c in options])


async def _take_community(ctx: Ctx, message: Message) -> str | None:
    options = {f"r{c.id}": c.id for c in await regions.at_level(ctx.session, "community")}
    if message.value not in options:
        raise InvalidInput("common.pick_from_list")
    ctx.data["community"] = options[message.value]
    return NEXT


async def _grids(ctx: Ctx) -> list[Region]:
    return await regions.children(ctx.session, ctx.data.get("community"), level="grid")


async def _ask_grid(ctx: Ctx) -> Reply:
    return ctx.reply(
        "reports.ask_grid", choices=[Choice(g.name, f"r{g.id}") for g in await _grids(ctx)]
    )


async def _take_grid(ctx: Ctx, message: Message) -> str | None:
    options = {f"r{g.id}": g for g in await _grids(ctx)}
    if message.value not in options:
        raise InvalidInput("common.pick_from_list")
    ctx.data["picked_grid"] = options[message.value].id
    return NEXT


async def _buildings(ctx: Ctx) -> list[Region]:
    return await regions.children(ctx.session, ctx.data.get("picked_grid"), level="building")


async def _ask_building(ctx: Ctx) -> Reply:
    choices = [Choice(b.name, f"r{b.id}") for b in await _buildings(ctx)]
    choices.append(Choice(ctx.t("reports.building_unknown"), "grid"))
    return ctx.reply("reports.ask_building", choices=choices)


async def _take_building(ctx: Ctx, message: Message) -> str | None:
    options = {f"r{b.id}": b for b in await _buildings(ctx)}
    if message.value == "grid":
        grid = await regions.by_id(ctx.session, ctx.data["picked_grid"])
        if grid is None:
            raise InvalidInput("common.pick_from_list")
        return await _settle(ctx, grid)
    if message.value not in options:
        raise InvalidInput("common.pick_from_list")
    return await _settle(ctx, options[message.value])


# -- similar reports: "me too" -------------------------------------------------------------------


async def _ask_similar(ctx: Ctx) -> Reply:
    # Asked again after a refused "me too", the list must not offer what was just closed.
    ctx.data["similar"] = [r.id for r in await similar(ctx)]
    choices = []
    for report_id in ctx.data["similar"]:
        report = await reports_repo.get(ctx.session, report_id)
        if report is None:
            continue
        label = ctx.t(
            "reports.metoo_choice",
            id=report.id,
            text=report.text if len(report.text) <= 24 else report.text[:24] + "…",
            count=report.metoo_count + 1,
        )
        choices.append(Choice(label, f"m{report.id}"))
    if not choices:  # what was offered has just been closed (see the "me too" conflict)
        return ctx.reply(
            "reports.similar_gone", choices=[Choice(ctx.t("reports.submit_new"), "new")]
        )
    choices.append(Choice(ctx.t("reports.not_the_same"), "new"))
    return ctx.reply("reports.ask_similar", choices=choices)


async def _take_similar(ctx: Ctx, message: Message) -> str | None:
    if message.value == "new":
        ctx.data["metoo"] = None
        return NEXT
    allowed = {f"m{rid}": rid for rid in ctx.data.get("similar", [])}
    if message.value not in allowed:
        raise InvalidInput("common.pick_from_list")
    ctx.data["metoo"] = allowed[message.value]
    return DONE


# -- confirm and file ----------------------------------------------------------------------------


async def _ask_confirm(ctx: Ctx) -> Reply:
    region = await regions.by_id(ctx.session, ctx.data["region"])
    return ctx.reply(
        "reports.ask_confirm",
        category=ctx.t(CATEGORIES[ctx.data["category"]]),
        text=ctx.data["text"],
        photo=ctx.t(N_("reports.photo_yes") if ctx.data.get("photo") else N_("reports.photo_no")),
        place=region.name if region else "—",
        typed=ctx.t("reports.place_typed", typed=ctx.data["place_text"])
        if ctx.data.get("place_text")
        else "",
        choices=[Choice(ctx.t("reports.submit"), "submit")],
    )


async def _take_confirm(ctx: Ctx, message: Message) -> str | None:
    if message.value != "submit":
        raise InvalidInput("common.pick_from_list")
    ctx.data["metoo"] = None
    return DONE


async def _finish(ctx: Ctx) -> list[Reply]:
    if ctx.data.get("metoo"):
        return await metoo(ctx, int(ctx.data["metoo"]))
    grid = await regions.by_id(ctx.session, ctx.data["grid"])
    assert grid is not None  # chosen from the tree in this flow
    handlers = await responders(ctx.session, grid)
    report = GridReport(
        reporter_id=ctx.person.id,
        category=ctx.data["category"],
        text=ctx.data["text"],
        photo_ref=ctx.data.get("photo"),
        place_text=ctx.data.get("place_text"),
        lat=ctx.data.get("lat"),
        lon=ctx.data.get("lon"),
        region_id=ctx.data["region"],
        grid_id=grid.id,
        assignee_id=handlers[0] if handlers else None,
        status="open",
        priority=0,
        metoo_count=0,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    set_deadlines(report, ctx.deps.config, ctx.now)
    ctx.session.add(report)
    await ctx.session.flush()
    await photos.want(
        ctx.session,
        report.photo_ref,
        report_id=report.id,
        role="before",
        person_id=ctx.person.id,
        now=ctx.now,
    )
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="report.create",
        target=f"report:{report.id}",
        now=ctx.now,
        grid_id=grid.id,
        category=report.category,
    )
    await tell(
        Sink.of(ctx),
        handlers,
        N_("reports.new_for_you"),
        report,
        choices=[
            ("reports.acknowledge", f"rack:{report.id}"),
            ("reports.view", f"/report_status {report.id}"),
        ],
        photo=report.photo_ref,  # the grid worker sees the resident's photo
        grid=grid.name,
        place=await describe_place(ctx.session, report),
        text=report.text[:200],
    )
    assert report.respond_due is not None
    return [
        ctx.reply(
            "reports.created",
            id=report.id,
            grid=grid.name,
            due=ctx.when(report.respond_due),
            choices=[Choice(ctx.t("reports.view"), f"/report_status {report.id}")],
        )
    ]


async def metoo(ctx: Ctx, report_id: int) -> list[Reply]:
    """Count the person on an open report once, raise its priority, tell who handles it."""
    report = await reports_repo.get(ctx.session, report_id)
    if report is None:
        raise UserError("reports.not_found", id=report_id)
    if report.reporter_id == ctx.person.id:
        raise UserError("reports.metoo_own", id=report.id)
    added = await reports_repo.add_metoo(ctx.session, report.id, ctx.person.id, ctx.now, ACTIVE)
    if added == "already":
        raise UserError("reports.metoo_already", id=report.id)
    if added == "gone":
        raise Conflict("reports.changed", id=report.id)
    await ctx.session.refresh(report)
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="report.metoo",
        target=f"report:{report.id}",
        now=ctx.now,
    )
    await tell(
        Sink.of(ctx),
        [report.assignee_id],
        N_("reports.metoo_notice"),
        report,
        count=report.metoo_count + 1,
    )
    return [ctx.reply("reports.metoo_done", id=report.id, count=report.metoo_count + 1)]


REPORT = Flow(
    name="report",
    guard=require_registered,
    steps=(
        Step("category", _ask_category, _take_category),
        Step("text", _ask_text, _take_text),
        Step("photo", _ask_photo, _take_photo, skip=lambda c: bool(c.data.get("photo"))),
        Step("where", _ask_where, _take_where),
        Step("place", ask_place, _take_place, skip=lambda c: not c.data.get("place_options")),
        Step("community", _ask_community, _take_community),
        Step("grid", _ask_grid, _take_grid),
        Step("building", _ask_building, _take_building),
        Step("similar", _ask_similar, _take_similar),
        Step("confirm", _ask_confirm, _take_confirm),
    ),
    finish=_finish,
)
