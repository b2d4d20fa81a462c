"""Government items (一窗受理): the need goes to the community service station's queue, not to
volunteers; the station's staff (the community's organizers) are told and move it along in chat,
the resident follows it with a label of its own.

A station need uses the need statuses with the station's words: open 待受理, matching 已受理
(taken into the queue; dispatch never offers a station item), assigned 办理中, done 已办结,
cancelled 已撤销. Staff move it with the buttons of `/need_status ID` or `/need_progress ID 办理中`.
"""

from __future__ import annotations

import unicodedata

from handlers.core.auth import ORGANIZERS, require_registered
from handlers.core.context import Ctx
from handlers.core.errors import Conflict, NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Reply
from handlers.core.notify import Key, Pair, Sink, notify
from handlers.needs.common import STATUS_LABELS, is_staff_for, item_of, load, rater_id
from handlers.needs.lifecycle import set_status
from storage.models import Need, ServiceItem
from storage.repos import regions, roles

STAFF = ORGANIZERS
STATION_LABELS = {
    "open": N_("needs.station_status_open"),
    "matching": N_("needs.station_status_matching"),
    "assigned": N_("needs.station_status_assigned"),
    "done": N_("needs.station_status_done"),
    "cancelled": N_("needs.station_status_cancelled"),
}
# The staff's next moves, in order, with their button labels.
MOVES = {
    "matching": N_("needs.station_move_matching"),
    "assigned": N_("needs.station_move_assigned"),
    "done": N_("needs.station_move_done"),
}
# Forward only: a station need is not handed back to matching as a volunteer's may be.
FORWARD = {"open": ("matching", "assigned"), "matching": ("assigned",), "assigned": ("done",)}
# What staff may type after `/need_progress ID`: the label or the move, in either language.
WORDS = {
    "matching": ("已受理", "受理", "accepted", "accept", "received"),
    "assigned": ("办理中", "开始办理", "办理", "in progress", "processing", "start"),
    "done": ("已办结", "办结", "办完", "完成", "done", "completed", "finished"),
}


def status_label(item: ServiceItem, status: str) -> str:
    """The catalog key of a need's status as its resident reads it: the station's own words."""
    labels = STATION_LABELS if item.handler == "station" else STATUS_LABELS
    return labels[status]


async def to_station(ctx: Ctx, need: Need, item: ServiceItem) -> list[Reply]:
    """Queue a need for the station's staff and tell the resident where it went."""
    home = await regions.by_id(ctx.session, need.region_id)
    community = await regions.ancestor_at(ctx.session, home, "community") if home else None
    sink = Sink.of(ctx)
    for person_id in await roles.holders(ctx.session, STAFF, community or home) if home else []:
        await notify(
            sink,
            person_id,
            "needs.station_alert",
            choices=[("needs.view", f"/need_status {need.id}")],
            id=need.id,
            item=item.name_zh,
            name=ctx.person.display_name,
            said=need.notes or "",
        )
    return [
        ctx.reply(
            "needs.created_station",
            id=need.id,
            item=item.name(ctx.lang),
            choices=[Choice(ctx.t("needs.view"), f"/need_status {need.id}")],
        )
    ]


def staff_moves(ctx: Ctx, need: Need, item: ServiceItem) -> list[Choice]:
    """The buttons that move a station need along (for the station's staff only)."""
    if item.handler != "station":
        return []
    allowed = FORWARD.get(need.status, ())
    return [
        Choice(ctx.t(label), f"needst:{need.id}:{need.status}:{target}")
        for target, label in MOVES.items()
        if target in allowed
    ]


async def _move(ctx: Ctx, need: Need, seen: str, target: str) -> list[Reply]:
    """Move a station need from `seen` to `target` and tell its resident, in their words."""
    item = await item_of(ctx.session, need)
    if item.handler != "station":
        raise UserError("needs.not_station", id=need.id)
    if not await is_staff_for(ctx, need):
        raise NotAllowed()
    if need.status != seen:
        raise Conflict("needs.changed", id=need.id)
    if target not in FORWARD.get(seen, ()):
        raise Conflict("needs.bad_transition", id=need.id)
    await set_status(Sink.of(ctx), need, target, ctx.person.id, announce=False)
    recipient = await rater_id(ctx.session, need)
    if recipient is not None and recipient != ctx.person.id:
        await notify(
            ctx,
            recipient,
            "needs.station_notice",
            choices=[("needs.view", f"/need_status {need.id}")],
            id=need.id,
            item=Pair(item.name_zh, item.name_en),
            status=Key(STATION_LABELS[target]),
        )
    return [
        ctx.reply(
            "needs.station_moved",
            id=need.id,
            status=ctx.t(STATION_LABELS[target]),
            choices=staff_moves(ctx, need, item),
        )
    ]


async def move_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "needst:ID:SEEN:TARGET" on a station need."""
    await require_registered(ctx)
    if len(args) < 3 or args[2] not in MOVES:
        raise Conflict("needs.changed", id="?")
    need = await load(ctx, args[0])
    return await _move(ctx, need, args[1], args[2])


def _target(word: str) -> str | None:
    said = unicodedata.normalize("NFKC", word).strip().lower()
    return next((target for target, words in WORDS.items() if said in words), None)


async def progress_command(ctx: Ctx) -> list[Reply]:
    """`/need_progress ID 办理中|已办结|已受理`: staff move a station need in words."""
    await require_registered(ctx)
    number, _, word = ctx.args.strip().partition(" ")
    target = _target(word)
    if not number or target is None:
        raise UserError("needs.progress_usage")
    need = await load(ctx, number)
    return await _move(ctx, need, need.status, target)
