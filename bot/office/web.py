"""What every office page shares: the signed-in staff member, CSRF, templates, refusals."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from bot.bootstrap import App
from handlers.core.errors import Conflict, InvalidInput, NotAllowed, UserError
from handlers.core.text import clean_text
from handlers.office.scope import Staff, staff_of
from storage.models import OfficeSession, Person, Region
from storage.repos import office

COOKIE = "linli_office"
HERE = Path(__file__).resolve().parent
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # Everything is ours and served from here: no outside scripts, styles or frames.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: {tiles}; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
}


@dataclass
class Visit:
    """One request by a signed-in staff member, inside its transaction."""

    app: App
    request: Request
    session: AsyncSession
    staff: Staff
    login: OfficeSession

    @property
    def person(self) -> Person:
        """Who is signed in."""
        return self.staff.person

    @property
    def lang(self) -> str:
        """The language they chose in chat."""
        return self.person.lang

    def t(self, key: str, /, **params: Any) -> str:
        """Catalog text in their language."""
        return self.app.deps.i18n.translate(self.lang, key, **params)

    async def form(self, limit: int = 500) -> dict[str, str]:
        """The posted fields, cut to `limit` and cleaned of control characters like chat text."""
        return {k: clean_text(str(v)[:limit]) for k, v in (await self.request.form()).items()}

    async def region(self, region_id: int) -> Region:
        """A region they may see (NotAllowed otherwise, and for unknown ids)."""
        region = await self.session.get(Region, region_id)
        if region is None or not self.staff.sees(region):
            raise NotAllowed()
        return region


def headers(app: App) -> dict[str, str]:
    """Security headers, allowing the configured map tile host if there is one."""
    tiles = app.settings.office_tile_url
    host = "/".join(tiles.split("/")[:3]) if tiles else ""
    return {
        **SECURITY_HEADERS,
        "Content-Security-Policy": SECURITY_HEADERS["Content-Security-Policy"]
        .format(tiles=host)
        .replace("  ", " "),
    }


class Templates:
    """Jinja2 templates, autoescaped, with the catalog's `t` in the visitor's language."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(("html",)),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, lang: str, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A page in `lang`."""
        i18n = self.app.deps.i18n

        def t(key: str, **params: Any) -> str:
            return i18n.translate(lang, key, **params)

        def when(value: Any) -> str:
            return i18n.datetime(lang, value) if value else ""

        html = self.env.get_template(name).render(t=t, when=when, lang=lang, **context)
        return HTMLResponse(html, status, headers=headers(self.app))


Handler = Callable[[Visit], Awaitable[Response]]
STATUS = {NotAllowed: 403, Conflict: 409, InvalidInput: 400}


def refusal(exc: UserError) -> int:
    """The HTTP status of a refusal."""
    for kind, status in STATUS.items():
        if isinstance(exc, kind):
            return status
    return 400


Endpoint = Callable[[Request], Awaitable[Response]]


def signed_in(
    app: App, templates: Templates, *, api: bool = False, form: bool = False
) -> Callable[[Handler], Endpoint]:
    """Wrap a handler: a live session and staff role, CSRF on forms, refusals as 4xx pages.

    The whole request is one transaction; a refusal rolls it back, so nothing half-done stays.
    """

    def wrap(handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            token = request.cookies.get(COOKIE, "")
            now = app.deps.clock()
            body = await request.form() if form else None
            lang = app.settings.lang
            try:
                async with app.db.transaction() as session:
                    login = await office.live_session(session, token, now) if token else None
                    person = await session.get(Person, login.person_id) if login else None
                    lang = person.lang if person else lang  # read now: a refusal expires it
                    staff = (
                        await staff_of(session, person, app.settings.policy_version)
                        if person
                        else None
                    )
                    if login is None or staff is None:
                        return _signed_out(app, templates, api)
                    if body is not None and not hmac.compare_digest(
                        str(body.get("csrf", "")), login.csrf
                    ):
                        raise NotAllowed()
                    visit = Visit(app, request, session, staff, login)
                    return await handler(visit)
            except UserError as exc:
                text = app.deps.i18n.translate(lang, exc.key, **exc.params)
                if api:
                    return JSONResponse({"error": exc.key, "message": text}, refusal(exc))
                return templates.render(lang, "message.html", refusal(exc), message=text)

        return endpoint

    return wrap


def _signed_out(app: App, templates: Templates, api: bool) -> Response:
    if api:
        return JSONResponse({"error": "signed_out"}, 401, headers=headers(app))
    lang = app.settings.lang
    text = app.deps.i18n.translate(lang, "office.signed_out")
    return templates.render(lang, "message.html", 401, message=text)


def redirect(url: str) -> Response:
    """After a form: see the result page (303, so a reload does not post again)."""
    return RedirectResponse(url, status_code=303)
