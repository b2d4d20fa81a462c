"""The dialog engine: flows of steps, state in the database, back and cancel at every step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from handlers.core.auth import is_registered
from handlers.core.choices import folded
from handlers.core.context import Ctx
from handlers.core.errors import InvalidInput
from handlers.core.messages import Choice, Message, Reply

Ask = Callable[[Ctx], Awaitable[Reply]]
Take = Callable[[Ctx, Message], Awaitable[str | None]]
Finish = Callable[[Ctx], Awaitable[list[Reply]]]
Guard = Callable[[Ctx], Awaitable[None]]

NEXT = None  # `take` returns this to go to the next step in order
DONE = "__done__"  # `take` returns this to finish the flow now

# Typed instead of pressing "skip" on a channel without buttons (or out of habit).
SKIP_WORDS = frozenset({"skip", "跳过", "无", "没有", "不用了", "none", "no"})
BACK_WORDS = frozenset({"/back", "back", "返回", "上一步"})
CANCEL_WORDS = frozenset({"/cancel", "cancel", "取消", "退出"})
PERSON_COMMAND = "/human"  # handlers/person_requests.py: the message goes to the organizers


@dataclass(frozen=True)
class Step:
    """One question: `ask` renders the prompt, `take` stores the answer and picks the next step."""

    name: str
    ask: Ask
    take: Take
    skip: Callable[[Ctx], bool] | None = None  # skipped (forwards and backwards) when true
    # Typed digits are the answer ("12" people), not the number of a choice shown with it.
    numbers: bool = False


@dataclass(frozen=True)
class Flow:
    """A named sequence of steps ending in `finish`; `guard` may refuse to start (NotAllowed)."""

    name: str
    steps: tuple[Step, ...]
    finish: Finish
    guard: Guard | None = None
    # A re-asked question ("didn't understand, try again") also offers talking to a person
    # (转人工) to a registered person: never a dead end. Off where the flow is that person path.
    person_exit: bool = True

    def step(self, name: str) -> Step:
        """The step called `name`."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def after(self, ctx: Ctx, name: str) -> Step | None:
        """The step that follows `name` in order, passing over skipped steps."""
        names = [s.name for s in self.steps]
        for step in self.steps[names.index(name) + 1 :]:
            if not (step.skip and step.skip(ctx)):
                return step
        return None

    def first(self, ctx: Ctx) -> Step | None:
        """The first step not skipped."""
        for step in self.steps:
            if not (step.skip and step.skip(ctx)):
                return step
        return None


def _with_controls(ctx: Ctx, reply: Reply, person: bool = False) -> Reply:
    """Add "back" (when there is a step to go back to) and "cancel" to a prompt; to a question
    asked again, "talk to a person" too (`person`)."""
    controls: list[Choice] = []
    if person and is_registered(ctx):
        controls.append(Choice(ctx.t("common.talk_to_person"), PERSON_COMMAND))
    if ctx.state.data.get("history"):
        controls.append(Choice(ctx.t("common.back"), "/back"))
    controls.append(Choice(ctx.t("common.cancel"), "/cancel"))
    return Reply(reply.text, reply.choices + tuple(controls), reply.links)


async def _prompt(ctx: Ctx, step: Step, person: bool = False) -> Reply:
    ctx.state.step = step.name
    return _with_controls(ctx, await step.ask(ctx), person)


def clear(ctx: Ctx) -> None:
    """Leave any flow."""
    ctx.state.flow = None
    ctx.state.step = None
    ctx.state.data = {}


async def begin(ctx: Ctx, flow: Flow, answers: dict | None = None) -> list[Reply]:
    """Start `flow` (replacing any flow in progress) and ask its first question."""
    clear(ctx)
    ctx.state.flow = flow.name
    ctx.state.data = {"answers": dict(answers or {}), "history": []}
    if flow.guard:
        await flow.guard(ctx)
    step = flow.first(ctx)
    if step is None:
        return await _finish(ctx, flow)
    return [await _prompt(ctx, step)]


async def _finish(ctx: Ctx, flow: Flow) -> list[Reply]:
    replies = await flow.finish(ctx)
    if ctx.state.flow == flow.name:  # finish may have started another flow
        clear(ctx)
    return replies


WORDS_MIN_RATIO = 80  # a typed answer this close to one option's label picks it


async def _by_words(ctx: Ctx, step: Step, message: Message) -> Message:
    """A typed answer that names one of the step's options ("私搭乱建", "陪诊") as if pressed.

    The option's label as shown, a part of it ("陪诊" for 陪诊服务), or the label with a typo;
    only when exactly one option fits, and never for answers with digits in them.
    """
    said = folded(message.text)
    if step.numbers or message.payload is not None or not said:
        return message
    if any(ch.isdigit() for ch in said):  # "25人", "3": numbers are the step's own to read
        return message
    choices = (await step.ask(ctx)).choices
    labels = [(folded(choice.label), choice.payload) for choice in choices]
    exact = [payload for label, payload in labels if label == said]
    if len(exact) != 1:
        exact = [payload for label, payload in labels if len(said) >= 2 and said in label]
    if len(exact) != 1:
        exact = [p for label, p in labels if fuzz.ratio(said, label) >= WORDS_MIN_RATIO]
    return replace(message, payload=exact[0]) if len(exact) == 1 else message


async def advance(ctx: Ctx, flow: Flow, message: Message) -> list[Reply]:
    """Feed the user's answer to the current step; ask the next one, or finish."""
    current = flow.step(ctx.state.step or flow.steps[0].name)
    message = await _by_words(ctx, current, message)
    try:
        target = await current.take(ctx, message)
    except InvalidInput as exc:
        return [Reply(ctx.t(exc.key, **exc.params)), await _prompt(ctx, current, flow.person_exit)]
    if target == DONE:
        return await _finish(ctx, flow)
    step = flow.after(ctx, current.name) if target is NEXT else flow.step(target)
    ctx.state.data.setdefault("history", []).append(current.name)
    if step is None:
        return await _finish(ctx, flow)
    return [await _prompt(ctx, step)]


async def back(ctx: Ctx, flow: Flow) -> list[Reply]:
    """Return to the previous step and ask it again."""
    history: list[str] = ctx.state.data.setdefault("history", [])
    if not history:
        return [Reply(ctx.t("common.no_back")), await _prompt(ctx, flow.step(ctx.state.step or ""))]
    step = flow.step(history.pop())
    return [await _prompt(ctx, step)]


async def repeat(ctx: Ctx, flow: Flow, refused: bool = False) -> list[Reply]:
    """Ask the current step again; after a refused answer (`refused`) with 转人工 offered."""
    step = flow.step(ctx.state.step or flow.steps[0].name)
    return [await _prompt(ctx, step, refused and flow.person_exit)]


def choice_step(
    name: str,
    prompt: str,
    options: tuple[tuple[str, str], ...],
    store: str,
    then: Callable[[str], str | None] | None = None,
    skip: Callable[[Ctx], bool] | None = None,
) -> Step:
    """A step that asks `prompt` with fixed options (label key, value) and keeps the value picked.

    `then(value)` picks what follows (default: the next step in order).
    """
    values = [value for _, value in options]

    async def ask(ctx: Ctx) -> Reply:
        return ctx.reply(prompt, choices=[Choice(ctx.t(label), value) for label, value in options])

    async def take(ctx: Ctx, message: Message) -> str | None:
        if message.value not in values:
            raise InvalidInput("common.pick_from_list")
        ctx.data[store] = message.value
        return then(message.value) if then is not None else NEXT

    return Step(name, ask, take, skip=skip)


SAID = "said"  # the payload of "✔ 就用这句": take the sentence the person already said


def use_said(ctx: Ctx) -> Choice:
    """The choice that answers a step with a sentence said before ("✔ 就用这句")."""
    return Choice(ctx.t("common.use_said"), SAID)


def said_or(message: Message, said: str, typed: str) -> str:
    """`said` if the person chose it (`use_said`), else what they typed."""
    return said if said and message.value == SAID else typed


def skipped(message: Message) -> bool:
    """The "skip" button, or a skip word typed."""
    return message.value.strip().lower() in SKIP_WORDS


def free_text(message: Message) -> str:
    """What the person typed (a pressed button is not free text)."""
    return "" if message.payload is not None else message.text.strip()


def optional_text_step(
    name: str,
    prompt: str,
    store: str,
    *,
    limit: int,
    empty: str,
    too_long: str,
    then: str | None = NEXT,
) -> Step:
    """A step asking for a text that may be skipped ("" is kept then), at most `limit` long.

    `empty` and `too_long` are the keys refusing a button that is not "skip" and an overlong
    text (the latter gets `limit`); `then` is what follows (default: the next step).
    """

    async def ask(ctx: Ctx) -> Reply:
        return ctx.reply(prompt, choices=[Choice(ctx.t("common.skip"), "skip")])

    async def take(ctx: Ctx, message: Message) -> str | None:
        if skipped(message):
            ctx.data[store] = ""
            return then
        text = free_text(message)
        if not text:
            raise InvalidInput(empty)
        if len(text) > limit:
            raise InvalidInput(too_long, limit=limit)
        ctx.data[store] = text
        return then

    return Step(name, ask, take)
