"""/volunteer (sign up, or show and edit the profile), /volunteer_edit PART; see pause.py."""

from __future__ import annotations

from collections.abc import Callable

from handlers.core import dialogs
from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import Flow, Step
from handlers.core.errors import UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Reply
from handlers.volunteers import labels, steps
from handlers.volunteers.labels import MAX_SKILLS
from storage.models import VolunteerProfile
from storage.repos import regions

# Parts of the profile that can be edited alone, with the steps each covers and its button label.
PARTS: dict[str, tuple[tuple[str, ...], str]] = {
    "skills": (("skills", "skill_pick"), N_("volunteers.edit.skills")),
    "free": (("free",), N_("volunteers.edit.free")),
    "slots": (("slots", "slot_custom"), N_("volunteers.edit.slots")),
    "grid": (("grid",), N_("volunteers.edit.grid")),
    "reach": (("reach",), N_("volunteers.edit.reach")),
    "load": (("load",), N_("volunteers.edit.load")),
    "certs": (("certs",), N_("volunteers.edit.certs")),
    "honour": (("honour",), N_("volunteers.edit.honour")),
}
# Steps reached only by an explicit jump from the step before them (never in plain order).
_JUMP_ONLY = frozenset({"skill_pick", "slot_custom"})


def _skip(name: str) -> Callable[[Ctx], bool]:
    """Skip rule of a step: jump-only steps always; in an edit, every step outside the part.

    So an edit of one part saves at once, without the sign-up's confirmation.
    """

    def rule(ctx: Ctx) -> bool:
        if name in _JUMP_ONLY:
            return True
        mode = ctx.data.get("mode", "new")
        if mode == "new":
            return False
        return name not in PARTS[mode][0]

    return rule


async def _prepare(ctx: Ctx) -> None:
    """Only registered people; a sign-up starts from the person's registered grid."""
    await require_registered(ctx)
    data = ctx.data
    data.setdefault("mode", "new")
    if data["mode"] == "new":
        registered, _ = await steps.home_grids(ctx)
        data.setdefault("skills", [])
        data.setdefault("free", "")
        data.setdefault("slots", [])
        data.setdefault("grid", registered.id if registered else None)
        data.setdefault("reach", "community")
        data.setdefault("load", 3)
        data.setdefault("certs", [])
        data.setdefault("show_name", False)


async def _finish(ctx: Ctx) -> list[Reply]:
    """Save the profile (create or update) and show it."""
    data = ctx.data
    if len(data.get("skills") or []) > MAX_SKILLS:
        raise UserError("volunteers.too_many_skills", limit=MAX_SKILLS)
    profile = await ctx.session.get(VolunteerProfile, ctx.person.id)
    new = profile is None
    if profile is None:
        profile = VolunteerProfile(person_id=ctx.person.id, created_at=ctx.now)
        ctx.session.add(profile)
    profile.skills = list(data.get("skills") or [])
    profile.free_skills = data.get("free") or ""
    profile.availability = list(data.get("slots") or [])
    profile.home_grid_id = data.get("grid")
    profile.reach = data.get("reach") or "community"
    profile.max_tasks_week = int(data.get("load") or 3)
    profile.certifications = list(data.get("certs") or [])
    profile.show_name = bool(data.get("show_name"))
    profile.updated_at = ctx.now
    await ctx.session.flush()
    if new:
        return [ctx.reply("volunteers.signed_up")]
    return [ctx.reply("volunteers.updated"), *await _show(ctx, profile)]


VOLUNTEER = Flow(
    name="volunteer",
    guard=_prepare,
    steps=tuple(
        Step(name, ask, take, skip=_skip(name))
        for name, ask, take in (
            ("skills", steps.ask_skills, steps.take_skills),
            ("skill_pick", steps.ask_skill_pick, steps.take_skill_pick),
            ("free", steps.ask_free, steps.take_free),
            ("slots", steps.ask_slots, steps.take_slots),
            ("slot_custom", steps.ask_slot_custom, steps.take_slot_custom),
            ("grid", steps.ask_grid, steps.take_grid),
            ("reach", steps.ask_reach, steps.take_reach),
            ("load", steps.ask_load, steps.take_load),
            ("certs", steps.ask_certs, steps.take_certs),
            ("honour", steps.ask_honour, steps.take_honour),
            ("confirm", steps.ask_confirm, steps.take_confirm),
        )
    ),
    finish=_finish,
)


async def _show(ctx: Ctx, profile: VolunteerProfile) -> list[Reply]:
    grid = await regions.by_id(ctx.session, profile.home_grid_id) if profile.home_grid_id else None
    status = ctx.t(
        N_("volunteers.status_paused") if profile.paused else N_("volunteers.status_active")
    )
    text = ctx.t(
        "volunteers.profile",
        status=status,
        summary=labels.summary(ctx, labels.answers_of(profile), grid),
        completions=profile.completions,
    )
    choices = [
        Choice(ctx.t(label), f"/volunteer_edit {part}") for part, (_, label) in PARTS.items()
    ]
    if profile.paused:
        choices.append(Choice(ctx.t("volunteers.resume_button"), "/resume"))
    else:
        choices.append(Choice(ctx.t("volunteers.pause_button"), "/pause"))
    choices.append(Choice(ctx.t("volunteers.hours_button"), "/hours"))
    return [Reply(text, tuple(choices))]


async def _profile(ctx: Ctx) -> VolunteerProfile:
    await require_registered(ctx)
    profile = await ctx.session.get(VolunteerProfile, ctx.person.id)
    if profile is None:
        raise UserError("volunteers.not_volunteer")
    return profile


async def volunteer(ctx: Ctx) -> list[Reply]:
    """Sign up as a volunteer, or (already one) see the profile with a button per part to edit."""
    await require_registered(ctx)
    profile = await ctx.session.get(VolunteerProfile, ctx.person.id)
    if profile is None:
        return [ctx.reply("volunteers.welcome"), *await dialogs.begin(ctx, VOLUNTEER)]
    return await _show(ctx, profile)


async def edit_profile(ctx: Ctx) -> list[Reply]:
    """Edit one part of the profile (`/volunteer_edit skills`); no part: show the profile."""
    profile = await _profile(ctx)
    part = ctx.args.strip().lower()
    if part not in PARTS:
        return await _show(ctx, profile)
    return await dialogs.begin(ctx, VOLUNTEER, {**labels.answers_of(profile), "mode": part})
