"""Sign-in links for the office console, sent to a staff member's own chat (/office, the CLI)."""

from __future__ import annotations

from datetime import timedelta

from handlers.core.auth import STAFF_ROLES, require_role
from handlers.core.context import Ctx
from handlers.core.errors import NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Reply
from handlers.core.notify import Sink, notify
from storage.models import Person
from storage.repos import audit, office, roles


def login_url(public_url: str, token: str) -> str:
    """Where a sign-in link points."""
    return f"{public_url.rstrip('/')}/office/login/{token}"


def _new_link(sink: Sink, person_id: int) -> tuple[str, int]:
    public_url = sink.config.office.public_url
    if not public_url:
        raise UserError("office.no_public_url")
    minutes = sink.config.office.link_minutes
    token = office.create_link(sink.session, person_id, sink.now, timedelta(minutes=minutes))
    audit.record(
        sink.session,
        actor_id=person_id,
        action="office.link",
        target=f"person:{person_id}",
        now=sink.now,
    )
    return login_url(public_url, token), minutes


async def office_command(ctx: Ctx) -> list[Reply]:
    """/office (staff): a one-time link that signs this person in to the office console."""
    await require_role(ctx, STAFF_ROLES)
    url, minutes = _new_link(Sink.of(ctx), ctx.person.id)
    return [ctx.reply("office.link", url=url, minutes=minutes)]


async def send_link(sink: Sink, person: Person) -> int:
    """Send a sign-in link to a staff member's chats (the CLI); returns how many chats got it."""
    if person.erased_at is not None:
        raise NotAllowed()
    if not any(g.role in STAFF_ROLES for g in await roles.active_grants(sink.session, person.id)):
        raise NotAllowed()
    url, minutes = _new_link(sink, person.id)
    return await notify(
        sink, person.id, N_("office.link"), kind="signin", urgent=True, url=url, minutes=minutes
    )
