"""Free text outside any flow goes to the flow it means; when unsure, one question; no dead end.

"家里水管漏了" starts the need flow with the sentence already read, "楼下有人私装地锁" the grid
report, "附议 1" the command with its number. When two intents are close the resident picks one of
them; when nothing was understood the likely choices are offered with 转人工 (talk to a person).
"""

from __future__ import annotations

import re
import unicodedata

from handlers import broadcasts
from handlers.core import dialogs
from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, Flow, Step, free_text
from handlers.core.errors import InvalidInput
from handlers.core.features import Feature
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.needs import catalog
from handlers.person_requests import HUMAN, forward
from matching.text import said_besides
from matching.understand import classify
from storage.repos import needs as needs_repo

# Where each intent leads: a command or flow of the route table.
TARGETS = {
    "need": "need",
    "report": "report",
    "proposal": "propose",
    "volunteer": "volunteer",
    "activities": "activities",
    "help": "help",
}
LABELS = {
    "need": N_("understanding.choice_need"),
    "report": N_("understanding.choice_report"),
    "proposal": N_("understanding.choice_proposal"),
    "volunteer": N_("understanding.choice_volunteer"),
    "activities": N_("understanding.choice_activities"),
    "my_items": N_("understanding.choice_my_items"),
    "help": N_("understanding.choice_help"),
    "human": N_("understanding.choice_human"),
}
# "我的…" messages: which list they mean, by the words in them.
MY_LISTS = (
    (("报事", "report"), "reports"),
    (("提案", "proposal"), "proposals"),
    (("任务", "task"), "tasks"),
    (("时长", "hours"), "hours"),
)
DEFAULT_CHOICES = ("need", "report", "proposal")
MAX_CHOICES = 3
# "附议 1", "确认12", "cosign #3": a keyword and a number typed together.
# A thank-you and nothing else ("谢谢你们！", "thanks a lot").
_THANKS = re.compile(
    r"(?:谢谢|多谢|感谢|谢了|谢啦|thank you|thanks|thx)\s*"
    r"(?:你们|你|您|大家|啦|了|a lot|so much|very much)?\s*[!！。.~～]*"
)
_KEYWORD_ARG = re.compile(r"^(?P<word>[^\d#＃]+?)\s*[#＃]?(?P<arg>\d+)$")


def _routes() -> tuple[dict, dict]:
    from handlers.routes import COMMANDS, KEYWORDS  # the route table imports this module

    return COMMANDS, KEYWORDS


async def _run(ctx: Ctx, command: str, args: str = "") -> list[Reply]:
    commands, _ = _routes()
    route = commands[command]
    ctx.args = args
    if isinstance(route, Flow):
        return await dialogs.begin(ctx, route)
    dialogs.clear(ctx)
    return await route(ctx)


async def _start_need(ctx: Ctx, text: str) -> list[Reply]:
    """The need flow with the sentence as its first answer: the resident picks the item next."""
    commands, _ = _routes()
    flow = commands["need"]
    assert isinstance(flow, Flow)
    first = await dialogs.begin(ctx, flow)
    if ctx.state.flow != flow.name:  # refused (no home region …): say why
        return first
    said = Message(ctx.message.channel, ctx.message.user_id, text=text)
    return await dialogs.advance(ctx, flow, said)


async def go(ctx: Ctx, intent: str, text: str) -> list[Reply]:
    """Take the resident where an intent leads, with what they said."""
    if intent == "emergency":  # someone fell, a fire, gas: the emergency numbers first
        await dialogs.begin(ctx, UNDERSTOOD, answers={"said": text, "urgent": True})
        ctx.state.step = "pick"
        return [
            ctx.reply("understanding.emergency", choices=[Choice(ctx.t(LABELS["human"]), "human")])
        ]
    if intent == "need":
        return await _start_need(ctx, text) if text else await _run(ctx, "need")
    if intent == "human":
        if not text:
            return await dialogs.begin(ctx, HUMAN)
        return await forward(ctx, text, urgent=bool(ctx.data.get("urgent")))
    if intent == "my_items":
        folded = text.lower()
        command = next((c for words, c in MY_LISTS if any(w in folded for w in words)), "needs")
        return await _run(ctx, command)
    if intent == "help":  # "你能做什么": the short start, with how to see everything
        dialogs.clear(ctx)
        return [ctx.reply("help.starter")]
    if intent == "greeting":
        await dialogs.begin(ctx, UNDERSTOOD, answers={"said": ""})
        return [_menu(ctx, "understanding.greeting", DEFAULT_CHOICES)]
    replies = await _run(ctx, TARGETS[intent])
    if intent in ("report", "proposal") and ctx.state.flow == TARGETS[intent] and _describes(text):
        ctx.data["said"] = text  # offered as the description (handlers/reports, proposals)
    if intent == "report":
        return await _with_named_option(ctx, text) or replies
    return replies


# Words that only say "a report" or "a proposal" ("我要报事", "I want to make a proposal").
_GENERIC_CUES = frozenset(
    {"报事", "举报", "反映一下", "反映个", "发现一处", "提案", "提个建议", "建议", "我要"}
    | {"意见", "提意见", "提个意见", "有个意见", "我有个想法", "我有一个想法", "提议"}
    | {"report", "reports", "suggest", "suggestion", "propose", "proposal", "complaint"}
)
DESCRIBES_CJK = 6  # this many other Chinese characters, or
DESCRIBES_EN = 3  # this many other English words, say what it is about


def _describes(text: str) -> bool:
    """Whether a sentence meaning a report or a proposal also says what it is about ("路灯坏了
    好几天了", "I suggest a bench at the bus stop"), not only that it is one ("我要提案")."""
    if any(cue not in _GENERIC_CUES for cue in classify(text).cues):
        return True
    chinese, english = said_besides(text, _GENERIC_CUES)
    return chinese >= DESCRIBES_CJK or english >= DESCRIBES_EN


async def _with_named_option(ctx: Ctx, text: str) -> list[Reply] | None:
    """Answer the flow's first choice when the sentence names exactly one of its options
    ("楼下有人私装地锁" → category 私装地锁); None when it names none or several."""
    from handlers.routes import FLOWS  # the route table imports this module

    flow = FLOWS.get(ctx.state.flow or "")
    if flow is None or ctx.state.step is None:
        return None
    step = flow.step(ctx.state.step)
    folded = "".join(text.lower().split())
    named = [
        choice.payload
        for choice in (await step.ask(ctx)).choices
        if len(choice.label) >= 2 and "".join(choice.label.lower().split()) in folded
    ]
    if len(named) != 1:
        return None
    pressed = Message(ctx.message.channel, ctx.message.user_id, payload=named[0])
    return await dialogs.advance(ctx, flow, pressed)


def _menu(ctx: Ctx, key: str, intents: tuple[str, ...] | list[str]) -> Reply:
    choices = [Choice(ctx.t(LABELS[i]), i) for i in intents if i in LABELS and i != "human"]
    choices.append(Choice(ctx.t(LABELS["human"]), "human"))
    return ctx.reply(key, choices=choices)


async def understand(ctx: Ctx) -> list[Reply]:
    """Free text outside a flow: the flow it means, one question when unsure, or 转人工."""
    await require_registered(ctx)
    said = ctx.message.text.strip()  # as typed: it may become a report's or proposal's text
    text = unicodedata.normalize("NFKC", said)
    with_number = _KEYWORD_ARG.match(text)
    if with_number:
        _, keywords = _routes()
        command = keywords.get(with_number["word"].strip().lower())
        if command is not None:
            return await _run(ctx, command, with_number["arg"])
    if _THANKS.fullmatch(text.lower()):  # "谢谢你们": no menu, just an answer
        return [ctx.reply("understanding.thanks")]
    answered = await broadcasts.answer(ctx, text)  # "我能来" to a notice received lately
    if answered is not None:
        return answered
    items = await needs_repo.service_items(ctx.session)
    hits = catalog.read(text, items)[0] if items else []
    found = classify(text, hits[0].score if hits else 0.0)
    if any(intent == "emergency" for intent, _ in found.choices):  # never a question first
        return await go(ctx, "emergency", said)
    if found.intent is not None and found.sure:
        return await go(ctx, found.intent, said)
    intents = [intent for intent, _ in found.choices if intent in LABELS and intent != "human"]
    key = "understanding.which" if intents else "understanding.not_understood"
    intents += [intent for intent in DEFAULT_CHOICES if intent not in intents]
    await dialogs.begin(ctx, UNDERSTOOD, answers={"said": said})
    ctx.state.step = "pick"
    return [_menu(ctx, key, intents[:MAX_CHOICES])]


async def _ask_pick(ctx: Ctx) -> Reply:
    return _menu(ctx, "understanding.which", DEFAULT_CHOICES)


async def _take_pick(ctx: Ctx, message: Message) -> str | None:
    if message.value not in LABELS:
        if free_text(message):  # another sentence instead of a pick: read that one instead
            ctx.data["said"] = free_text(message)
            ctx.data["retry"] = True
            return DONE
        raise InvalidInput("common.pick_from_list")
    ctx.data["intent"] = message.value
    return DONE


async def _finish_pick(ctx: Ctx) -> list[Reply]:
    said = str(ctx.data.get("said", ""))
    if ctx.data.get("retry"):
        dialogs.clear(ctx)
        ctx.message = Message(ctx.message.channel, ctx.message.user_id, text=said)
        return await understand(ctx)
    return await go(ctx, str(ctx.data["intent"]), said)


UNDERSTOOD = Flow(
    name="understood",
    steps=(Step("pick", _ask_pick, _take_pick),),
    finish=_finish_pick,
    person_exit=False,  # its choices already end with 转人工
)


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature("understanding", commands={"understand": understand}, flows=(UNDERSTOOD,))
