"""Looking at needs: mine (/needs), one (/need_status ID), open ones for staff (/needs_open)."""

from __future__ import annotations

from handlers.core.auth import STAFF_ROLES, require_registered, require_role
from handlers.core.context import Ctx
from handlers.core.errors import NotAllowed
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Reply
from handlers.core.ratings import RATING_CHOICES, STARS
from handlers.needs.common import (
    ACTIVE,
    SELF_CANCELLABLE,
    can_view,
    is_staff_for,
    item_of,
    load,
    rater_id,
    window_text,
)
from handlers.needs.station import staff_moves, status_label
from handlers.relay.thread import thread_part
from storage.models import Need, Region
from storage.repos import needs as needs_repo
from storage.repos import relay as relay_repo
from storage.repos import roles
from storage.repos import tasks as tasks_repo

LIST_LIMIT = 10
OPEN_LIMIT = 20
BUTTONS = 6


async def _line(ctx: Ctx, need: Need, name: str | None = None, tags: str = "") -> str:
    item = await item_of(ctx.session, need)
    return ctx.t(
        N_("needs.line_staff") if name is not None else N_("needs.line"),
        id=need.id,
        item=item.name(ctx.lang),
        status=ctx.t(status_label(item, need.status)),
        window=window_text(ctx, need.window_start, need.window_end),
        name=name or "",
        tags=tags,
    )


def _view_choices(ctx: Ctx, needs: list[Need]) -> list[Choice]:
    return [
        Choice(ctx.t("needs.view_one", id=need.id), f"/need_status {need.id}")
        for need in needs[:BUTTONS]
    ]


async def list_mine(ctx: Ctx) -> list[Reply]:
    """/needs: the person's own needs, newest first."""
    await require_registered(ctx)
    needs = await needs_repo.of_person(ctx.session, ctx.person.id, LIST_LIMIT)
    if not needs:
        return [ctx.reply("needs.none_yet")]
    lines = [await _line(ctx, need) for need in needs]
    return [
        Reply(
            ctx.t("needs.mine", lines="\n".join(lines)),
            tuple(_view_choices(ctx, needs)),
        )
    ]


async def show(ctx: Ctx) -> list[Reply]:
    """/need_status ID: one need in detail, with what the person may do about it."""
    await require_registered(ctx)
    if not ctx.args:
        return await list_mine(ctx)
    need = await load(ctx, ctx.args)
    if not await can_view(ctx, need):
        raise NotAllowed()
    staff = await is_staff_for(ctx, need)
    item = await item_of(ctx.session, need)
    parts = [
        ctx.t(
            "needs.detail",
            id=need.id,
            item=item.name(ctx.lang),
            status=ctx.t(status_label(item, need.status)),
            window=window_text(ctx, need.window_start, need.window_end),
            place=need.place or "—",
            notes=need.notes or "—",
            created=ctx.when(need.created_at),
        )
    ]
    if need.rating is not None:
        parts.append(
            ctx.t(
                "needs.detail_rating",
                stars=STARS[need.rating - 1],
                comment=need.rating_comment or "",
            )
        )
    if need.series_id is not None:  # one occurrence of a recurring need
        parts.append(ctx.t("series.detail_line", id=need.series_id))
    if need.relation is not None:  # asked on someone's behalf (handlers/needs/behalf.py)
        served = await needs_repo.names(ctx.session, [need.person_id] if need.person_id else [])
        parts.append(ctx.t("behalf.detail", name=served.get(need.person_id or 0, "—")))
    if staff:  # target groups are for staff only, never for residents or volunteers
        names = await needs_repo.names(
            ctx.session, [pid for pid in (need.person_id, need.entered_by_id) if pid]
        )
        parts.append(
            ctx.t(
                "needs.detail_staff",
                name=names.get(need.person_id or 0, "—"),
                entered_by=names.get(need.entered_by_id or 0, "—"),
                groups=await group_names(ctx, need),
            )
        )
    if ctx.person.id == need.person_id:  # the resident's own sensitive note is theirs to see
        note = await relay_repo.sensitive_note(ctx.session, need.id)
        if note:
            parts.append(ctx.t("needs.summary_sensitive", note=note))
    thread, write = await thread_part(ctx, "need", need.id)  # the two sides' messages
    if thread:
        parts.append(thread)
    moves = staff_moves(ctx, need, item) if staff else []  # 一窗受理: the station's staff only
    actions = await _actions(ctx, need, staff)
    return [Reply("\n".join(parts), tuple(moves + actions + write))]


async def _actions(ctx: Ctx, need: Need, staff: bool) -> list[Choice]:
    own = ctx.person.id in (need.person_id, need.entered_by_id)
    choices = []
    if (staff and need.status in ACTIVE) or (own and need.status in SELF_CANCELLABLE):
        choices.append(Choice(ctx.t("needs.cancel_button"), f"needcancel:{need.id}:{need.status}"))
    if need.status == "assigned" and (own or staff):  # a task waiting for confirmation
        for task in await tasks_repo.assignments_for(ctx.session, need.id):
            if task.status == "done_marked":
                choices += [
                    Choice(ctx.t("tasks.confirm"), f"taskok:{task.id}"),
                    Choice(ctx.t("tasks.dispute"), f"taskbad:{task.id}"),
                ]
    rateable = need.status == "done" and need.rating is None
    if rateable and ctx.person.id == await rater_id(ctx.session, need):
        choices += [
            Choice(ctx.t(label), f"needrate:{need.id}:{stars}") for label, stars in RATING_CHOICES
        ]
    return choices


async def group_names(ctx: Ctx, need: Need) -> str:
    """The need's target groups in the reader's language ("—" when none)."""
    wanted = set(need.target_groups or [])
    groups = await needs_repo.target_groups(ctx.session)
    zh = ctx.lang.startswith("zh")
    return ctx.join(g.name_zh if zh else g.name_en for g in groups if g.code in wanted) or "—"


async def staff_scopes(ctx: Ctx) -> list[Region]:
    """The regions over which the person holds a staff role."""
    grants = await roles.active_grants(ctx.session, ctx.person.id)
    return [g.region for g in grants if g.role in STAFF_ROLES]


async def list_open(ctx: Ctx) -> list[Reply]:
    """/needs_open: needs waiting for a volunteer in the subtrees where the person is staff."""
    await require_role(ctx, STAFF_ROLES)
    needs = await needs_repo.in_scopes(
        ctx.session, await staff_scopes(ctx), ("open", "matching"), OPEN_LIMIT
    )
    if not needs:
        return [ctx.reply("needs.open_none")]
    names = await needs_repo.names(ctx.session, [n.person_id for n in needs if n.person_id])
    lines = []
    for need in needs:
        groups = await group_names(ctx, need)
        tags = ctx.t("needs.tags", groups=groups) if need.target_groups else ""
        lines.append(await _line(ctx, need, names.get(need.person_id or 0, "—"), tags))
    return [
        Reply(
            ctx.t("needs.open_list", count=len(needs), lines="\n".join(lines)),
            tuple(_view_choices(ctx, needs)),
        )
    ]
