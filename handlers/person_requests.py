"""Talking to a person (转人工): the resident's message goes to the community's organizers as an
item they answer in the bot, and the answer reaches the resident on their own channel."""

from __future__ import annotations

from sqlalchemy import select

from handlers.core import dialogs
from handlers.core.auth import ORGANIZERS, require_registered, require_role
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, Flow, Step, free_text
from handlers.core.errors import InvalidInput, UserError
from handlers.core.features import Feature
from handlers.core.i18n import N_
from handlers.core.messages import Message, Reply
from handlers.core.notify import Sink, notify
from handlers.core.numbers import require_id
from storage.models import PersonRequest, Region
from storage.repos import regions, roles

TEXT_LIMIT = 500
ORGANIZERS = ORGANIZERS


async def _community(ctx: Ctx) -> Region | None:
    if ctx.person.home_region_id is None:
        return None
    home = await regions.by_id(ctx.session, ctx.person.home_region_id)
    if home is None:
        return None
    return await regions.ancestor_at(ctx.session, home, "community") or home


async def forward(ctx: Ctx, text: str, *, urgent: bool = False) -> list[Reply]:
    """Put a resident's message to the organizers of their community; tell the resident.
    `urgent` (an emergency): the organizers are told at once, in the quiet hours too."""
    await require_registered(ctx)
    community = await _community(ctx)
    request = PersonRequest(
        person_id=ctx.person.id,
        region_id=community.id if community else None,
        text=text[:TEXT_LIMIT],
        status="open",
        created_at=ctx.now,
    )
    ctx.session.add(request)
    await ctx.session.flush()
    sink = Sink.of(ctx)
    staff = await roles.holders(ctx.session, ORGANIZERS, community) if community else []
    for person_id in staff:
        await notify(
            sink,
            person_id,
            "person_requests.alert_urgent" if urgent else "person_requests.alert",
            choices=[("person_requests.answer_button", f"pans:{request.id}")],
            urgent=urgent,
            id=request.id,
            name=ctx.person.display_name,
            text=request.text,
        )
    dialogs.clear(ctx)
    return [ctx.reply("person_requests.forwarded", id=request.id)]


async def _ask_text(ctx: Ctx) -> Reply:
    return ctx.reply("person_requests.ask_text")


async def _take_text(ctx: Ctx, message: Message) -> str | None:
    text = free_text(message)
    if not text:
        raise InvalidInput("person_requests.text_empty")
    ctx.data["text"] = text
    return DONE


async def _finish_human(ctx: Ctx) -> list[Reply]:
    return await forward(ctx, str(ctx.data["text"]))


HUMAN = Flow(
    name="human",
    steps=(Step("text", _ask_text, _take_text),),
    finish=_finish_human,
    person_exit=False,
)


async def _open_request(ctx: Ctx, request_id: int) -> PersonRequest:
    """The request, if the organizer holds its community; refused otherwise."""
    request = await ctx.session.get(PersonRequest, request_id)
    if request is None:
        raise UserError("person_requests.not_found", id=request_id)
    region = await regions.by_id(ctx.session, request.region_id) if request.region_id else None
    await require_role(ctx, ORGANIZERS, region)
    if request.status != "open":
        raise UserError("person_requests.already_answered", id=request.id)
    return request


async def answer_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "pans:ID": the organizer writes the answer next."""
    request = await _open_request(
        ctx, require_id(args[0] if args else "", "person_requests.bad_id")
    )
    return await dialogs.begin(ctx, ANSWER, answers={"request": request.id})


async def answer_command(ctx: Ctx) -> list[Reply]:
    """`/answer ID TEXT`: answer a resident's request directly."""
    number, _, text = ctx.args.partition(" ")
    request = await _open_request(ctx, require_id(number, "person_requests.bad_id"))
    if not text.strip():
        return await dialogs.begin(ctx, ANSWER, answers={"request": request.id})
    return await _send(ctx, request, text.strip())


async def _send(ctx: Ctx, request: PersonRequest, text: str) -> list[Reply]:
    request.status = "answered"
    request.answer = text[:TEXT_LIMIT]
    request.answered_by_id = ctx.person.id
    request.answered_at = ctx.now
    await notify(
        ctx,
        request.person_id,
        "person_requests.answered",
        id=request.id,
        name=ctx.person.display_name,
        text=request.answer,
    )
    dialogs.clear(ctx)
    return [ctx.reply("person_requests.sent", id=request.id)]


async def _ask_answer(ctx: Ctx) -> Reply:
    request = await ctx.session.get(PersonRequest, ctx.data["request"])
    return ctx.reply("person_requests.ask_answer", text=request.text if request else "")


async def _take_answer(ctx: Ctx, message: Message) -> str | None:
    text = free_text(message)
    if not text:
        raise InvalidInput("person_requests.text_empty")
    ctx.data["text"] = text
    return DONE


async def _finish_answer(ctx: Ctx) -> list[Reply]:
    request = await _open_request(ctx, int(ctx.data["request"]))
    return await _send(ctx, request, str(ctx.data["text"]))


ANSWER = Flow(
    name="answer",
    steps=(Step("text", _ask_answer, _take_answer),),
    finish=_finish_answer,
    person_exit=False,
)


async def list_open(ctx: Ctx) -> list[Reply]:
    """`/asked`: the open requests of the organizer's communities."""
    await require_role(ctx, ORGANIZERS)
    rows = (
        await ctx.session.execute(
            select(PersonRequest).where(PersonRequest.status == "open").order_by(PersonRequest.id)
        )
    ).scalars()
    lines = []
    for request in rows:
        region = await regions.by_id(ctx.session, request.region_id) if request.region_id else None
        if region is not None and await roles.holds(ctx.session, ctx.person.id, ORGANIZERS, region):
            lines.append(ctx.t("person_requests.line", id=request.id, text=request.text[:40]))
    if not lines:
        return [ctx.reply("person_requests.none_open")]
    return [ctx.reply("person_requests.open_list", lines="\n".join(lines))]


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature(
    "person_requests",
    commands={
        "human": HUMAN,
        "answer": answer_command,
        "asked": list_open,
    },
    flows=(ANSWER,),
    keywords={"转人工": "human", "人工": "human", "人工服务": "human"},
    payloads={"pans": answer_button},
    help=[(N_("person_requests.help"), None), (N_("person_requests.help_organizer"), ORGANIZERS)],
)
