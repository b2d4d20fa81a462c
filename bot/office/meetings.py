"""联席会议 in the office: a region's meetings, a meeting's page, scheduling, moving, cancelling.

GET /region/{id}/meetings · /meetings/{id} · /api/regions/{id}/meetings · /api/meetings/{id};
POST /region/{id}/meetings (schedule) · /meetings/{id}/move · /meetings/{id}/cancel; the
organizer's other actions (invite, outcome, minutes, 公示) are in bot/office/meeting_actions.py.
Each action runs the chat's use case (handlers.meetings.schedule.schedule, .change.move,
.change.cancel), which checks the organizer's role over the community again and audits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.bootstrap import App
from bot.office.pages import page
from bot.office.web import Templates, Visit, headers, redirect, signed_in
from handlers.core.auth import require_role
from handlers.core.errors import InvalidInput, NotAllowed
from handlers.meetings.change import cancel, move
from handlers.meetings.common import (
    ANSWER_LABELS,
    CAPACITY_LABELS,
    ORGANIZER_ROLES,
    OUTCOME_LABELS,
    PLACE_MAX,
    STATUS_LABELS,
    TEXT_MAX,
    VOTE_LABELS,
)
from handlers.meetings.schedule import schedule
from handlers.office import governance
from handlers.office.context import office_ctx
from storage.models import Meeting, Region

# the ?done= messages (the last four from bot/office/meeting_actions.py)
DONE = ("scheduled", "moved", "cancelled", "invited", "outcome", "minutes", "published")
LABELS = {
    "answers": ANSWER_LABELS,
    "capacities": CAPACITY_LABELS,
    "outcomes": OUTCOME_LABELS,
    "meeting_states": STATUS_LABELS,
    "vote_labels": VOTE_LABELS,
}


def local_moment(visit: Visit, form: dict[str, str]) -> datetime:
    """The `date` (YYYY-MM-DD) and `time` (HH:MM) fields as a moment in LINLI_TZ."""
    try:
        day = datetime.strptime(f"{form.get('date', '')} {form.get('time', '')}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise InvalidInput("meetings.when_invalid") from None
    return day.replace(tzinfo=ZoneInfo(visit.app.settings.tz))


async def meeting_in_reach(visit: Visit, meeting_id: int) -> tuple[Meeting, Region]:
    """A meeting whose community the visitor sees, with that community."""
    meeting = await visit.session.get(Meeting, meeting_id)
    community = await visit.session.get(Region, meeting.community_id) if meeting else None
    if meeting is None or community is None or not visit.staff.sees(community):
        raise NotAllowed()
    return meeting, community


def _stamp(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_stamp(v) for v in value]
    if isinstance(value, dict):
        return {k: _stamp(v) for k, v in value.items()}
    return value


def routes(app: App, templates: Templates) -> list[Route]:
    """The meeting pages, their JSON and their form posts."""

    def ctx_of(visit: Visit) -> Any:
        return office_ctx(app.deps, visit.session, visit.person, app.deps.clock())

    @signed_in(app, templates)
    async def meeting_list(visit: Visit) -> Response:
        region = await visit.region(int(visit.request.path_params["region"]))
        rows = await governance.meeting_list(visit.session, region)
        return await page(
            visit,
            templates,
            "meetings.html",
            region,
            tab="meetings",
            rows=rows,
            may_schedule=region.level == "community" and visit.staff.sees(region, ORGANIZER_ROLES),
            place_max=PLACE_MAX,
            **LABELS,
        )

    @signed_in(app, templates, form=True)
    async def schedule_meeting(visit: Visit) -> Response:
        region = await visit.region(int(visit.request.path_params["region"]))
        if region.level != "community":
            raise NotAllowed()
        ctx = ctx_of(visit)
        await require_role(ctx, ORGANIZER_ROLES, region)
        form = await visit.form()
        starts = local_moment(visit, form)
        if starts <= ctx.now:
            raise InvalidInput("meetings.when_past")
        place = " ".join(form.get("place", "").split())
        if not place or len(place) > PLACE_MAX:
            raise InvalidInput("meetings.place_invalid", limit=PLACE_MAX)
        meeting = await schedule(ctx, region, starts, place)
        return redirect(f"/office/meetings/{meeting.id}?done=scheduled")

    @signed_in(app, templates)
    async def meeting_page(visit: Visit) -> Response:
        meeting, community = await meeting_in_reach(
            visit, int(visit.request.path_params["meeting"])
        )
        detail = await governance.meeting_detail(ctx_of(visit), meeting)
        done = visit.request.query_params.get("done", "")
        sent = visit.request.query_params.get("sent", "")
        return await page(
            visit,
            templates,
            "meeting.html",
            community,
            tab="meetings",
            m=detail,
            community=community,
            organizer=visit.staff.sees(community, ORGANIZER_ROLES),
            done=done if done in DONE else "",
            sent=int(sent) if sent.isdigit() else 0,
            place_max=PLACE_MAX,
            text_max=TEXT_MAX,
            **LABELS,
        )

    @signed_in(app, templates, form=True)
    async def move_meeting(visit: Visit) -> Response:
        meeting, _ = await meeting_in_reach(visit, int(visit.request.path_params["meeting"]))
        form = await visit.form()
        await move(ctx_of(visit), meeting.id, local_moment(visit, form), form.get("place", ""))
        return redirect(f"/office/meetings/{meeting.id}?done=moved")

    @signed_in(app, templates, form=True)
    async def cancel_meeting(visit: Visit) -> Response:
        meeting, _ = await meeting_in_reach(visit, int(visit.request.path_params["meeting"]))
        form = await visit.form()
        await cancel(ctx_of(visit), meeting.id, form.get("reason", ""))
        return redirect(f"/office/meetings/{meeting.id}?done=cancelled")

    @signed_in(app, templates, api=True)
    async def meeting_list_json(visit: Visit) -> Response:
        region = await visit.region(int(visit.request.path_params["region"]))
        rows = await governance.meeting_list(visit.session, region)
        return JSONResponse(_stamp(rows), headers=headers(app))

    @signed_in(app, templates, api=True)
    async def meeting_json(visit: Visit) -> Response:
        meeting, _ = await meeting_in_reach(visit, int(visit.request.path_params["meeting"]))
        detail = await governance.meeting_detail(ctx_of(visit), meeting)
        return JSONResponse(_stamp(detail), headers=headers(app))

    return [
        Route("/region/{region:int}/meetings", meeting_list),
        Route("/region/{region:int}/meetings", schedule_meeting, methods=["POST"]),
        Route("/meetings/{meeting:int}", meeting_page),
        Route("/meetings/{meeting:int}/move", move_meeting, methods=["POST"]),
        Route("/meetings/{meeting:int}/cancel", cancel_meeting, methods=["POST"]),
        Route("/api/regions/{region:int}/meetings", meeting_list_json),
        Route("/api/meetings/{meeting:int}", meeting_json),
    ]
