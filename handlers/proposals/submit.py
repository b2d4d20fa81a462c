"""/propose: title, text, similar open proposals (co-sign one instead?), scope, category."""

from __future__ import annotations

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step, said_or, use_said
from handlers.core.errors import InvalidInput, UserError
from handlers.core.messages import Choice, Message, Reply
from handlers.proposals import similarity
from handlers.proposals.common import (
    BODY_MAX,
    CATEGORIES,
    SCOPE_LABELS,
    SCOPE_LEVELS,
    TITLE_MAX,
    home_community,
    status_label,
    threshold,
)
from handlers.proposals.cosign import cosign
from storage.models import Proposal
from storage.repos import proposals as repo
from storage.repos import regions


async def _prepare(ctx: Ctx) -> None:
    """Only registered residents with a home community propose, and only for their own places."""
    await require_registered(ctx)
    community = await home_community(ctx)
    if community is None or not ctx.person.home_region_id:
        raise UserError("proposals.no_home")
    home = await regions.by_id(ctx.session, ctx.person.home_region_id)
    scopes = []
    for level in SCOPE_LEVELS:
        region = await regions.ancestor_at(ctx.session, home, level) if home else None
        if region is not None:
            scopes.append([level, region.id, region.name])
    ctx.data["community"] = community.id
    ctx.data["scopes"] = scopes


def _text_of(message: Message) -> str:
    return message.text.strip()


# -- title and text ------------------------------------------------------------------------------


async def _ask_title(ctx: Ctx) -> Reply:
    return ctx.reply("proposals.ask_title", limit=TITLE_MAX)


async def _take_title(ctx: Ctx, message: Message) -> str | None:
    title = " ".join(_text_of(message).split())
    if not title:
        raise InvalidInput("proposals.title_empty")
    if len(title) > TITLE_MAX:
        raise InvalidInput("proposals.title_too_long", limit=TITLE_MAX, length=len(title))
    ctx.data["title"] = title
    return NEXT


async def _ask_body(ctx: Ctx) -> Reply:
    said = str(ctx.data.get("said") or "")
    if said:  # the sentence that started the proposal (handlers/understanding.py) says it
        return ctx.reply(
            "proposals.ask_body_said", limit=BODY_MAX, said=said, choices=[use_said(ctx)]
        )
    return ctx.reply("proposals.ask_body", limit=BODY_MAX)


async def _take_body(ctx: Ctx, message: Message) -> str | None:
    said = str(ctx.data.get("said") or "")
    body = said_or(message, said, _text_of(message))
    if not body:
        raise InvalidInput("proposals.body_empty")
    if len(body) > BODY_MAX:
        raise InvalidInput("proposals.body_too_long", limit=BODY_MAX, length=len(body))
    ctx.data["body"] = body
    ctx.data["similar"] = await _similar_ids(ctx)
    return NEXT


async def _similar_ids(ctx: Ctx) -> list[int]:
    """Open proposals of the community like this one that the person could still co-sign."""
    mine = {p.id for p in await repo.of_person(ctx.session, ctx.person.id, limit=1000)}
    candidates = [
        (p.id, p.title, p.body)
        for p in await repo.in_community(ctx.session, ctx.data["community"])
        if p.id not in mine
    ]
    found = similarity.similar(ctx.data["title"], ctx.data["body"], candidates)
    return [pid for pid, _ in found]


# -- similar proposals ---------------------------------------------------------------------------


async def _ask_similar(ctx: Ctx) -> Reply:
    lines, choices = [], []
    community = await regions.by_id(ctx.session, ctx.data["community"])
    need = threshold(ctx.deps.config, community) if community else 0
    for pid in ctx.data["similar"]:
        proposal = await repo.get(ctx.session, pid)
        if proposal is None:
            continue
        lines.append(
            ctx.t(
                "proposals.similar_line",
                id=pid,
                title=proposal.title,
                status=status_label(ctx, proposal),
                count=proposal.cosign_count,
                need=need,
            )
        )
        choices.append(Choice(ctx.t("proposals.btn.cosign_this", id=pid), f"p{pid}"))
    choices.append(Choice(ctx.t("proposals.btn.create_anyway"), "new"))
    return ctx.reply("proposals.similar_found", items="\n".join(lines), choices=choices)


async def _take_similar(ctx: Ctx, message: Message) -> str | None:
    value = message.value
    if value == "new":
        ctx.data["cosign_instead"] = None
        return NEXT
    if value in [f"p{pid}" for pid in ctx.data["similar"]]:
        ctx.data["cosign_instead"] = int(value[1:])
        return DONE
    raise InvalidInput("common.pick_from_list")


# -- scope and category --------------------------------------------------------------------------


async def _ask_scope(ctx: Ctx) -> Reply:
    choices = [
        Choice(ctx.t(SCOPE_LABELS[level], name=name), level)
        for level, _id, name in ctx.data["scopes"]
    ]
    return ctx.reply("proposals.ask_scope", choices=choices)


async def _take_scope(ctx: Ctx, message: Message) -> str | None:
    levels = [level for level, _id, _name in ctx.data["scopes"]]
    if message.value not in levels:
        raise InvalidInput("common.pick_from_list")
    ctx.data["scope"] = message.value
    return NEXT


async def _ask_category(ctx: Ctx) -> Reply:
    choices = [Choice(ctx.t(label), code) for code, label in CATEGORIES.items()]
    return ctx.reply("proposals.ask_category", choices=choices)


async def _take_category(ctx: Ctx, message: Message) -> str | None:
    by_label = {ctx.t(label): code for code, label in CATEGORIES.items()}
    code = message.value if message.value in CATEGORIES else by_label.get(message.value)
    if code is None:
        raise InvalidInput("common.pick_from_list")
    ctx.data["category"] = code
    return DONE


# -- saving --------------------------------------------------------------------------------------


async def _finish(ctx: Ctx) -> list[Reply]:
    data = ctx.data
    if data.get("cosign_instead"):
        try:  # the similar proposal may have been decided meanwhile: say so, keep nothing
            async with ctx.session.begin_nested():
                return await cosign(ctx, data["cosign_instead"])
        except UserError as exc:
            return [ctx.reply(exc.key, **exc.params)]
    scopes = {level: region_id for level, region_id, _name in data["scopes"]}
    scope = data.get("scope") or data["scopes"][-1][0]
    proposal = Proposal(
        community_id=data["community"],
        region_id=scopes[scope],
        proposer_id=ctx.person.id,
        title=data["title"],
        body=data["body"],
        category=data["category"],
        scope=scope,
        status="submitted",
        cosign_count=0,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(proposal)
    await ctx.session.flush()
    repo.add_event(ctx.session, proposal, "submitted", ctx.now, ctx.person.id)
    community = await regions.by_id(ctx.session, data["community"])
    need = threshold(ctx.deps.config, community) if community else 0
    return [
        ctx.reply(
            "proposals.created",
            id=proposal.id,
            title=proposal.title,
            need=need,
            choices=[Choice(ctx.t("proposals.btn.view"), f"/proposal {proposal.id}")],
        )
    ]


PROPOSE = Flow(
    name="propose",
    guard=_prepare,
    steps=(
        Step("title", _ask_title, _take_title),
        Step("body", _ask_body, _take_body),
        Step("similar", _ask_similar, _take_similar, skip=lambda c: not c.data.get("similar")),
        Step("scope", _ask_scope, _take_scope, skip=lambda c: len(c.data.get("scopes", [])) < 2),
        Step("category", _ask_category, _take_category),
    ),
    finish=_finish,
)
