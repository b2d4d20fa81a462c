"""A person's rights over their data: /mydata (export), /forget (erase), /phone, sensitive consent.

Erasure keeps the community's records whole: the person row stays (display name replaced by a
marker, every personal field cleared, home kept only at community level, `erased_at` set), so
service hours, co-signature counts and proposals still add up; their channel identities, dialog
states, volunteer profile, memberships and pending messages go; free text about them (needs'
notes and place, comments, hour corrections) goes. Proposals and grid reports keep their text:
they describe public matters and are the community's record. The retention sweep
(`retention_sweep`) anonymizes closed items after LINLI_RETENTION_DAYS.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.activities.common import Env
from handlers.activities.signups import leave
from handlers.admin.imports import normalize_phone
from handlers.core.auth import (  # noqa: F401 (the sensitive-consent rule is kept with auth)
    GUARDIAN_AGE,
    has_sensitive_consent,
    needs_guardian,
    require_registered,
    require_sensitive_consent,
)
from handlers.core.context import Ctx, Deps
from handlers.core.dialogs import DONE, NEXT, Flow, Step, choice_step
from handlers.core.errors import InvalidInput, UserError
from handlers.core.features import Feature
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import Sink
from handlers.needs import set_status
from storage.models import DueJob, Need
from storage.repos import activities as activities_repo
from storage.repos import audit, jobs
from storage.repos import privacy as repo
from storage.repos import relay as relay_repo
from storage.repos import tasks as tasks_repo

EXPORT_FILE = "linli-mydata.json"
CLEAR_WORDS = frozenset({"clear", "delete", "none", "清除", "删除", "不留"})


def mask_phone(phone: str | None) -> str:
    """A phone shown with its middle hidden: "+8613800138000" → "138****8000"."""
    if not phone:
        return "—"
    digits = phone[3:] if phone.startswith("+86") else phone.lstrip("+")
    if len(digits) < 8:
        return digits[:1] + "*" * max(len(digits) - 3, 1) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


# -- /mydata ---------------------------------------------------------------------------------------


async def export_data(ctx: Ctx) -> list[Reply]:
    """/mydata: everything held about the person, in words and as a JSON file (audited).

    Open to anyone who writes, registered or not: the right to see one's data needs no consent.
    """
    from handlers.mydata import summary  # it reads feature labels; features import this module

    export = await export_person(
        ctx.session, ctx.person.id, ctx.now, ctx.deps.config.policy_version, actor_id=ctx.person.id
    )
    text = ctx.t("privacy.export_ready", hours=f"{export.hours:g}", **export.counts)
    words = await summary(ctx, export.data, mask_phone(ctx.person.phone))
    return [Reply(f"{text}\n\n{words}", document=(EXPORT_FILE, export.content))]


@dataclass(frozen=True)
class Export:
    """A person's data as a JSON document, with the counts its summary shows."""

    content: str
    counts: dict[str, int]
    hours: float
    data: dict[str, Any]


async def export_person(
    session: AsyncSession,
    person_id: int,
    now: datetime,
    policy_version: str,
    *,
    actor_id: int | None,
) -> Export:
    """Everything held about a person, audited as `privacy.export` (by them, or by staff: None)."""
    data = await repo.collect(session, person_id)
    document = {"exported_at": now.isoformat(), "policy_version": policy_version, **data}
    counts = {
        "proposals": len(data["proposals"]),
        "needs": len(data["needs"]),
        "reports": len(data["reports"]),
        "signups": len(data["activity_signups"]),
        "records": len(data["service_records"]),
    }
    audit.record(
        session,
        actor_id=actor_id,
        action="privacy.export",
        target=f"person:{person_id}",
        now=now,
        **counts,
    )
    content = json.dumps(document, ensure_ascii=False, indent=1)
    return Export(content, counts, float(data["service_hours_total"]), data)


# -- /forget ---------------------------------------------------------------------------------------


async def _refuse_if_busy(ctx: Ctx) -> None:
    busy = await repo.busy_with(ctx.session, ctx.person.id)
    if busy["tasks"] or busy["needs"]:
        ids = [f"#{i}" for i in busy["tasks"] + busy["needs"]]
        raise UserError("privacy.forget_busy", items=ctx.join(ids))


async def _ask_forget(ctx: Ctx) -> Reply:
    return ctx.reply(
        "privacy.forget_ask",
        choices=[
            Choice(ctx.t("privacy.forget_yes"), "erase"),
            Choice(ctx.t("privacy.forget_no"), "keep"),
        ],
    )


async def _take_forget(ctx: Ctx, message: Message) -> str | None:
    if message.value not in ("erase", "keep"):
        raise InvalidInput("common.pick_from_list")
    ctx.data["answer"] = message.value
    return DONE


async def _finish_forget(ctx: Ctx) -> list[Reply]:
    if ctx.data.get("answer") != "erase":
        return [ctx.reply("privacy.forget_kept")]
    await _refuse_if_busy(ctx)  # something may have been accepted since the question
    await _close_open_work(ctx)
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="privacy.erase",
        target=f"person:{ctx.person.id}",
        now=ctx.now,
    )
    marker = ctx.deps.i18n.translate(ctx.deps.config.default_lang, "privacy.erased_name")
    reply = ctx.reply("privacy.forget_done")
    # Nothing may touch the database after this: the dialog state is deleted last, and the
    # dispatcher's bookkeeping on it must go with it (it flushes once, at the end).
    await repo.erase(ctx.session, ctx.person, ctx.now, marker, current=ctx.state)
    return [reply]


async def _close_open_work(ctx: Ctx) -> None:
    """Through the features' own use cases: open needs cancelled, sign-ups and offers released."""
    session, pid, now = ctx.session, ctx.person.id, ctx.now
    env = Env.of(ctx)
    for activity, _entry in await activities_repo.of_person(
        session, pid, activities_repo.ACTIVE, now
    ):
        with contextlib.suppress(UserError):  # already started: nothing to free
            await leave(env, activity.id, pid)  # the place goes to the first person waiting
    open_needs = await session.execute(
        select(Need).where(Need.person_id == pid, Need.status.in_(("open", "matching")))
    )
    for need in list(open_needs.scalars()):
        await set_status(Sink.of(ctx), need, "cancelled", pid, announce=False)
        await tasks_repo.withdraw_pending(session, need.id, now)
    offers, _tasks = await tasks_repo.mine(session, pid)
    for offer in offers:
        # The offer lapses at the next sweep, which moves the need on to the next candidate.
        await jobs.schedule(session, "offer_timeout", str(offer.id), now, now)


FORGET = Flow(
    name="forget",
    guard=_refuse_if_busy,
    steps=(Step("confirm", _ask_forget, _take_forget),),
    finish=_finish_forget,
)


# -- /phone ----------------------------------------------------------------------------------------


async def set_phone(ctx: Ctx) -> list[Reply]:
    """/phone [NUMBER|clear]: show (masked), set or clear one's optional phone number."""
    await require_registered(ctx)
    given = ctx.args.strip()
    person = ctx.person
    if not given:
        if not person.phone:
            return [ctx.reply("privacy.phone_none")]
        clear = Choice(ctx.t("privacy.phone_clear"), "/phone clear")
        return [ctx.reply("privacy.phone_show", phone=mask_phone(person.phone), choices=[clear])]
    if given.lower() in CLEAR_WORDS:
        person.phone = None
        return [ctx.reply("privacy.phone_cleared")]
    number = normalize_phone(given) if len(given) <= 32 else None
    if number is None:
        raise UserError("privacy.phone_invalid")
    person.phone = number
    return [ctx.reply("privacy.phone_set", phone=mask_phone(number))]


# -- /sensitive_consent ----------------------------------------------------------------------------


async def _ask_sensitive(ctx: Ctx) -> Reply:
    choices = [
        Choice(ctx.t("privacy.sensitive_agree"), "agree"),
        Choice(ctx.t("privacy.sensitive_disagree"), "disagree"),
    ]
    if ctx.person.sensitive_consent_at is not None:
        choices.append(Choice(ctx.t("privacy.sensitive_withdraw"), "withdraw"))
    return ctx.reply("privacy.sensitive_ask", choices=choices)


async def _take_sensitive(ctx: Ctx, message: Message) -> str | None:
    allowed = ["agree", "disagree"]
    if ctx.person.sensitive_consent_at is not None:
        allowed.append("withdraw")
    if message.value not in allowed:
        raise InvalidInput("common.pick_from_list")
    ctx.data["answer"] = message.value
    return NEXT if message.value == "agree" else DONE


AGE = choice_step(
    "age",
    "privacy.ask_age",
    ((N_("privacy.age_adult"), "adult"), (N_("privacy.age_minor"), "minor")),
    store="age",
    skip=lambda c: c.person.birth_year is not None,
)
GUARDIAN = choice_step(
    "guardian",
    "privacy.ask_guardian",
    (
        (N_("privacy.guardian_agree"), "guardian_agree"),
        (N_("privacy.guardian_disagree"), "guardian_disagree"),
    ),
    store="guardian",
    then=lambda _: DONE,
    skip=lambda c: not _minor(c),
)


def _minor(ctx: Ctx) -> bool:
    return ctx.data.get("age") == "minor" or needs_guardian(ctx.person, ctx.now)


async def _finish_sensitive(ctx: Ctx) -> list[Reply]:
    person, answer = ctx.person, ctx.data.get("answer")
    if answer == "withdraw":
        person.sensitive_consent_at = None
        person.guardian_consent = False
        person.target_groups = []
        person.birth_year = None
        # "撤回后立即删除": the health notes of their needs go too
        own = await ctx.session.execute(select(Need.id).where(Need.person_id == person.id))
        await relay_repo.erase_sensitive_notes(ctx.session, list(own.scalars()))
        await _record(ctx, "consent.sensitive_withdrawn")
        return [ctx.reply("privacy.sensitive_withdrawn")]
    if answer != "agree" or (_minor(ctx) and ctx.data.get("guardian") != "guardian_agree"):
        return [ctx.reply("privacy.sensitive_declined")]
    person.sensitive_consent_at = ctx.now
    person.guardian_consent = _minor(ctx)
    await _record(ctx, "consent.sensitive", minor=person.guardian_consent)
    if person.guardian_consent:
        await _record(ctx, "consent.guardian")
    return [ctx.reply("privacy.sensitive_recorded")]


async def _record(ctx: Ctx, action: str, **details: Any) -> None:
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action=action,
        target=f"person:{ctx.person.id}",
        now=ctx.now,
        version=ctx.deps.config.policy_version,
        **details,
    )


async def _guard_sensitive(ctx: Ctx) -> None:
    await require_registered(ctx)


SENSITIVE = Flow(
    name="sensitive_consent",
    guard=_guard_sensitive,
    steps=(
        Step("consent", _ask_sensitive, _take_sensitive),
        AGE,
        GUARDIAN,
    ),
    finish=_finish_sensitive,
)


# -- retention -------------------------------------------------------------------------------------


def retention_days(deps: Deps) -> int:
    """LINLI_RETENTION_DAYS, as handed to the handlers."""
    return deps.config.retention_days


async def retention_sweep(sink: Sink, job: DueJob) -> None:
    """The daily sweep: anonymize closed items older than the retention period (audited)."""
    deps, session, now = sink.deps, sink.session, sink.now
    days = retention_days(deps)
    changed = await repo.anonymize_expired(session, now, days)
    if any(changed.values()):
        audit.record(
            session,
            actor_id=None,
            action="retention.anonymize",
            target=f"days:{days}",
            now=now,
            **changed,
        )


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature(
    "privacy",
    commands={
        "mydata": export_data,
        "forget": FORGET,
        "phone": set_phone,
        "sensitive_consent": SENSITIVE,
    },
    keywords={
        "我的数据": "mydata",
        "导出数据": "mydata",
        "注销": "forget",
        "删除我的数据": "forget",
        "手机号": "phone",
        "敏感信息": "sensitive_consent",
    },
    help=[(N_("privacy.help"), None)],
)
