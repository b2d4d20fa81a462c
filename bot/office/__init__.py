"""The office console under /office: server-rendered pages for community and street staff.

Sign-in by a one-time link sent in chat (/office, `linli admin office-link`), short sessions in
HttpOnly SameSite=Strict cookies, a CSRF token on every form, every action checked by the chat's
own use cases and audited. See docs/office.md.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.bootstrap import App
from bot.office import (
    agencies,
    api,
    item_pages,
    meeting_actions,
    meetings,
    pages,
    password,
    photos,
    signin,
)
from bot.office.cache import Recent
from bot.office.web import HERE, Templates


def mount(app: App) -> Mount:
    """Every office route, under /office."""
    templates = Templates(app)
    recent = Recent(app.settings.office_figures_seconds, app.deps.clock)
    routes: list[BaseRoute] = [
        *signin.routes(app, templates),
        *api.routes(app, templates, recent),
        *pages.routes(app, templates, recent),
        *item_pages.routes(app, templates),
        *password.routes(app, templates),
        *meetings.routes(app, templates),
        *meeting_actions.routes(app, templates),
        *agencies.routes(app, templates),
        *photos.routes(app, templates),
    ]
    routes.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="office-static"))
    return Mount("/office", routes=routes)
