"""A need's and a proposal's own page in the office: the item, its whole timeline, its actions."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from bot.bootstrap import App
from bot.office.api import need_in_reach, proposal_in_reach
from bot.office.pages import EVENT_KINDS, page
from bot.office.web import Templates, Visit, signed_in
from handlers.office import timelines
from storage.models import ServiceItem


def routes(app: App, templates: Templates) -> list[Route]:
    """GET /needs/{id} and /proposals/{id}."""

    @signed_in(app, templates)
    async def need_page(visit: Visit) -> Response:
        need, region = await need_in_reach(visit, int(visit.request.path_params["need"]))
        item = await visit.session.get(ServiceItem, need.service_item_id)
        name = (item.name_zh if visit.lang.startswith("zh") else item.name_en) if item else ""
        return await page(
            visit,
            templates,
            "need.html",
            region,
            tab="needs",
            need=need,
            item_name=name,
            timeline=await timelines.need_timeline(visit.session, need),
            event_kinds=EVENT_KINDS,
        )

    @signed_in(app, templates)
    async def proposal_page(visit: Visit) -> Response:
        proposal, region = await proposal_in_reach(
            visit, int(visit.request.path_params["proposal"])
        )
        timeline, cosigners = await timelines.proposal_timeline(visit.session, proposal)
        return await page(
            visit,
            templates,
            "proposal.html",
            region,
            tab="proposals",
            proposal=proposal,
            timeline=timeline,
            cosigners=cosigners,
            event_kinds=EVENT_KINDS,
        )

    return [
        Route("/needs/{need:int}", need_page),
        Route("/proposals/{proposal:int}", proposal_page),
    ]
