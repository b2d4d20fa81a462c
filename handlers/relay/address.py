"""/address: the unit and door below one's building (optional), for whoever serves one at home;
asked once where registration ends ("填写门牌地址" or "以后再说"), never a required step."""

from __future__ import annotations

from handlers.core import dialogs
from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, Flow, Step
from handlers.core.errors import InvalidInput, UserError
from handlers.core.messages import Choice, Message, Reply
from handlers.core.text import clean_text
from matching.places import Place, resolve
from storage.models import Region
from storage.repos import regions

ADDRESS_LIMIT = 60
CLEAR_WORDS = frozenset({"clear", "delete", "none", "清除", "删除", "不留"})


async def set_address(ctx: Ctx) -> list[Reply]:
    """/address [TEXT|clear]: show, set or clear the unit and door ("3单元 502")."""
    await require_registered(ctx)
    given = clean_text(ctx.args).strip()
    person = ctx.person
    if not given:
        if not person.address:
            return [ctx.reply("relay.address_none")]
        clear = Choice(ctx.t("relay.address_clear"), "/address clear")
        return [ctx.reply("relay.address_show", address=person.address, choices=[clear])]
    if given.lower() in CLEAR_WORDS:
        person.address = None
        return [ctx.reply("relay.address_cleared")]
    if len(given) > ADDRESS_LIMIT:
        raise UserError("relay.address_too_long", limit=ADDRESS_LIMIT)
    person.address = given
    return [ctx.reply("relay.address_set", address=given)]


def profile_line(ctx: Ctx) -> str:
    """The /me line: the door on file (or how to give one) and who sees it."""
    if ctx.person.address:
        return ctx.t("relay.me_address", address=ctx.person.address)
    return ctx.t("relay.me_no_address", button=ctx.t("relay.address_offer"))


# -- asked once, where registration ends: optional, skippable -------------------------------------

LATER = "later"


def offer_choices(ctx: Ctx) -> list[Choice]:
    """The buttons the end of registration shows when no door is on file: give it now, or later."""
    if ctx.person.address:
        return []
    return [
        Choice(ctx.t("relay.address_offer"), "addr:ask"),
        Choice(ctx.t("relay.address_later"), "addr:later"),
    ]


async def address_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "addr:ask" (ask the door now) or "addr:later" (nothing asked; /address any time)."""
    await require_registered(ctx)
    if args[:1] == ["ask"]:
        return await dialogs.begin(ctx, ASK_ADDRESS)
    return [ctx.reply("relay.address_later_ok")]


async def _ask_door(ctx: Ctx) -> Reply:
    return ctx.reply("relay.ask_door", choices=[Choice(ctx.t("relay.address_later"), LATER)])


async def _take_door(ctx: Ctx, message: Message) -> str | None:
    given = clean_text(message.text).strip()
    if message.value == LATER or given.lower() in CLEAR_WORDS | {"skip", "跳过", "以后再说"}:
        ctx.data["later"] = True
        return DONE
    if not given or given.startswith("/"):
        raise InvalidInput("relay.ask_door_again")
    if len(given) > ADDRESS_LIMIT:
        raise InvalidInput("relay.address_too_long", limit=ADDRESS_LIMIT)
    ctx.data["address"] = given
    return DONE


async def _finish_door(ctx: Ctx) -> list[Reply]:
    if ctx.data.get("later"):
        return [ctx.reply("relay.address_later_ok")]
    given = str(ctx.data["address"])
    building = await _building_named(ctx, given)
    person = ctx.person
    if building is not None:  # the building typed, below the home grid: the home is the building
        person.home_region_id = building.id
        given = given.replace(building.name, "").strip(" ，,、") or given
    person.address = given
    if building is not None:
        return [ctx.reply("relay.address_set_building", building=building.name, address=given)]
    return [ctx.reply("relay.address_set", address=given)]


async def _building_named(ctx: Ctx, text: str) -> Region | None:
    """A building of the person's home grid (or community) the text names for sure, if any."""
    home = await ctx.session.get(Region, ctx.person.home_region_id or 0)
    if home is None or home.level not in ("grid", "community"):
        return None
    buildings = await regions.at_level(ctx.session, "building", within=home)
    found = resolve(text, [Place(b.id, b.name) for b in buildings])
    if not found.sure or found.best is None:
        return None
    return next((b for b in buildings if b.id == found.best.id), None)


ASK_ADDRESS = Flow(
    name="address_ask",
    steps=(Step("door", _ask_door, _take_door),),
    finish=_finish_door,
)
