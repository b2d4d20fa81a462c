"""Messages to people other than the sender, through the outbox, each in their own language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.core.context import Ctx
from handlers.core.messages import Choice, Reply
from storage.models import Person
from storage.repos import outbox, people


async def notify(
    ctx: Ctx,
    person_id: int,
    key: str,
    *,
    choices: Sequence[tuple[str, str]] = (),
    kind: str = "notice",
    urgent: bool = False,
    photo: str | None = None,
    **params: Any,
) -> int:
    """Queue `key` for every reachable identity of a person; choices are (label key, payload)."""
    person = await ctx.session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        return 0
    i18n = ctx.deps.i18n
    reply = Reply(
        i18n.translate(person.lang, key, **params),
        tuple(Choice(i18n.translate(person.lang, label), payload) for label, payload in choices),
        photo=photo,
    )
    count = 0
    for ident in await people.identities_of(ctx.session, person_id):
        outbox.enqueue(
            ctx.session,
            person_id=person_id,
            channel=ident.channel,
            external_id=ident.external_id,
            payload=reply.to_dict(),
            kind=kind,
            urgent=urgent,
            now=ctx.now,
        )
        count += 1
    return count
