"""Talking through Linli about one item: send, share one's number, read the thread.

Every message is kept with its item (`relay_messages`) and reaches the other side through the
outbox like any notice, with a button to answer; numbers stay hidden unless their owner shares.
"""

from __future__ import annotations

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.errors import Conflict, NotAllowed, UserError
from handlers.core.i18n import N_, Translator
from handlers.core.messages import Choice, Reply
from handlers.core.notify import Key, localize, notify
from handlers.relay.items import KIND_LABELS, Item, load, parse_code
from storage.models import Person
from storage.repos import relay as repo

TEXT_LIMIT = 500
SHOWN = 8  # messages of a thread shown in a view
SIDE_LABELS = {
    ("need", "asking"): N_("relay.side_resident"),
    ("need", "serving"): N_("relay.side_volunteer"),
    ("report", "asking"): N_("relay.side_reporter"),
    ("report", "serving"): N_("relay.side_worker"),
}


async def party_item(ctx: Ctx, kind: str, item_id: int) -> Item:
    """The item, if the sender is one of its sides; NotAllowed otherwise (same answer whether the
    item exists or not, so numbers cannot be probed)."""
    await require_registered(ctx)
    item = await load(ctx.session, kind, item_id)
    if item is None or ctx.person.id not in item.parties():
        raise NotAllowed("relay.not_party")
    return item


async def item_from_code(ctx: Ctx, raw: str) -> Item:
    """The item a typed number names ("12", "r7"), if the sender is a party."""
    kind, number = parse_code(raw)
    return await party_item(ctx, kind, number)


def title(ctx: Ctx, item: Item) -> str:
    """How the sender's replies name the item ("服务需求 #12（陪诊服务）")."""
    what = localize(ctx.deps.i18n, ctx.lang, item.title)
    return ctx.t(KIND_LABELS[item.kind], id=item.id, what=what)


async def send(ctx: Ctx, item: Item, text: str) -> Reply:
    """Relay `text` from the sender to the item's other side; kept with the item."""
    text = text.strip()
    if not text:
        raise UserError("relay.empty")
    if len(text) > TEXT_LIMIT:
        raise UserError("relay.too_long", limit=TEXT_LIMIT)
    await _pass_on(ctx, item, "text", text, "relay.incoming", text=text, code=item.code)
    return ctx.reply("relay.sent", item=title(ctx, item))


async def share_phone(ctx: Ctx, item: Item) -> Reply:
    """Give the sender's own number to the other side of this item (their choice, kept)."""
    phone = ctx.person.phone
    if not phone:
        raise UserError("relay.no_phone")
    await _pass_on(ctx, item, "phone", phone, "relay.phone_shared", phone=phone)
    return ctx.reply("relay.phone_given", item=title(ctx, item), phone=phone)


async def _pass_on(ctx: Ctx, item: Item, kind: str, stored: str, key: str, **params: str) -> None:
    """Keep one message with the item and tell the other side, with a button to answer."""
    if not item.open:
        raise Conflict("relay.closed", id=item.code)
    recipients = item.others(ctx.person.id)
    if not recipients:
        raise Conflict("relay.nobody", id=item.code)
    repo.add(
        ctx.session,
        item_kind=item.kind,
        item_id=item.id,
        sender_id=ctx.person.id,
        recipient_id=recipients[0] if len(recipients) == 1 else None,
        text=stored,
        now=ctx.now,
        kind=kind,
    )
    side = SIDE_LABELS[item.kind, item.side(ctx.person.id)]
    for person_id in recipients:
        await notify(
            ctx,
            person_id,
            key,
            choices=[("relay.reply", item.payload)],
            urgent=True,  # a conversation both sides are in, often on the day itself
            kind="relay",
            item=_Titled(item),
            side=Key(side),
            name=ctx.person.display_name,
            **params,
        )


class _Titled:
    """An item's kind label with its number and name, in each recipient's language."""

    def __init__(self, item: Item) -> None:
        self.item = item

    def localize(self, i18n: Translator, lang: str) -> str:
        """The title in `lang`."""
        what = localize(i18n, lang, self.item.title)
        return i18n.translate(lang, KIND_LABELS[self.item.kind], id=self.item.id, what=what)


async def lines(ctx: Ctx, item: Item, limit: int = SHOWN) -> list[str]:
    """The thread's last messages as the reader sees them ("我" for their own)."""
    out = []
    for row in await repo.thread(ctx.session, item.kind, item.id, limit):
        if row.sender_id == ctx.person.id:
            who = ctx.t("relay.me")
        else:
            sender = await ctx.session.get(Person, row.sender_id) if row.sender_id else None
            side = SIDE_LABELS[item.kind, "asking" if row.sender_id in item.asking else "serving"]
            who = f"{ctx.t(side)} {sender.display_name if sender else '—'}"
        key = "relay.line_phone" if row.kind == "phone" else "relay.line"
        out.append(ctx.t(key, at=ctx.when(row.created_at), who=who, text=row.text))
    return out


async def thread_part(ctx: Ctx, kind: str, item_id: int) -> tuple[str, list[Choice]]:
    """For an item's own view: its thread and a button to write, if the reader is a party."""
    item = await load(ctx.session, kind, item_id)
    if item is None or ctx.person.id not in item.parties():
        return "", []
    shown = await lines(ctx, item)
    text = ctx.t("relay.thread_head") + "\n" + "\n".join(shown) if shown else ""
    choices = [Choice(ctx.t("relay.write"), item.payload)] if item.open else []
    return text, choices
