"""/book_cancel BOOKING [REASON]: the organizer who booked a resource, or the unit's staff,
cancel a booking; the other side is told (in their own language)."""

from __future__ import annotations

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.errors import NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Reply
from handlers.core.notify import At, notify_each
from handlers.core.numbers import require_id
from storage.models import ResourceBooking, Unit, UnitResource
from storage.repos import agencies, audit

REASON_MAX = 200


async def cancel_booking(ctx: Ctx, booking_id: int, reason: str = "") -> list[Reply]:
    """Cancel a live booking as its organizer or as staff of the resource's unit."""
    await require_registered(ctx)
    booking = await ctx.session.get(ResourceBooking, booking_id, with_for_update=True)
    resource = await ctx.session.get(UnitResource, booking.resource_id) if booking else None
    unit = await ctx.session.get(Unit, resource.unit_id) if resource else None
    if booking is None or resource is None or unit is None:
        raise UserError("units.no_booking", id=booking_id)
    by_organizer = booking.booked_by_id == ctx.person.id
    by_unit = await agencies.is_member(ctx.session, ctx.person.id, unit_id=unit.id)
    if not (by_organizer or by_unit):
        raise NotAllowed()
    if booking.status != "booked":
        raise UserError("units.booking_not_live", id=booking.id)
    reason = " ".join(reason.split())[:REASON_MAX] or "—"
    booking.status = "cancelled"
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="resource.cancel",
        target=f"resource:{resource.id}",
        now=ctx.now,
        booking=booking.id,
        reason=reason,
    )
    # The other side: the unit's staff when the organizer cancels, the organizer otherwise.
    staff = await agencies.staff_of(ctx.session, unit_id=unit.id)
    others = staff if by_organizer else [booking.booked_by_id]
    await notify_each(
        ctx,
        others,
        N_("units.booking_cancelled_notice"),
        skip=ctx.person.id,
        id=booking.id,
        name=resource.name,
        unit=unit.name,
        start=At(booking.starts_at),
        end=At(booking.ends_at),
        person=ctx.person.display_name,
        reason=reason,
    )
    return [ctx.reply("units.booking_cancelled", id=booking.id, name=resource.name)]


async def cancel_command(ctx: Ctx) -> list[Reply]:
    """/book_cancel BOOKING [REASON]."""
    words = ctx.args.split(maxsplit=1)
    if not words:
        return [ctx.reply("units.book_cancel_usage")]
    booking_id = require_id(words[0], "units.bad_booking")
    return await cancel_booking(ctx, booking_id, words[1] if len(words) > 1 else "")
