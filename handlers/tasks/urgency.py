"""Urgent needs ("很急", "今天就要", "马上"): offered at once, also in the quiet hours, and the
community's organizers told at once (notice kinds "urgent_offer", "urgent_need" in URGENT_KINDS)."""

from __future__ import annotations

from handlers.core.auth import ORGANIZERS
from handlers.core.notify import Pair, Sink, notify
from handlers.tasks.offers import NeedView, offer_round
from storage.models import Need, Person
from storage.repos import regions, roles


async def raise_urgent(sink: Sink, need: Need, actor_id: int | None) -> int:
    """Tell the community's organizers now and offer the need now; returns organizers told."""
    view = await NeedView.load(sink.session, need)
    community = await regions.ancestor_at(sink.session, view.region, "community") or view.region
    person = await sink.session.get(Person, need.person_id) if need.person_id else None
    told = 0
    for person_id in await roles.holders(sink.session, ORGANIZERS, community):
        await notify(
            sink,
            person_id,
            "urgency.alert",
            kind="urgent_need",
            urgent=True,
            choices=[("needs.view", f"/need_status {need.id}")],
            id=need.id,
            item=Pair(view.item.name_zh, view.item.name_en),
            place=view.region.name,
            name=person.display_name if person else "—",
        )
        told += 1
    await offer_round(sink, sink.config, need, actor_id)
    return told
