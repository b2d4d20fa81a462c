"""A resident asks for a service (/need, 需求): what, when, where, notes → a need, status "open"."""

from __future__ import annotations

from handlers.core.auth import require_registered, require_sensitive_consent
from handlers.core.context import Ctx
from handlers.core.dialogs import Flow
from handlers.core.errors import UserError
from handlers.core.messages import Choice, Reply
from handlers.core.notify import Sink
from handlers.needs import sensitive, steps
from handlers.needs.station import to_station
from handlers.person_requests import forward
from storage.models import Need, ServiceItem
from storage.repos import audit
from storage.repos import relay as relay_repo


async def _prepare(ctx: Ctx) -> None:
    await require_registered(ctx)
    if ctx.person.home_region_id is None:
        raise UserError("needs.no_home")
    ctx.data["home"] = ctx.person.home_region_id


def _urgency(ctx: Ctx) -> str:
    """ "urgent" when the request, the typed time or the notes say so ("很急", "今天就要")."""
    return "urgent" if steps.said_urgent(ctx) else "normal"


def create_need(ctx: Ctx, person_id: int, region_id: int, **extra: object) -> Need:
    """A new open need from the flow's answers (added to the session)."""
    start, end = steps.chosen_window(ctx)
    need = Need(
        person_id=person_id,
        entered_by_id=ctx.person.id,
        service_item_id=ctx.data["item"],
        region_id=region_id,
        place=ctx.data.get("place", ""),
        window_start=start,
        window_end=end,
        notes=ctx.data.get("notes", ""),
        skills=list(ctx.data.get("skills", [])),
        words=list(ctx.data.get("words", {}).get(str(ctx.data["item"]), [])),
        status="open",
        urgency=_urgency(ctx),
        created_at=ctx.now,
        updated_at=ctx.now,
        **extra,
    )
    ctx.session.add(need)
    return need


async def _finish(ctx: Ctx) -> list[Reply]:
    if ctx.data.get("to_person"):  # "none of these": the sentence goes to the organizers
        return await forward(ctx, str(ctx.data.get("query", "")))
    need = create_need(ctx, ctx.person.id, ctx.data["home"])
    await ctx.session.flush()
    if ctx.data.get("sensitive"):  # kept apart, and only with the separate consent
        await require_sensitive_consent(ctx)
        relay_repo.keep_sensitive_note(ctx.session, need.id, ctx.data["sensitive"], ctx.now)
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="need.create",
        target=f"need:{need.id}",
        now=ctx.now,
        item=need.service_item_id,
    )
    item = await ctx.session.get(ServiceItem, need.service_item_id)
    if item is not None and item.handler == "station":
        return await to_station(ctx, need, item)
    urgent = await _urgent(ctx, need)
    replies = [
        ctx.reply(
            "needs.created",
            id=need.id,
            item=item.name(ctx.lang) if item else "",
            choices=[Choice(ctx.t("needs.view"), f"/need_status {need.id}")],
        ),
        *urgent,
    ]
    if ctx.data.get("at_home") and not ctx.person.address:
        replies.append(ctx.reply("needs.address_hint"))
    return replies


async def _urgent(ctx: Ctx, need: Need) -> list[Reply]:
    """An urgent need is offered and the organizers told now (handlers/tasks/urgency.py)."""
    if need.urgency != "urgent":
        return []
    from handlers.tasks.urgency import raise_urgent  # here: handlers.tasks imports needs

    await raise_urgent(Sink.of(ctx), need, ctx.person.id)
    return [ctx.reply("urgency.noted", id=need.id)]


NEED = Flow(
    name="need",
    guard=_prepare,
    steps=(
        steps.WHAT,
        steps.ITEM,
        steps.WHEN,
        steps.PLACE,
        sensitive.NOTES,
        steps.confirm(sensitive.summary_extra),
    ),
    finish=_finish,
)
