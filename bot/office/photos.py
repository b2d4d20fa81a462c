"""GET /office/photos/{id}: a report's photo, to staff who may see the report.

The bytes were fetched from the chat platform by the worker (bot/photos.py) and re-encoded as
JPEG. The same session, staff role and region checks as the report's own page apply (a photo
of a report elsewhere is refused like the report). The answer is private to the browser:
`Cache-Control: private` keeps shared proxies from keeping it, and `Vary: Cookie` from serving
it to another session.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from bot.bootstrap import App
from bot.office.api import report_in_reach
from bot.office.web import Templates, Visit, signed_in
from handlers.core.errors import NotAllowed
from storage.models import Photo

MAX_AGE_S = 300


def routes(app: App, templates: Templates) -> list[Route]:
    """GET /photos/{photo}."""

    @signed_in(app, templates)
    async def photo(visit: Visit) -> Response:
        row = await visit.session.get(Photo, int(visit.request.path_params["photo"]))
        if row is None:
            raise NotAllowed()  # as for a report out of reach: no telling which ids exist
        await report_in_reach(visit, row.report_id)
        if row.status != "ready" or not row.data or not row.content_type:
            return Response(status_code=404, headers={"Cache-Control": "no-store"})
        return Response(
            bytes(row.data),
            media_type=row.content_type,
            headers={
                "Cache-Control": f"private, max-age={MAX_AGE_S}",
                "Vary": "Cookie",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Content-Disposition": f'inline; filename="report-{row.report_id}-{row.role}.jpg"',
                "Cross-Origin-Resource-Policy": "same-origin",
            },
        )

    return [Route("/photos/{photo:int}", photo)]
