"""What the accepted helper sees and the resident hears: the real place, a way to reach each other.

Only the two sides of an accepted task get this: the place the resident typed (or their home
with unit and door), the sensitive note kept apart, and the relay. A number is shown only when
its owner shared it on this item, or for a resident without any channel (entered door to door
by a grid worker, who then is the one to relay through).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Ctx
from handlers.core.messages import Choice, Reply
from handlers.core.notify import Pair, Sink, notify
from handlers.needs.common import rater_id
from storage.models import Assignment, Need, Person, Region, ServiceItem
from storage.repos import needs as needs_repo
from storage.repos import regions
from storage.repos import relay as repo


async def offer_place(session: AsyncSession, region: Region) -> str:
    """Where a need is, as an offer says it: the community and grid, never the building."""
    names = []
    for level in ("community", "grid"):
        found = await regions.ancestor_at(session, region, level)
        if found is not None:
            names.append(found.name)
    return " ".join(names) or region.name


async def _where(ctx: Ctx, need: Need) -> str:
    if need.place:
        return need.place
    region = await ctx.session.get(Region, need.region_id)
    return region.name if region else "—"


async def _contact(ctx: Ctx, need: Need) -> str:
    """How the helper reaches the resident: the relay, plus a number when one may be shown."""
    beneficiary = await ctx.session.get(Person, need.person_id) if need.person_id else None
    talker = await rater_id(ctx.session, need)
    shared = await repo.shared_phone(ctx.session, "need", need.id, talker) if talker else None
    if shared:
        return ctx.t("relay.contact_shared", phone=shared)
    if beneficiary is not None and not await needs_repo.has_channel(ctx.session, beneficiary.id):
        # entered door to door: the resident cannot read messages; the entering worker relays
        entered = await ctx.session.get(Person, need.entered_by_id) if need.entered_by_id else None
        return ctx.t(
            "relay.contact_offline",
            phone=beneficiary.phone or "—",
            name=entered.display_name if entered else "—",
        )
    return ctx.t("relay.contact_relay")


async def task_reply(
    ctx: Ctx, task: Assignment, need: Need, *, head: str, status: str = ""
) -> Reply:
    """The accepted task as its volunteer sees it (`head`: "relay.task_accepted" or
    "relay.task_view"), with buttons to mark it done, write and share one's number."""
    item = await ctx.session.get(ServiceItem, need.service_item_id)
    beneficiary = await ctx.session.get(Person, need.person_id) if need.person_id else None
    text = ctx.t(
        head,
        id=need.id,  # the need's number, the one everyone uses
        item=item.name(ctx.lang) if item else "",
        name=beneficiary.display_name if beneficiary else "—",
        place=await _where(ctx, need),
        contact=await _contact(ctx, need),
        when=ctx.when(need.window_start) if need.window_start else ctx.t("tasks.any_time"),
        notes=need.notes or "—",
        status=status,
    )
    note = await repo.sensitive_note(ctx.session, need.id)
    if note:
        text += "\n" + ctx.t("relay.task_sensitive", note=note)
    choices = []
    if task.status == "active":
        choices.append(Choice(ctx.t("tasks.mark_done"), f"taskdone:{need.id}"))
    choices.append(Choice(ctx.t("relay.write"), f"relay:need:{need.id}"))
    if ctx.person.phone:
        choices.append(Choice(ctx.t("relay.share_phone"), f"relayphone:need:{need.id}"))
    return Reply(text, tuple(choices))


async def tell_resident(ctx: Ctx, need: Need, contact_id: int | None, helper: str) -> None:
    """The resident (or who entered the need) hears who took it, and how to talk to them."""
    item = await ctx.session.get(ServiceItem, need.service_item_id)
    contact = await ctx.session.get(Person, contact_id) if contact_id else None
    choices = [("relay.write", f"relay:need:{need.id}")]
    if contact is not None and contact.phone:
        choices.append(("relay.share_phone", f"relayphone:need:{need.id}"))
    await notify(
        Sink.of(ctx),
        contact_id,
        "relay.helper_found",
        choices=choices,
        id=need.id,
        item=Pair(item.name_zh, item.name_en) if item else Pair("", ""),
        name=helper,
    )
