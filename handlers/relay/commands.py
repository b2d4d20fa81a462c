"""/msg, the "reply" button and the open thread: what a party types goes to the other side."""

from __future__ import annotations

from sqlalchemy import or_, select

from handlers.core import dialogs
from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, Flow, Step, free_text
from handlers.core.errors import InvalidInput, UserError
from handlers.core.messages import Choice, Message, Reply
from handlers.relay import thread
from handlers.relay.items import OPEN_NEEDS, OPEN_REPORTS, STANDING, Item, load
from storage.models import Assignment, GridReport, Need

END_WORDS = frozenset({"结束", "结束对话", "end", "done", "/end"})
LISTED = 8


async def msg_command(ctx: Ctx) -> list[Reply]:
    """/msg [ITEM [TEXT]]: my open threads; open one; or send TEXT at once."""
    await require_registered(ctx)
    parts = ctx.args.split(maxsplit=1)
    if not parts:
        return await _my_threads(ctx)
    item = await thread.item_from_code(ctx, parts[0])
    if len(parts) == 2:
        return [await thread.send(ctx, item, parts[1])]
    return await dialogs.begin(ctx, RELAY, answers={"kind": item.kind, "id": item.id})


async def open_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "relay:KIND:ID": open that item's thread for typing."""
    item = await _item_of_payload(ctx, args)
    return await dialogs.begin(ctx, RELAY, answers={"kind": item.kind, "id": item.id})


async def phone_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "relayphone:KIND:ID": share my number on that item."""
    return [await thread.share_phone(ctx, await _item_of_payload(ctx, args))]


async def share_phone_command(ctx: Ctx) -> list[Reply]:
    """/share_phone ITEM: share my number with the other side of that item."""
    await require_registered(ctx)
    if not ctx.args:
        raise UserError("relay.share_usage")
    return [await thread.share_phone(ctx, await thread.item_from_code(ctx, ctx.args.split()[0]))]


async def _item_of_payload(ctx: Ctx, args: list[str]) -> Item:
    if len(args) < 2 or not args[1].isdigit():
        raise UserError("relay.bad_item")
    return await thread.party_item(ctx, args[0], int(args[1]))


async def _my_threads(ctx: Ctx) -> list[Reply]:
    """The items I can write about now, newest first."""
    me = ctx.person.id
    needs = await ctx.session.execute(
        select(Need.id)
        .outerjoin(Assignment, Assignment.need_id == Need.id)
        .where(
            Need.status.in_(OPEN_NEEDS),
            or_(
                Need.person_id == me,
                Need.entered_by_id == me,
                (Assignment.person_id == me) & Assignment.status.in_(STANDING),
            ),
        )
        .distinct()
        .order_by(Need.id.desc())
        .limit(LISTED)
    )
    reports = await ctx.session.execute(
        select(GridReport.id)
        .where(
            GridReport.status.in_(OPEN_REPORTS),
            GridReport.assignee_id.is_not(None),
            or_(GridReport.reporter_id == me, GridReport.assignee_id == me),
        )
        .order_by(GridReport.id.desc())
        .limit(LISTED)
    )
    found = [("need", i) for i in needs.scalars()] + [("report", i) for i in reports.scalars()]
    items = [item for kind, i in found if (item := await load(ctx.session, kind, i)) is not None]
    items = [item for item in items if item.open and me in item.parties()]
    if not items:
        return [ctx.reply("relay.no_threads")]
    choices = [Choice(thread.title(ctx, item)[:40], item.payload) for item in items]
    return [ctx.reply("relay.pick_thread", choices=choices)]


# -- the open thread: typed words go to the other side until "结束" -------------------------------


async def _guard(ctx: Ctx) -> None:
    await thread.party_item(ctx, str(ctx.data.get("kind")), int(ctx.data.get("id", 0)))


async def _item(ctx: Ctx) -> Item:
    return await thread.party_item(ctx, str(ctx.data["kind"]), int(ctx.data["id"]))


async def _ask(ctx: Ctx) -> Reply:
    ctx.state.data["history"] = []  # one step asked again and again: nothing to go back to
    item = await _item(ctx)
    end = [Choice(ctx.t("relay.end"), "end")]
    if ctx.data.get("sent"):
        return ctx.reply("relay.ask_more", item=thread.title(ctx, item), choices=end)
    shown = await thread.lines(ctx, item)
    head = ctx.t("relay.thread_head") + "\n" + "\n".join(shown) + "\n\n" if shown else ""
    choices = list(end)
    if ctx.person.phone:
        choices.insert(0, Choice(ctx.t("relay.share_phone"), "phone"))
    return ctx.reply("relay.ask_text", thread=head, item=thread.title(ctx, item), choices=choices)


async def _take(ctx: Ctx, message: Message) -> str | None:
    item = await _item(ctx)
    if message.value == "end" or message.text.strip().lower() in END_WORDS:
        return DONE
    pressed = message.value if message.payload is not None else ""
    if pressed.startswith("relay:"):  # "回复" on another notice: that thread, from now on
        switched = await _item_of_payload(ctx, pressed.split(":")[1:])
        ctx.data.update(kind=switched.kind, id=switched.id, sent=0)
        return "text"
    if ":" in pressed:  # a button of another notice: the conversation closes, press it again
        ctx.data["pressed"] = True
        return DONE
    if message.value == "phone" and message.payload is not None:
        ctx.data["said"] = (await thread.share_phone(ctx, item)).text
        ctx.data["sent"] = int(ctx.data.get("sent", 0)) + 1
        return "text"
    text = free_text(message)
    if not text:
        raise InvalidInput("relay.empty")
    if len(text) > thread.TEXT_LIMIT:
        raise InvalidInput("relay.too_long", limit=thread.TEXT_LIMIT)
    await thread.send(ctx, item, text)
    ctx.data["sent"] = int(ctx.data.get("sent", 0)) + 1
    return "text"


async def _finish(ctx: Ctx) -> list[Reply]:
    return [ctx.reply("relay.ended_press_again" if ctx.data.get("pressed") else "relay.ended")]


RELAY = Flow(
    name="relay",
    guard=_guard,
    # the choices shown are numbered on text channels: "1" picks one, as everywhere else
    steps=(Step("text", _ask, _take),),
    finish=_finish,
)
