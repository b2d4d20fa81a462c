"""What the organizer does to a joint meeting from its office page, as in chat.

POST /meetings/{id}/invite (participants by capacity and name, each invited through the bot) ·
/meetings/{id}/outcome (an agenda item's outcome with the votes cast in the room and a note;
a proposal passed becomes a practical project) · /meetings/{id}/minutes · /meetings/{id}/publish
(the 公示 broadcast to the community and shown with the proposals). Each runs the chat's own use
case (handlers.meetings.invite.invite, .outcomes.record, .minutes.write_minutes / .publish), which
checks the organizer's role over the community again and audits; a refusal rolls everything back.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from bot.bootstrap import App
from bot.office.meetings import meeting_in_reach
from bot.office.web import Templates, Visit, redirect, signed_in
from handlers.core.errors import Conflict, InvalidInput
from handlers.meetings.common import VOTE_LABELS
from handlers.meetings.invite import AFFILIATION_MAX, invite, parse_names
from handlers.meetings.minutes import publish, write_minutes
from handlers.meetings.outcomes import form_answers, record
from handlers.office.context import office_ctx
from storage.models import MeetingItem

# the ?done= messages these actions answer with on the meeting's page
DONE = ("invited", "outcome", "minutes", "published")


def votes_of(form: dict[str, str]) -> dict[int, str]:
    """The votes recorded in the form: fields vote_<participant id> = for|against|abstain."""
    found = {}
    for name, value in form.items():
        if name.startswith("vote_") and value:
            key = name.removeprefix("vote_")
            if not key.isdigit() or value not in VOTE_LABELS:
                raise InvalidInput("common.pick_from_list")
            found[int(key)] = value
    return found


def routes(app: App, templates: Templates) -> list[Route]:
    """The four form posts of a meeting's page."""

    def ctx_of(visit: Visit) -> Any:
        return office_ctx(app.deps, visit.session, visit.person, app.deps.clock())

    def meeting_id(visit: Visit) -> int:
        return int(visit.request.path_params["meeting"])

    @signed_in(app, templates, form=True)
    async def invite_people(visit: Visit) -> Response:
        meeting, _ = await meeting_in_reach(visit, meeting_id(visit))
        form = await visit.form()
        affiliation = " ".join(form.get("affiliation", "").split())
        if len(affiliation) > AFFILIATION_MAX:
            raise InvalidInput("meetings.affiliation_too_long", limit=AFFILIATION_MAX)
        names = parse_names(form.get("names", ""))
        ctx = ctx_of(visit)
        done = await invite(ctx, meeting.id, form.get("capacity", ""), names, affiliation)
        # On a page, all or nothing: a name not found (or shared) invites no one, so the
        # organizer corrects the list and sends it again.
        if done.missing:
            raise InvalidInput("meetings.invite_missing", names=ctx.join(done.missing))
        if done.ambiguous:
            raise InvalidInput("meetings.invite_ambiguous", names=ctx.join(done.ambiguous))
        if not done.invited:
            raise Conflict("meetings.invite_already", names=ctx.join(done.already))
        return redirect(f"/office/meetings/{meeting.id}?done=invited")

    @signed_in(app, templates, form=True)
    async def record_outcome(visit: Visit) -> Response:
        meeting, _ = await meeting_in_reach(visit, meeting_id(visit))
        form = await visit.form(4000)
        given = form.get("item", "")
        item = await visit.session.get(MeetingItem, int(given)) if given.isdigit() else None
        if item is None or item.meeting_id != meeting.id:
            raise InvalidInput("common.pick_from_list")
        ctx = ctx_of(visit)
        await record(ctx, form_answers(ctx, meeting.id, item, form), votes_of(form))
        return redirect(f"/office/meetings/{meeting.id}?done=outcome")

    @signed_in(app, templates, form=True)
    async def save_minutes(visit: Visit) -> Response:
        meeting, _ = await meeting_in_reach(visit, meeting_id(visit))
        form = await visit.form(4000)
        await write_minutes(ctx_of(visit), meeting.id, form.get("minutes", ""))
        return redirect(f"/office/meetings/{meeting.id}?done=minutes")

    @signed_in(app, templates, form=True)
    async def publish_notice(visit: Visit) -> Response:
        meeting, _ = await meeting_in_reach(visit, meeting_id(visit))
        form = await visit.form(4000)
        ctx = ctx_of(visit)
        if form.get("minutes", "").strip():  # the minutes as finally edited, kept first
            await write_minutes(ctx, meeting.id, form["minutes"])
        _, written = await publish(ctx, meeting.id)
        return redirect(f"/office/meetings/{meeting.id}?done=published&sent={written}")

    return [
        Route("/meetings/{meeting:int}/invite", invite_people, methods=["POST"]),
        Route("/meetings/{meeting:int}/outcome", record_outcome, methods=["POST"]),
        Route("/meetings/{meeting:int}/minutes", save_minutes, methods=["POST"]),
        Route("/meetings/{meeting:int}/publish", publish_notice, methods=["POST"]),
    ]
