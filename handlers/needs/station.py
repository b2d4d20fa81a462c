"""Government items (一窗受理): the need goes to the community service station's queue, not to
volunteers; the station's staff (the community's organizers) are told, the resident follows it."""

from __future__ import annotations

from handlers.core.auth import ORGANIZERS
from handlers.core.context import Ctx
from handlers.core.messages import Choice, Reply
from handlers.core.notify import Sink, notify
from storage.models import Need, ServiceItem
from storage.repos import regions, roles

STAFF = ORGANIZERS


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
