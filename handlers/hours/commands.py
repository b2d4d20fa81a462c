"""/hours (totals, stars, recent records), /hours_fix (ask for a correction), /hours_review."""

from __future__ import annotations

from decimal import Decimal

from handlers.core.auth import ORGANIZERS, require_not_subject, require_registered, require_role
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step
from handlers.core.errors import Conflict, InvalidInput, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import Sink, notify
from handlers.core.numbers import first_id, parse_id
from handlers.hours.records import (
    Announcer,
    announce_star,
    check_hours,
    content_for,
    content_of,
    year_bounds,
)
from handlers.hours.refs import record_named, ref_for, ref_of
from handlers.hours.rules import HoursRules, rules_of, show
from matching.understand import numerals
from storage.models import Region, ServiceRecord
from storage.repos import audit, roles
from storage.repos import service_records as repo

REVIEWER_ROLES = ORGANIZERS
REASON_MAX = 200
HOUR_CHOICES = 10  # "1 小时" … "10 小时": a typed "3" picks "3 小时", as it should


def rules(ctx: Ctx) -> HoursRules:
    """The hours rules in force."""
    return rules_of(ctx.deps.config)


# -- /hours ----------------------------------------------------------------------------------------


async def show_hours(ctx: Ctx) -> list[Reply]:
    """Total and this year's hours, the star level and what the next one needs, recent records."""
    await require_registered(ctx)
    rule = rules(ctx)
    pid = ctx.person.id
    total = await repo.total_hours(ctx.session, pid)
    start, end, year = year_bounds(ctx.now, ctx.deps.config.tz)
    this_year = await repo.total_hours(ctx.session, pid, start, end)
    level = rule.level(total)
    star = ctx.t("hours.star", stars="★" * level, level=level) if level else ctx.t("hours.no_star")
    upcoming = rule.next_threshold(total)
    if upcoming is None:
        next_line = ctx.t("hours.top_star")
    else:
        next_line = ctx.t("hours.to_next", level=upcoming[0], hours=show(upcoming[1]))
    text = ctx.t(
        "hours.summary",
        total=show(total),
        year=year,
        year_hours=show(this_year),
        star=star,
        next=next_line,
    )
    records = await repo.recent(ctx.session, pid)
    if not records:
        return [Reply(text + "\n\n" + ctx.t("hours.no_records"))]
    refs = {r.id: await ref_of(ctx.session, r) for r in records}
    named = {i: ref.localize(ctx.deps.i18n, ctx.lang) for i, ref in refs.items()}
    lines = [
        _line(ctx, r, await content_for(ctx, r.content), named[r.id], refs[r.id].names(r.content))
        for r in records
    ]
    choices = [
        Choice(ctx.t("hours.fix_button", ref=named[r.id]), f"/hours_fix {refs[r.id].code()}")
        for r in records
        if r.correction_requested is None
    ]
    return [Reply("\n".join([text, "", ctx.t("hours.recent"), *lines]), tuple(choices))]


def _line(ctx: Ctx, record: ServiceRecord, content: str, ref: str, named: bool) -> str:
    line = ctx.t(
        "hours.record_line_named" if named else "hours.record_line",
        ref=ref,
        date=ctx.deps.i18n.datetime(ctx.lang, record.served_at, "yyyy-MM-dd"),
        content=content,
        place=record.place or "—",
        hours=show(record.hours),
    )
    if record.correction_requested is not None:
        line += ctx.t("hours.pending_mark", hours=show(record.correction_requested))
    return line


# -- /hours_fix ID: the volunteer asks for a correction --------------------------------------------


def parse_hours(text: str) -> Decimal:
    """Hours from "2.5", "2.5小时", "3h", "两个半小时" (full-width too); InvalidInput otherwise."""
    hours = numerals.parse_hours(text)  # also "两个半小时", "90分钟"
    if hours is None:
        raise InvalidInput("hours.not_a_number")
    return hours


async def _own_record(ctx: Ctx, text: str) -> ServiceRecord:
    """The person's record named by `text`; someone else's is "not found", never revealed."""
    if parse_id(text.strip().lstrip("#＃rR")) is None:
        raise UserError("hours.fix_usage")
    record = await record_named(ctx.session, ctx.person.id, text)
    if record is None:
        raise UserError("hours.no_record", id=text.strip())
    return record


async def _start_fix(ctx: Ctx) -> None:
    await require_registered(ctx)
    record = await _own_record(ctx, ctx.args)
    if record.correction_requested is not None:
        raise UserError("hours.fix_pending", ref=await ref_for(ctx, record))
    ctx.data["record"] = f"r{record.id}"


async def _ask_fix_hours(ctx: Ctx) -> Reply:
    record = await _own_record(ctx, str(ctx.data["record"]))
    named = await ref_of(ctx.session, record)
    return ctx.reply(
        "hours.ask_fix_hours_named" if named.names(record.content) else "hours.ask_fix_hours",
        ref=named.localize(ctx.deps.i18n, ctx.lang),
        content=await content_for(ctx, record.content),
        hours=show(record.hours),
        choices=[
            Choice(ctx.t("hours.hours_label", n=n), str(n)) for n in range(1, HOUR_CHOICES + 1)
        ],
    )


async def _take_fix_hours(ctx: Ctx, message: Message) -> str | None:
    record = await _own_record(ctx, str(ctx.data["record"]))
    new = check_hours(parse_hours(message.value), rules(ctx))
    if new == record.hours:
        raise InvalidInput("hours.same_hours", hours=show(new))
    ctx.data["hours"] = str(new)
    return NEXT


async def _ask_fix_reason(ctx: Ctx) -> Reply:
    return ctx.reply("hours.ask_fix_reason", limit=REASON_MAX)


async def _take_fix_reason(ctx: Ctx, message: Message) -> str | None:
    reason = message.text.strip()
    if not reason or len(reason) > REASON_MAX:
        raise InvalidInput("hours.reason_invalid", limit=REASON_MAX)
    ctx.data["reason"] = reason
    return DONE


async def _finish_fix(ctx: Ctx) -> list[Reply]:
    record = await _own_record(ctx, str(ctx.data["record"]))
    new, reason = Decimal(ctx.data["hours"]), ctx.data["reason"]
    if not await repo.request_correction(ctx.session, record.id, ctx.person.id, new, reason):
        raise Conflict("hours.fix_pending", ref=await ref_for(ctx, record))
    ref = await ref_of(ctx.session, record)
    region = await ctx.session.get(Region, record.region_id) if record.region_id else None
    reviewers = await roles.holders(ctx.session, REVIEWER_ROLES, region) if region else []
    for reviewer in reviewers:
        if reviewer != ctx.person.id:
            await notify(
                ctx,
                reviewer,
                "hours.fix_request_named" if ref.names(record.content) else "hours.fix_request",
                name=ctx.person.display_name,
                ref=ref,
                content=await content_of(ctx.session, record.content),
                old=show(record.hours),
                new=show(new),
                reason=reason,
            )
    return [
        ctx.reply(
            "hours.fix_sent", ref=await ref_for(ctx, record), old=show(record.hours), new=show(new)
        )
    ]


HOURS_FIX = Flow(
    name="hours_fix",
    guard=_start_fix,
    steps=(
        Step("hours", _ask_fix_hours, _take_fix_hours, numbers=True),
        Step("reason", _ask_fix_reason, _take_fix_reason),
    ),
    finish=_finish_fix,
)


# -- /hours_review: organizers over the record's region decide -------------------------------------


async def _review_scopes(ctx: Ctx) -> tuple[list[Region], bool]:
    """Regions the person reviews in, and whether they also review records with no region."""
    await require_role(ctx, REVIEWER_ROLES)
    grants = await roles.active_grants(ctx.session, ctx.person.id)
    scopes = [g.region for g in grants if g.role in REVIEWER_ROLES]
    return scopes, any(g.role == "admin" for g in grants)


async def review(ctx: Ctx) -> list[Reply]:
    """Pending corrections in the organizer's scope, with approve / reject buttons."""
    scopes, unplaced = await _review_scopes(ctx)
    pending = await repo.pending_corrections(ctx.session, scopes, with_unplaced=unplaced)
    pending = [(r, name) for r, name in pending if r.person_id != ctx.person.id]  # not one's own
    if not pending:
        return [ctx.reply("hours.review_none")]
    lines = [ctx.t("hours.review_title", count=len(pending))]
    choices: list[Choice] = []
    for record, name in pending:
        assert record.correction_requested is not None
        named = await ref_of(ctx.session, record)
        ref = named.localize(ctx.deps.i18n, ctx.lang)
        lines.append(
            ctx.t(
                "hours.review_line_named" if named.names(record.content) else "hours.review_line",
                ref=ref,
                name=name or "—",
                content=await content_for(ctx, record.content),
                date=ctx.deps.i18n.datetime(ctx.lang, record.served_at, "yyyy-MM-dd"),
                old=show(record.hours),
                new=show(record.correction_requested),
                reason=record.correction_reason or "",
            )
        )
        choices.append(Choice(ctx.t("hours.approve_button", ref=ref), f"hours_ok:{record.id}"))
        choices.append(Choice(ctx.t("hours.reject_button", ref=ref), f"hours_no:{record.id}"))
    return [Reply("\n".join(lines), tuple(choices))]


async def _reviewable(ctx: Ctx, args: list[str]) -> ServiceRecord:
    """The record a review button names, if the person may decide on it and it is still pending."""
    record_id = first_id(args)
    if len(args) != 1 or record_id is None:
        raise UserError("error.expired_button")
    record = await repo.get(ctx.session, record_id)
    if record is None:
        raise UserError("hours.no_record", id=args[0])
    region = await ctx.session.get(Region, record.region_id) if record.region_id else None
    if region is not None:
        await require_role(ctx, REVIEWER_ROLES, region)
    else:
        await require_role(ctx, ("admin",))
    require_not_subject(ctx, record.person_id)
    if record.correction_requested is None:
        raise Conflict("hours.review_gone", ref=await ref_for(ctx, record))
    return record


async def approve(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Apply a requested correction (audited) and tell the volunteer; a new star is announced."""
    return await _decide(ctx, args, approve=True)


async def reject(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Refuse a requested correction (audited) and tell the volunteer."""
    return await _decide(ctx, args, approve=False)


async def _decide(ctx: Ctx, args: list[str], *, approve: bool) -> list[Reply]:
    record = await _reviewable(ctx, args)
    old, requested = record.hours, record.correction_requested
    assert requested is not None
    reason = record.correction_reason
    pid = record.person_id
    before = await repo.total_hours(ctx.session, pid) if pid else Decimal(0)
    ref = await ref_of(ctx.session, record)
    if not await repo.decide_correction(ctx.session, record.id, requested, approve):
        raise Conflict("hours.review_gone", ref=ref.localize(ctx.deps.i18n, ctx.lang))
    await ctx.session.refresh(record)
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="hours.correction_approved" if approve else "hours.correction_rejected",
        target=f"service_record:{record.id}",
        now=ctx.now,
        old=str(old),
        requested=str(requested),
        reason=reason,
    )
    sender = Announcer(Sink.of(ctx))
    if not approve:
        await sender.send(pid, N_("hours.fix_rejected"), ref=ref, hours=show(old))
        return [ctx.reply("hours.rejected", ref=ref.localize(ctx.deps.i18n, ctx.lang))]
    after = before - old + requested
    await sender.send(
        pid,
        N_("hours.fix_approved"),
        ref=ref,
        old=show(old),
        new=show(requested),
        total=show(after),
    )
    if pid is not None:
        await announce_star(sender, rules(ctx), pid, before, after)
    named = ref.localize(ctx.deps.i18n, ctx.lang)
    return [ctx.reply("hours.approved", ref=named, new=show(requested))]
