"""/activity_new: an organizer describes an activity step by step and publishes it."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from handlers.activities.checkin import new_code
from handlers.activities.common import MANAGERS, Env, skill_names
from handlers.core.auth import require_role
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step
from handlers.core.errors import InvalidInput
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.numbers import parse_int
from matching import taxonomy
from matching.understand import when
from matching.understand.skills import typed_skills
from storage.models import Activity, Region
from storage.repos import activities as repo
from storage.repos import audit, jobs, regions, roles

TITLE_MAX, BODY_MAX, PLACE_MAX = 60, 1000, 100
SLOTS_MAX = 500
SLOT_BUTTONS = 10  # choice N means N volunteers, so typing "3" means three on every channel
AUDIENCE_MAX = 12
TIME_ERRORS = {
    "unknown": N_("activities.time_format"),
    "order": N_("activities.time_order"),
    "past": N_("activities.time_past"),
}


def _text(message: Message, limit: int) -> str:
    """A free-text answer, or InvalidInput when empty, a command or too long."""
    value = message.text.strip()
    if not value or value.startswith("/"):
        raise InvalidInput("activities.text_empty")
    if len(value) > limit:
        raise InvalidInput("activities.text_too_long", limit=limit)
    return value


# -- title, text --------------------------------------------------------------------------------


async def _ask_title(ctx: Ctx) -> Reply:
    return ctx.reply("activities.ask_title")


async def _take_title(ctx: Ctx, message: Message) -> str | None:
    ctx.data["title"] = _text(message, TITLE_MAX)
    return NEXT


async def _ask_body(ctx: Ctx) -> Reply:
    return ctx.reply("activities.ask_body", choices=[Choice(ctx.t("common.skip"), "skip")])


async def _take_body(ctx: Ctx, message: Message) -> str | None:
    ctx.data["body"] = "" if message.value == "skip" else _text(message, BODY_MAX)
    return NEXT


# -- time and place ------------------------------------------------------------------------------


async def _ask_when(ctx: Ctx) -> Reply:
    if ctx.data.pop("stale", False):
        return ctx.reply("activities.ask_when_again")
    return ctx.reply("activities.ask_when")


async def _take_when(ctx: Ctx, message: Message) -> str | None:
    env = Env.of(ctx)
    local_now = ctx.now.astimezone(env.tz)
    try:
        start, end = when.span(message.text, local_now)
        if start <= local_now:
            raise when.WindowError("past")
    except when.WindowError as exc:
        raise InvalidInput(TIME_ERRORS[exc.reason]) from exc
    ctx.data["starts_at"] = start.astimezone(ctx.now.tzinfo).isoformat()
    ctx.data["ends_at"] = end.astimezone(ctx.now.tzinfo).isoformat()
    return NEXT


async def _ask_place(ctx: Ctx) -> Reply:
    return ctx.reply("activities.ask_place")


async def _take_place(ctx: Ctx, message: Message) -> str | None:
    ctx.data["place"] = _text(message, PLACE_MAX)
    return NEXT


# -- volunteers needed ---------------------------------------------------------------------------


async def _ask_slots(ctx: Ctx) -> Reply:
    choices = [
        Choice(ctx.t("activities.n_people", n=n), f"n{n}") for n in range(1, SLOT_BUTTONS + 1)
    ]
    return ctx.reply("activities.ask_slots", max=SLOTS_MAX, choices=choices)


async def _take_slots(ctx: Ctx, message: Message) -> str | None:
    value = message.value
    picked = parse_int(value[1:]) if value.startswith("n") else None
    if picked is not None:
        count = picked
    else:  # "3", "25人", "两个人", "ten volunteers"
        typed = when.parse_count(message.text, bare=True)
        if typed is None:
            raise InvalidInput("activities.slots_invalid", max=SLOTS_MAX)
        count = typed
    if not 1 <= count <= SLOTS_MAX:
        raise InvalidInput("activities.slots_invalid", max=SLOTS_MAX)
    ctx.data["slots"] = count
    return NEXT


# -- skills wanted -------------------------------------------------------------------------------


async def _ask_skills(ctx: Ctx) -> Reply:
    zh = ctx.lang.startswith("zh")
    choices = [Choice(ctx.t("activities.skills_any"), "any")]
    choices += [
        Choice(zh_en[0] if zh else zh_en[1], f"g_{g}") for g, zh_en in taxonomy.GROUPS.items()
    ]
    return ctx.reply("activities.ask_skills", choices=choices)


async def _take_skills(ctx: Ctx, message: Message) -> str | None:
    value = message.value
    if value == "any":
        ctx.data["skills"] = []
    elif value.startswith("g_") and value[2:] in taxonomy.GROUPS:
        ctx.data["skills"] = [s.code for s in taxonomy.load_skills() if s.group == value[2:]]
    elif (group := _group_named(message.text)) is not None:
        ctx.data["skills"] = [s.code for s in taxonomy.load_skills() if s.group == group]
    else:
        text = _text(message, 200)
        codes = typed_skills(text, taxonomy.load_skills()).codes  # the sign-up's reader
        if not codes:
            raise InvalidInput("activities.skills_unknown")
        ctx.data["skills"] = list(codes)
    return NEXT


def _group_named(text: str) -> str | None:
    """The taxonomy group whose Chinese or English name is typed, if any."""
    typed = unicodedata.normalize("NFKC", text).strip().lower()
    for code, (zh, en) in taxonomy.GROUPS.items():
        if typed in (zh, en.lower(), code):
            return code
    return None


# -- audience ------------------------------------------------------------------------------------


async def _audiences(ctx: Ctx) -> list[Region]:
    """Regions the organizer may address: their community first, then the subtrees they hold."""
    held = [
        g.region
        for g in await roles.active_grants(ctx.session, ctx.person.id)
        if g.role in MANAGERS
    ]
    found: list[Region] = []
    home = ctx.person.home_region
    if home is not None:
        community = await regions.ancestor_at(ctx.session, home, "community")
        if community is not None and any(regions.contains(h, community) for h in held):
            found.append(community)
    for scope in held:
        found.append(scope)
        below = "community" if scope.level in ("district", "street") else "grid"
        found += await regions.at_level(ctx.session, below, within=scope)
    unique: list[Region] = []
    for region in found:
        if region.id not in {r.id for r in unique}:
            unique.append(region)
    return unique[:AUDIENCE_MAX]


async def _region_label(ctx: Ctx, region: Region) -> str:
    if region.level in ("grid", "building") and region.parent_id:
        parent = await regions.by_id(ctx.session, region.parent_id)
        if parent is not None:
            return f"{parent.name} · {region.name}"
    return region.name


async def _ask_audience(ctx: Ctx) -> Reply:
    options = await _audiences(ctx)
    choices = [Choice(await _region_label(ctx, r), f"r{r.id}") for r in options]
    return ctx.reply("activities.ask_audience", choices=choices)


async def _take_audience(ctx: Ctx, message: Message) -> str | None:
    options = {f"r{r.id}": r for r in await _audiences(ctx)}
    if message.value not in options:
        raise InvalidInput("common.pick_from_list")
    ctx.data["region"] = options[message.value].id
    return NEXT


# -- confirm and publish -------------------------------------------------------------------------


def _times(ctx: Ctx) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(ctx.data["starts_at"]), datetime.fromisoformat(
        ctx.data["ends_at"]
    )


async def _ask_confirm(ctx: Ctx) -> Reply:
    start, end = _times(ctx)
    region = await regions.by_id(ctx.session, ctx.data["region"])
    skills = ctx.data.get("skills") or []
    return ctx.reply(
        "activities.ask_confirm",
        title=ctx.data["title"],
        when=ctx.deps.i18n.span(ctx.lang, start, end),
        place=ctx.data["place"],
        slots=ctx.data["slots"],
        skills=skill_names(ctx.deps.i18n, skills, ctx.lang)
        if skills
        else ctx.t("activities.skills_any"),
        audience=await _region_label(ctx, region) if region else "—",
        choices=[Choice(ctx.t("activities.publish"), "publish")],
    )


async def _take_confirm(ctx: Ctx, message: Message) -> str | None:
    if message.value != "publish":
        raise InvalidInput("common.pick_from_list")
    if _times(ctx)[0] <= ctx.now:  # the flow sat unanswered past the start: ask the time again
        ctx.data["stale"] = True
        return "when"
    return DONE


async def _publish(ctx: Ctx) -> list[Reply]:
    env = Env.of(ctx)
    start, end = _times(ctx)
    region = await regions.by_id(ctx.session, ctx.data["region"])
    if region is None:
        raise InvalidInput("common.pick_from_list")
    await require_role(ctx, MANAGERS, region)
    activity = Activity(
        organizer_id=ctx.person.id,
        region_id=region.id,
        title=ctx.data["title"],
        body=ctx.data.get("body", ""),
        place=ctx.data["place"],
        starts_at=start,
        ends_at=end,
        slots=ctx.data["slots"],
        skills=list(ctx.data.get("skills") or []),
        audience={"pushed": []},
        checkin_code=await new_code(env),
        status="open",
        created_at=ctx.now,
    )
    ctx.session.add(activity)
    await ctx.session.flush()
    mobilize_at = start - env.rules.mobilize_before
    if mobilize_at > ctx.now:  # the under-filled check; the scheduler runs it then
        await jobs.schedule(
            ctx.session,
            repo.MOBILIZE_KIND,
            str(activity.id),
            mobilize_at,
            ctx.now,
            {"activity_id": activity.id},
        )
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="activity.create",
        target=f"activity:{activity.id}",
        now=ctx.now,
        region_id=region.id,
    )
    opens = start - env.rules.checkin_opens
    return [
        ctx.reply(
            "activities.created",
            id=activity.id,
            title=activity.title,
            code=activity.checkin_code,
            opens=ctx.when(opens),
        )
    ]


async def _guard(ctx: Ctx) -> None:
    await require_role(ctx, MANAGERS)


NEW = Flow(
    name="activity_new",
    guard=_guard,
    steps=(
        Step("title", _ask_title, _take_title),
        Step("body", _ask_body, _take_body),
        Step("when", _ask_when, _take_when),
        Step("place", _ask_place, _take_place),
        Step("slots", _ask_slots, _take_slots, numbers=True),
        Step("skills", _ask_skills, _take_skills),
        Step("audience", _ask_audience, _take_audience),
        Step("confirm", _ask_confirm, _take_confirm),
    ),
    finish=_publish,
)
