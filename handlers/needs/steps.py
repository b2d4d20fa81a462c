"""Dialog steps both need flows ask: which service, when, where, notes, and the confirmation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Step, free_text, optional_text_step
from handlers.core.errors import InvalidInput
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.needs import catalog, windows
from handlers.needs.common import NOTES_LIMIT, place_label, window_text
from matching.understand.urgency import is_urgent
from storage.models import ServiceItem
from storage.repos import needs as needs_repo
from storage.repos import regions

QUERY_LIMIT = 100
PLACE_LIMIT = 100
PRESET_LABELS = {
    "today_pm": N_("needs.when_today_pm"),
    "tomorrow_am": N_("needs.when_tomorrow_am"),
    "tomorrow_pm": N_("needs.when_tomorrow_pm"),
    "weekend": N_("needs.when_weekend"),
}
WINDOW_ERRORS = {
    "unknown": N_("needs.window_unknown"),
    "past": N_("needs.window_past"),
    "order": N_("needs.window_order"),
    "far": N_("needs.window_far"),
}


def local_now(ctx: Ctx) -> datetime:
    """The current time in the deployment's zone (LINLI_TZ)."""
    return ctx.now.astimezone(ZoneInfo(ctx.deps.config.tz))


# -- which service -------------------------------------------------------------------------------


async def _ask_what(ctx: Ctx) -> Reply:
    return ctx.reply("needs.ask_what")


async def _take_what(ctx: Ctx, message: Message) -> str | None:
    text = free_text(message)
    if not text:
        raise InvalidInput("needs.what_empty")
    if len(text) > QUERY_LIMIT:
        raise InvalidInput("needs.what_too_long", limit=QUERY_LIMIT)
    hits, reading = catalog.read(text, await needs_repo.service_items(ctx.session))
    if not hits:
        raise InvalidInput("needs.no_match", text=text[:30])
    ctx.data["query"] = text
    ctx.data["hits"] = [hit.item.id for hit in hits]
    # kept for dispatch and for the volunteer's explanation: what the sentence itself said
    ctx.data["skills"] = list(reading.sentence_skills[:3])
    ctx.data["words"] = {str(hit.item.id): list(hit.words[:4]) for hit in hits}
    return NEXT


async def _ask_item(ctx: Ctx) -> Reply:
    items = [await ctx.session.get(ServiceItem, item_id) for item_id in ctx.data["hits"]]
    choices = [Choice(item.name(ctx.lang), f"s{item.id}") for item in items if item is not None]
    # The resident's own need goes to a person then; a door-to-door entry is described again.
    none = "needs.none_to_person" if ctx.state.flow == "need" else "needs.none_of_these"
    choices.append(Choice(ctx.t(none), "again"))
    return ctx.reply("needs.ask_item", choices=choices)


async def _take_item(ctx: Ctx, message: Message) -> str | None:
    if message.value == "again":
        if ctx.state.flow == "need":  # the resident's own need: a person reads it (转人工)
            ctx.data["to_person"] = True
            return DONE
        return "what"
    allowed = {f"s{item_id}": item_id for item_id in ctx.data.get("hits", [])}
    if message.value not in allowed:
        raise InvalidInput("common.pick_from_list")
    ctx.data["item"] = allowed[message.value]
    return NEXT


# -- when ----------------------------------------------------------------------------------------


async def _ask_when(ctx: Ctx) -> Reply:
    codes = windows.available_presets(local_now(ctx))
    choices = [Choice(ctx.t(PRESET_LABELS[code]), code) for code in codes]
    choices.append(Choice(ctx.t("needs.when_flexible"), "flexible"))
    return ctx.reply("needs.ask_when", choices=choices)


async def _take_when(ctx: Ctx, message: Message) -> str | None:
    value, now = message.value, local_now(ctx)
    if value == "flexible":
        ctx.data["start"] = ctx.data["end"] = None
        return NEXT
    try:
        if value in windows.PRESETS and message.payload is not None:
            start, end = windows.check(*windows.preset(value, now), now)
        else:
            said = free_text(message)
            start, end = windows.parse(said, now)
            ctx.data["when_said"] = said  # "很急，今天下午就要" also says how urgent
    except windows.WindowError as exc:
        raise InvalidInput(WINDOW_ERRORS[exc.reason]) from exc
    ctx.data["start"] = start.astimezone(UTC).isoformat()
    ctx.data["end"] = end.astimezone(UTC).isoformat()
    return NEXT


def chosen_window(ctx: Ctx) -> tuple[datetime | None, datetime | None]:
    """The window answered so far, in UTC (None, None for "any time")."""
    start, end = ctx.data.get("start"), ctx.data.get("end")
    if not start or not end:
        return None, None
    return datetime.fromisoformat(start), datetime.fromisoformat(end)


# -- where ---------------------------------------------------------------------------------------


async def _home_label(ctx: Ctx) -> str:
    home = await regions.by_id(ctx.session, ctx.data["home"])
    return await place_label(ctx.session, home) if home else ""


async def _ask_place(ctx: Ctx) -> Reply:
    home = await _home_label(ctx)
    return ctx.reply(
        "needs.ask_place", choices=[Choice(ctx.t("needs.place_home", place=home[:40]), "home")]
    )


async def _take_place(ctx: Ctx, message: Message) -> str | None:
    if message.value == "home":
        # the door (unit, room) the person keeps with /address completes the home's place
        door = ctx.person.address if ctx.state.flow == "need" else None
        ctx.data["place"] = " ".join(filter(None, (await _home_label(ctx), door)))
        ctx.data["at_home"] = True
        return NEXT
    text = free_text(message)
    if not text:
        raise InvalidInput("needs.place_empty")
    if len(text) > PLACE_LIMIT:
        raise InvalidInput("needs.place_too_long", limit=PLACE_LIMIT)
    ctx.data["place"], ctx.data["at_home"] = text, False
    return NEXT


# -- notes and confirmation ----------------------------------------------------------------------


NOTES = optional_text_step(
    "notes",
    N_("needs.ask_notes"),
    "notes",
    limit=NOTES_LIMIT,
    empty=N_("needs.notes_empty"),
    too_long=N_("needs.notes_too_long"),
)


def said_urgent(ctx: Ctx) -> bool:
    """Whether the request, the typed time or the notes say it is urgent ("很急", "今天就要")."""
    said = " ".join(str(ctx.data.get(key) or "") for key in ("query", "when_said", "notes"))
    return is_urgent(said)


async def summary(ctx: Ctx) -> str:
    """The answers so far, as shown before confirming."""
    item = await ctx.session.get(ServiceItem, ctx.data["item"])
    start, end = chosen_window(ctx)
    text = ctx.t(
        "needs.summary",
        item=item.name(ctx.lang) if item else "",
        window=window_text(ctx, start, end),
        place=ctx.data.get("place", ""),
        notes=ctx.data.get("notes") or "—",
    )
    return text + "\n" + ctx.t("urgency.summary_line") if said_urgent(ctx) else text


def confirm(extra: Callable[[Ctx], Awaitable[str]] | None = None) -> Step:
    """The last step: the summary (plus `extra` lines) and a submit button."""

    async def ask(ctx: Ctx) -> Reply:
        text = await summary(ctx)
        more = await extra(ctx) if extra is not None else ""
        if more:
            text += "\n" + more
        return Reply(
            ctx.t("needs.ask_confirm", summary=text), (Choice(ctx.t("needs.submit"), "submit"),)
        )

    return Step("confirm", ask, _take_confirm)


async def _take_confirm(ctx: Ctx, message: Message) -> str | None:
    if message.value != "submit":
        raise InvalidInput("common.pick_from_list")
    return DONE


WHAT = Step("what", _ask_what, _take_what)
ITEM = Step("item", _ask_item, _take_item)
WHEN = Step("when", _ask_when, _take_when)
PLACE = Step("place", _ask_place, _take_place)
