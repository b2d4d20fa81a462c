"""Walk-ins: people who came to an activity without signing up.

Three ways in: a walk-in types the check-in code shown on site (added and checked in at once),
the organizer adds someone by name or phone (`/walkin ID`, 现场加人), and the organizer adds
attendees at closing (handlers/activities/close.py, with the hours of everyone else).
"""

from __future__ import annotations

from sqlalchemy import select

from handlers.activities.common import Env, find, manage
from handlers.admin.imports import normalize_phone
from handlers.core import dialogs
from handlers.core.auth import is_registered, require_not_subject
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step
from handlers.core.errors import InvalidInput, UserError
from handlers.core.messages import Choice, Message, Reply
from handlers.core.numbers import parse_id
from storage.models import Activity, ActivitySignup, Person
from storage.repos import activities as repo
from storage.repos import audit, regions

WHO_LIMIT = 50
SHOWN = 6
REUSABLE = ("cancelled",)  # a sign-up row that may be turned into a walk-in's


async def people_matching(ctx: Ctx, typed: str) -> list[Person]:
    """Registered people by phone (any format) or by their name exactly as registered."""
    typed = typed.strip()
    if not typed or len(typed) > WHO_LIMIT:
        return []
    phone = normalize_phone(typed) if any(c.isdigit() for c in typed) else None
    where = Person.phone == phone if phone else Person.display_name == typed
    rows = await ctx.session.execute(
        select(Person)
        .where(where, Person.registered_at.is_not(None), Person.erased_at.is_(None))
        .order_by(Person.id)
        .limit(SHOWN)
    )
    return list(rows.scalars().unique())


async def describe(ctx: Ctx, person: Person) -> str:
    """A person as a choice label: the name and where they live ("王凤兰（第一网格）")."""
    home = await regions.by_id(ctx.session, person.home_region_id or 0)
    grid = await regions.ancestor_at(ctx.session, home, "grid") if home else None
    return f"{person.display_name}（{grid.name}）" if grid else person.display_name


async def add(
    env: Env, activity: Activity, person_id: int, *, by: int | None, checked_in: bool
) -> ActivitySignup:
    """Put a walk-in on an activity's list (checked in now, or not), beyond its slots."""
    entry = await repo.signup_of(env.session, activity.id, person_id)
    if entry is not None and entry.status not in REUSABLE:
        raise UserError("activities.walkin_already", title=activity.title)
    if entry is None:
        entry = ActivitySignup(activity_id=activity.id, person_id=person_id)
        env.session.add(entry)
    entry.status, entry.created_at, entry.promote_due_at = "confirmed", env.now, None
    entry.position = await repo.next_position(env.session, activity.id)
    entry.checked_in_at = env.now if checked_in else None
    await env.session.flush()
    audit.record(
        env.session,
        actor_id=by if by is not None else person_id,
        action="activity.walkin",
        target=f"activity:{activity.id}",
        now=env.now,
        person=person_id,
    )
    return entry


async def check_in_walkin(ctx: Ctx, code: str) -> Reply | None:
    """A registered person who did not sign up types the code on site: added and checked in.

    Only during check-in and only for people living in the activity's region; otherwise None
    (the caller answers as for a wrong code, and counts it).
    """
    if not is_registered(ctx):
        return None
    env = Env.of(ctx)
    for activity in await repo.by_code(ctx.session, code):
        entry = await repo.signup_of(ctx.session, activity.id, ctx.person.id)
        opens = activity.starts_at - env.rules.checkin_opens
        if entry is not None and entry.status not in REUSABLE:
            continue
        if not opens <= ctx.now <= activity.ends_at or not await _in_audience(ctx, activity):
            continue
        await add(env, activity, ctx.person.id, by=None, checked_in=True)
        await env.tell(
            activity.organizer_id,
            "activities.walkin_notice",
            name=ctx.person.display_name,
            title=activity.title,
        )
        return ctx.reply("activities.walkin_checked_in", title=activity.title, place=activity.place)
    return None


async def _in_audience(ctx: Ctx, activity: Activity) -> bool:
    """Whether the person lives in the activity's region (a code alone admits only neighbours)."""
    region = await regions.by_id(ctx.session, activity.region_id)
    home = await regions.by_id(ctx.session, ctx.person.home_region_id or 0)
    return region is not None and home is not None and regions.contains(region, home)


# -- the organizer adds someone: /walkin ID ------------------------------------------------------


async def walkin_command(ctx: Ctx) -> list[Reply]:
    """/walkin ID: add someone who came without signing up, by name or phone."""
    activity = await _checkable(ctx, parse_id(ctx.args) if ctx.args else None)
    return await dialogs.begin(ctx, WALKIN, {"activity": activity.id})


async def _checkable(ctx: Ctx, activity_id: int | None) -> Activity:
    if activity_id is None:
        raise UserError("activities.walkin_usage")
    activity = await find(ctx, activity_id)
    await manage(ctx, activity)
    if activity.status != "open":
        raise UserError("activities.already_closed", title=activity.title)
    return activity


async def _guard(ctx: Ctx) -> None:
    await _checkable(ctx, ctx.data.get("activity"))


async def _ask_who(ctx: Ctx) -> Reply:
    activity = await find(ctx, ctx.data["activity"])
    return ctx.reply("activities.ask_walkin", title=activity.title)


async def take_who(ctx: Ctx, message: Message) -> list[int]:
    """The people a typed name or phone finds; InvalidInput when none."""
    typed = dialogs.free_text(message)
    found = await people_matching(ctx, typed)
    if not found:
        raise InvalidInput("activities.walkin_not_found", who=typed[:WHO_LIMIT])
    return [p.id for p in found]


async def _take_who(ctx: Ctx, message: Message) -> str | None:
    ctx.data["found"] = await take_who(ctx, message)
    if len(ctx.data["found"]) == 1:
        ctx.data["person"] = ctx.data["found"][0]
        return DONE
    return NEXT


async def ask_pick(ctx: Ctx) -> Reply:
    """Several people answer to the name: which one came."""
    choices = []
    for person_id in ctx.data.get("found", []):
        person = await ctx.session.get(Person, person_id)
        if person is not None:
            choices.append(Choice((await describe(ctx, person))[:60], f"p{person.id}"))
    return ctx.reply("activities.walkin_pick", choices=choices)


def take_pick(ctx: Ctx, message: Message) -> int:
    """The person picked among those found."""
    allowed = {f"p{pid}": pid for pid in ctx.data.get("found", [])}
    if message.value not in allowed:
        raise InvalidInput("common.pick_from_list")
    return allowed[message.value]


async def _take_pick(ctx: Ctx, message: Message) -> str | None:
    ctx.data["person"] = take_pick(ctx, message)
    return DONE


async def _finish(ctx: Ctx) -> list[Reply]:
    activity = await _checkable(ctx, ctx.data["activity"])
    person_id = int(ctx.data["person"])
    require_not_subject(ctx, person_id)  # nobody confirms their own attendance
    await add(Env.of(ctx), activity, person_id, by=ctx.person.id, checked_in=True)
    person = await ctx.session.get(Person, person_id)
    name = person.display_name if person else "—"
    await Env.of(ctx).tell(person_id, "activities.walkin_added_notice", title=activity.title)
    return [ctx.reply("activities.walkin_added", name=name, title=activity.title)]


WALKIN = Flow(
    name="activity_walkin",
    guard=_guard,
    steps=(
        Step("who", _ask_who, _take_who),
        Step("pick", ask_pick, _take_pick),
    ),
    finish=_finish,
)
