"""Help on someone's behalf (/need_for, 替家人求助): a family member asks for a parent.

The parent is the served person (need.person_id; recorded without a channel of their own, at the
asker's home unless a place is typed), the asker is who entered it (need.entered_by_id) and follows
it: they are told, confirm the task and rate it. The asker must say the parent agreed ("已征得本人
同意"); the relation and the time of that consent are kept on the need and in the audit log.
Grid workers' door-to-door entry is /visit (handlers/needs/visit.py).
"""

from __future__ import annotations

from sqlalchemy import select

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step, choice_step, free_text
from handlers.core.errors import InvalidInput, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import Sink
from handlers.core.text import NAME
from handlers.needs import steps
from handlers.needs.request import create_need
from storage.models import Need, Person, ServiceItem
from storage.repos import audit

RELATIONS = (
    (N_("behalf.relation_parent"), "parent"),
    (N_("behalf.relation_spouse"), "spouse"),
    (N_("behalf.relation_relative"), "relative"),
    (N_("behalf.relation_neighbour"), "neighbour"),
)


async def _prepare(ctx: Ctx) -> None:
    await require_registered(ctx)
    if ctx.person.home_region_id is None:
        raise UserError("needs.no_home")
    ctx.data["home"] = ctx.person.home_region_id


async def _ask_who(ctx: Ctx) -> Reply:
    return ctx.reply("behalf.ask_who")


async def _take_who(ctx: Ctx, message: Message) -> str | None:
    name = free_text(message)
    if not name:
        raise InvalidInput("behalf.name_empty")
    if not NAME.fits(name):
        raise InvalidInput("behalf.name_too_long", limit=NAME.limit)
    ctx.data["name"] = name
    return NEXT


async def _ask_consent(ctx: Ctx) -> Reply:
    return ctx.reply(
        "behalf.ask_consent",
        name=ctx.data["name"],
        choices=[
            Choice(ctx.t("behalf.consent_yes"), "yes"),
            Choice(ctx.t("behalf.consent_no"), "no"),
        ],
    )


async def _take_consent(ctx: Ctx, message: Message) -> str | None:
    """Asking for someone needs their agreement: without it nothing is recorded."""
    if message.value not in ("yes", "no"):
        raise InvalidInput("common.pick_from_list")
    if message.value == "no":
        ctx.data["refused"] = True
        return DONE
    ctx.data["consent_at"] = ctx.now.isoformat()
    return NEXT


async def _summary_extra(ctx: Ctx) -> str:
    relation = dict((v, k) for k, v in RELATIONS).get(ctx.data.get("relation", ""), "")
    return ctx.t(
        "behalf.summary", name=ctx.data["name"], relation=ctx.t(relation) if relation else "—"
    )


async def _served_person(ctx: Ctx) -> Person:
    """The parent: the one this asker asked for before under the same name, or a new record."""
    rows = await ctx.session.execute(
        select(Person)
        .join(Need, Need.person_id == Person.id)
        .where(
            Need.entered_by_id == ctx.person.id,
            Need.relation.is_not(None),
            Person.display_name == ctx.data["name"],
            Person.erased_at.is_(None),
        )
        .limit(1)
    )
    person = rows.scalar_one_or_none()
    if person is not None:
        return person
    person = Person(
        display_name=ctx.data["name"],
        lang=ctx.person.lang,
        home_region_id=ctx.data["home"],
        created_at=ctx.now,
    )
    ctx.session.add(person)
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="person.enter",
        target=f"person:{person.id}",
        now=ctx.now,
        region_id=ctx.data["home"],
    )
    return person


async def _finish(ctx: Ctx) -> list[Reply]:
    if ctx.data.get("refused"):
        return [ctx.reply("behalf.consent_needed", name=ctx.data["name"])]
    served = await _served_person(ctx)
    need = create_need(
        ctx, served.id, ctx.data["home"], relation=ctx.data["relation"], consent_at=ctx.now
    )
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="need.on_behalf",
        target=f"need:{need.id}",
        now=ctx.now,
        person_id=served.id,
        relation=ctx.data["relation"],
        consent="已征得本人同意",
    )
    item = await ctx.session.get(ServiceItem, need.service_item_id)
    replies = [
        ctx.reply(
            "behalf.created",
            id=need.id,
            item=item.name(ctx.lang) if item else "",
            name=served.display_name,
            choices=[Choice(ctx.t("needs.view"), f"/need_status {need.id}")],
        )
    ]
    if need.urgency == "urgent":  # offered and the organizers told now
        from handlers.tasks.urgency import raise_urgent  # here: handlers.tasks imports needs

        await raise_urgent(Sink.of(ctx), need, ctx.person.id)
        replies.append(ctx.reply("urgency.noted", id=need.id))
    return replies


NEED_FOR = Flow(
    name="need_for",
    guard=_prepare,
    steps=(
        Step("who", _ask_who, _take_who),
        choice_step("relation", N_("behalf.ask_relation"), RELATIONS, store="relation"),
        Step("consent", _ask_consent, _take_consent),
        steps.WHAT,
        steps.ITEM,
        steps.WHEN,
        steps.PLACE,
        steps.NOTES,
        steps.confirm(_summary_extra),
    ),
    finish=_finish,
)
