"""The questions of the volunteer profile: skills, free text, weekly slots, grid, reach, load …"""

from __future__ import annotations

from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, skipped
from handlers.core.errors import InvalidInput
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.numbers import parse_int
from handlers.volunteers import labels
from handlers.volunteers.labels import FREE_MAX, LOAD_MAX, MAX_SKILLS, PRESETS
from matching.taxonomy import CERTIFICATIONS, GROUPS, SLOTS, load_skills
from matching.understand.skills import typed_skills
from matching.understand.weekly import weekly
from storage.models import Region
from storage.models.volunteers import REACHES
from storage.repos import regions

DONE_WORDS = frozenset({"done", "完成", "选好了", "好了", "ok"})
TYPED_MAX_HITS = 3
CHECK = "✓ "


def _stay(ctx: Ctx, *names: str) -> None:
    """Drop the trailing history entries a step left by asking itself again (toggles, typing)."""
    history: list[str] = ctx.state.data.setdefault("history", [])
    while history and history[-1] in names:
        history.pop()


def _note(ctx: Ctx) -> str:
    """A one-off line for the top of the next question ("added: …"), then forgotten."""
    note = ctx.data.pop("note", "")
    return f"{note}\n\n" if note else ""


def _mark(selected: bool, label: str) -> str:
    return CHECK + label if selected else label


def _is_done(message: Message) -> bool:
    return message.value.strip().lower() in DONE_WORDS


def _toggle(items: list[str], item: str) -> list[str]:
    return [i for i in items if i != item] if item in items else [*items, item]


def _require_something(ctx: Ctx) -> None:
    if not ctx.data.get("skills") and not ctx.data.get("free"):
        raise InvalidInput("volunteers.need_skill")


def _after_skills(ctx: Ctx) -> str | None:
    """Finish picking skills: in the sign-up free text may still come, in an edit it may not."""
    if ctx.data.get("mode") != "new":
        _require_something(ctx)
    return NEXT


# -- skills: by group, or typed words matched against the taxonomy and its synonyms ----------------


def _add_typed(ctx: Ctx, text: str) -> None:
    hits = typed_skills(text, load_skills()).codes[:TYPED_MAX_HITS]
    if not hits:
        raise InvalidInput("volunteers.skill_not_found", text=text[:20])
    chosen: list[str] = list(ctx.data.get("skills") or [])
    new = [code for code in hits if code not in chosen]
    if len(chosen) + len(new) > MAX_SKILLS:
        raise InvalidInput("volunteers.too_many_skills", limit=MAX_SKILLS)
    ctx.data["skills"] = chosen + new
    key = N_("volunteers.added") if new else N_("volunteers.already_added")
    ctx.data["note"] = ctx.t(key, skills=labels.skill_names(ctx, list(hits)))


async def ask_skills(ctx: Ctx) -> Reply:
    """Groups to browse, plus "done"; typed words work too."""
    _stay(ctx, "skills", "skill_pick")
    chosen = list(ctx.data.get("skills") or [])
    table = labels.skills()
    choices = []
    for group in GROUPS:
        count = sum(1 for c in chosen if c in table and table[c].group == group)
        name = labels.group_name(ctx, group)
        label = ctx.t("volunteers.group_count", group=name, count=count) if count else name
        choices.append(Choice(label, f"g_{group}"))
    choices.append(Choice(ctx.t("volunteers.done_picking"), "done"))
    text = _note(ctx) + ctx.t(
        "volunteers.ask_skills",
        limit=MAX_SKILLS,
        selected=labels.skill_names(ctx, chosen),
        count=len(chosen),
    )
    return Reply(text, tuple(choices))


async def take_skills(ctx: Ctx, message: Message) -> str | None:
    """A group opens its skills; "done" moves on; anything else is matched as typed words."""
    value = message.value.strip()
    if _is_done(message):
        return _after_skills(ctx)
    if value.startswith("g_") and value[2:] in GROUPS:
        ctx.data["group"] = value[2:]
        return "skill_pick"
    _add_typed(ctx, message.text.strip() or value)
    return "skills"


async def ask_skill_pick(ctx: Ctx) -> Reply:
    """The skills of one group, ticked when chosen (choosing again un-ticks)."""
    _stay(ctx, "skill_pick")
    group = ctx.data.get("group") or next(iter(GROUPS))
    chosen = list(ctx.data.get("skills") or [])
    choices = [
        Choice(_mark(s.code in chosen, s.name(ctx.lang)), f"s_{s.code}")
        for s in load_skills()
        if s.group == group
    ]
    choices.append(Choice(ctx.t("volunteers.back_to_groups"), "groups"))
    choices.append(Choice(ctx.t("volunteers.done_picking"), "done"))
    text = _note(ctx) + ctx.t(
        "volunteers.ask_skill_pick",
        group=labels.group_name(ctx, group),
        count=len(chosen),
        limit=MAX_SKILLS,
    )
    return Reply(text, tuple(choices))


async def take_skill_pick(ctx: Ctx, message: Message) -> str | None:
    """Tick or un-tick a skill, go back to the groups, or finish."""
    value = message.value.strip()
    if _is_done(message):
        return _after_skills(ctx)
    if value == "groups":
        return "skills"
    table = labels.skills()
    if value.startswith("s_") and value[2:] in table:
        chosen = list(ctx.data.get("skills") or [])
        updated = _toggle(chosen, value[2:])
        if len(updated) > MAX_SKILLS:
            raise InvalidInput("volunteers.too_many_skills", limit=MAX_SKILLS)
        ctx.data["skills"] = updated
        return "skill_pick"
    _add_typed(ctx, message.text.strip() or value)
    return "skill_pick"


# -- free-text skills ------------------------------------------------------------------------------


async def ask_free(ctx: Ctx) -> Reply:
    """Other skills in one sentence; skip (or keep / clear what is there)."""
    current = ctx.data.get("free") or ""
    keep = N_("volunteers.free_keep") if current else N_("volunteers.free_skip")
    choices = [Choice(ctx.t(keep), "skip")]
    if current:
        choices.append(Choice(ctx.t("volunteers.free_clear"), "clear"))
    return ctx.reply(
        "volunteers.ask_free",
        limit=FREE_MAX,
        current=current or ctx.t("volunteers.none"),
        choices=choices,
    )


async def take_free(ctx: Ctx, message: Message) -> str | None:
    """Store the sentence (1–200 characters), keep it, or clear it."""
    value = message.value.strip()
    if value == "clear":
        ctx.data["free"] = ""
    elif skipped(message):
        pass
    else:
        text = message.text.strip()
        if not text:
            raise InvalidInput("volunteers.free_empty")
        if len(text) > FREE_MAX:
            raise InvalidInput("volunteers.free_too_long", limit=FREE_MAX, length=len(text))
        ctx.data["free"] = text
    _require_something(ctx)
    return NEXT


# -- weekly availability: presets, or single slots -------------------------------------------------


async def ask_slots(ctx: Ctx) -> Reply:
    """Presets (ticked when fully chosen), "custom", "done"."""
    _stay(ctx, "slots", "slot_custom")
    chosen = set(ctx.data.get("slots") or [])
    choices = [
        Choice(_mark(set(slots) <= chosen, ctx.t(labels.PRESET_LABELS[name])), f"p_{name}")
        for name, slots in PRESETS.items()
    ]
    choices.append(Choice(ctx.t("volunteers.preset_custom"), "custom"))
    choices.append(Choice(ctx.t("volunteers.done_picking"), "done"))
    return ctx.reply(
        "volunteers.ask_slots", slots=labels.slots_text(ctx, sorted(chosen)), choices=choices
    )


def _slots_done(ctx: Ctx) -> str | None:
    if not ctx.data.get("slots"):
        raise InvalidInput("volunteers.no_slots")
    return NEXT


def _ordered(slots: set[str]) -> list[str]:
    return [s for s in SLOTS if s in slots]


def _typed_slots(ctx: Ctx, message: Message) -> bool:
    """Slots typed in words ("周六下午和周日全天", "工作日晚上") added to the chosen ones."""
    if message.payload is not None:
        return False
    named = {f"{labels.DAYS[day]}_{part}" for day, part in weekly(message.text)}
    if not named:
        return False
    ctx.data["slots"] = _ordered(set(ctx.data.get("slots") or []) | named)
    return True


async def take_slots(ctx: Ctx, message: Message) -> str | None:
    """Toggle a preset, open the single slots, or finish."""
    value = message.value.strip()
    if _is_done(message):
        return _slots_done(ctx)
    if value == "custom":
        return "slot_custom"
    if value.startswith("p_") and value[2:] in PRESETS:
        chosen = set(ctx.data.get("slots") or [])
        preset = set(PRESETS[value[2:]])
        ctx.data["slots"] = _ordered(chosen - preset if preset <= chosen else chosen | preset)
        return "slots"
    if _typed_slots(ctx, message):
        return "slots"
    raise InvalidInput("volunteers.slots_not_understood")


async def ask_slot_custom(ctx: Ctx) -> Reply:
    """All 21 slots of the week, ticked when chosen."""
    _stay(ctx, "slot_custom")
    chosen = set(ctx.data.get("slots") or [])
    choices = [Choice(_mark(s in chosen, labels.slot_label(ctx, s)), s) for s in SLOTS]
    choices.append(Choice(ctx.t("volunteers.done_picking"), "done"))
    return ctx.reply(
        "volunteers.ask_slot_custom", slots=labels.slots_text(ctx, sorted(chosen)), choices=choices
    )


async def take_slot_custom(ctx: Ctx, message: Message) -> str | None:
    """Toggle one slot, or finish."""
    value = message.value.strip()
    if _is_done(message):
        return _slots_done(ctx)
    if value in SLOTS:
        ctx.data["slots"] = _ordered(set(_toggle(list(ctx.data.get("slots") or []), value)))
        return "slot_custom"
    if _typed_slots(ctx, message):
        return "slot_custom"
    raise InvalidInput("volunteers.slots_not_understood")


# -- home grid, reach, weekly load -----------------------------------------------------------------


async def home_grids(ctx: Ctx) -> tuple[Region | None, list[Region]]:
    """The person's registered grid (if any) and the grids of their community."""
    home = ctx.person.home_region
    if home is None and ctx.person.home_region_id:
        home = await regions.by_id(ctx.session, ctx.person.home_region_id)
    if home is None:
        return None, []
    grid = await regions.ancestor_at(ctx.session, home, "grid")
    community = await regions.ancestor_at(ctx.session, home, "community")
    grids = await regions.children(ctx.session, community.id, "grid") if community else []
    return grid, grids


async def ask_grid(ctx: Ctx) -> Reply:
    """The grid the person lives in: keep the current one (the registered grid at sign-up)."""
    _, grids = await home_grids(ctx)
    current = next((g for g in grids if g.id == ctx.data.get("grid")), None)
    choices = [Choice(ctx.t("volunteers.keep_grid", grid=current.name), "keep")] if current else []
    choices += [Choice(g.name, f"r{g.id}") for g in grids if g is not current]
    return ctx.reply("volunteers.ask_grid", choices=choices)


async def take_grid(ctx: Ctx, message: Message) -> str | None:
    """Keep the current grid or pick another of the community's grids."""
    _, grids = await home_grids(ctx)
    value = message.value.strip()
    if value == "keep" and any(g.id == ctx.data.get("grid") for g in grids):
        return NEXT
    picked = next((g for g in grids if value == f"r{g.id}"), None)
    if picked is None:
        raise InvalidInput("common.pick_from_list")
    ctx.data["grid"] = picked.id
    return NEXT


async def ask_reach(ctx: Ctx) -> Reply:
    """How far from home the person will go."""
    current = ctx.data.get("reach")
    choices = [Choice(_mark(r == current, ctx.t(labels.REACH_LABELS[r])), r) for r in REACHES]
    return ctx.reply("volunteers.ask_reach", choices=choices)


async def take_reach(ctx: Ctx, message: Message) -> str | None:
    """Store the reach."""
    if message.value.strip() not in REACHES:
        raise InvalidInput("common.pick_from_list")
    ctx.data["reach"] = message.value.strip()
    return NEXT


async def ask_load(ctx: Ctx) -> Reply:
    """Tasks a week, 1–10: choice n carries n, so typing "3" means three either way."""
    choices = [Choice(ctx.t("volunteers.times", n=n), str(n)) for n in range(1, LOAD_MAX + 1)]
    return ctx.reply(
        "volunteers.ask_load", limit=LOAD_MAX, current=ctx.data.get("load") or 3, choices=choices
    )


async def take_load(ctx: Ctx, message: Message) -> str | None:
    """Store a number from 1 to 10."""
    load = parse_int(message.value, low=1, high=LOAD_MAX)
    if load is None:
        raise InvalidInput("volunteers.load_invalid", limit=LOAD_MAX)
    ctx.data["load"] = load
    return NEXT


# -- certifications, honour roll, confirmation -----------------------------------------------------


async def ask_certs(ctx: Ctx) -> Reply:
    """Certifications held (optional), ticked when chosen."""
    _stay(ctx, "certs")
    chosen = list(ctx.data.get("certs") or [])
    choices = [
        Choice(_mark(code in chosen, labels.cert_name(ctx, code)), f"c_{code}")
        for code in CERTIFICATIONS
    ]
    choices.append(Choice(ctx.t("volunteers.done_picking"), "done"))
    return ctx.reply("volunteers.ask_certs", certs=labels.cert_names(ctx, chosen), choices=choices)


async def take_certs(ctx: Ctx, message: Message) -> str | None:
    """Toggle a certification, or finish ("none" finishes too)."""
    value = message.value.strip()
    if _is_done(message) or skipped(message):
        return NEXT
    if value.startswith("c_") and value[2:] in CERTIFICATIONS:
        toggled = set(_toggle(list(ctx.data.get("certs") or []), value[2:]))
        ctx.data["certs"] = [c for c in CERTIFICATIONS if c in toggled]
        return "certs"
    raise InvalidInput("common.pick_from_list")


async def ask_honour(ctx: Ctx) -> Reply:
    """Whether the name may appear on the community's honour roll."""
    return ctx.reply(
        "volunteers.ask_honour",
        choices=[
            Choice(ctx.t("volunteers.honour_yes"), "yes"),
            Choice(ctx.t("volunteers.honour_no"), "no"),
        ],
    )


async def take_honour(ctx: Ctx, message: Message) -> str | None:
    """Store the consent."""
    value = message.value.strip()
    if value not in ("yes", "no"):
        raise InvalidInput("common.pick_from_list")
    ctx.data["show_name"] = value == "yes"
    return NEXT


async def ask_confirm(ctx: Ctx) -> Reply:
    """Everything once more before saving."""
    grid = await regions.by_id(ctx.session, ctx.data["grid"]) if ctx.data.get("grid") else None
    return ctx.reply(
        "volunteers.ask_confirm",
        summary=labels.summary(ctx, ctx.data, grid),
        choices=[Choice(ctx.t("volunteers.confirm"), "confirm")],
    )


async def take_confirm(ctx: Ctx, message: Message) -> str | None:
    """Save on "confirm"."""
    if message.value.strip() != "confirm":
        raise InvalidInput("common.pick_from_list")
    return DONE
