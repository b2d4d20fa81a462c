"""A chat context for an office action, so the console runs the chat's own use cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Ctx, Deps
from handlers.core.messages import Message
from storage.models import DialogState, Identity, Person

CHANNEL = "office"


def office_ctx(
    deps: Deps, session: AsyncSession, person: Person, now: datetime, args: str = ""
) -> Ctx:
    """A context acting as `person`; its identity and dialog state are never stored."""
    user_id = str(person.id)
    # Transient rows, not added to the session: the console keeps no conversation.
    identity = Identity(channel=CHANNEL, external_id=user_id, person_id=person.id)
    state = DialogState(channel=CHANNEL, user_id=user_id, data={}, choices=[])
    message = Message(channel=CHANNEL, user_id=user_id, text="", display_name=person.display_name)
    return Ctx(deps, session, message, identity, person, state, now, args)
