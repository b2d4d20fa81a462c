"""Signing in with the one-time link sent in chat, and signing out.

Opening the link shows a button; only pressing it (a POST) uses the link, so a chat app that
fetches the link for a preview does not spend it. The button's form carries a random value also
set as a cookie (double submit), so another site cannot sign a browser in to someone's account.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.bootstrap import App
from bot.office.web import COOKIE, Templates, Visit, redirect, signed_in
from storage.repos import audit, office

PRE_COOKIE = "linli_office_pre"
TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _secure(app: App) -> bool:
    return (app.settings.public_url or "").startswith("https://")


def routes(app: App, templates: Templates) -> list[Route]:
    """GET and POST /login/{token}, POST /logout."""
    lang = app.settings.lang

    def expired() -> Response:
        text = app.deps.i18n.translate(lang, "office.link_expired")
        return templates.render(lang, "message.html", 403, message=text)

    async def show(request: Request) -> Response:
        token = request.path_params["token"]
        if not set(token) <= TOKEN_CHARS or len(token) > 64:
            return expired()
        pre = secrets.token_urlsafe(16)
        page = templates.render(lang, "login.html", pre=pre, token=token)
        page.set_cookie(
            PRE_COOKIE,
            pre,
            max_age=600,
            path="/office/login",
            httponly=True,
            samesite="strict",
            secure=_secure(app),
        )
        return page

    async def use(request: Request) -> Response:
        token = request.path_params["token"]
        form = await request.form()
        pre = request.cookies.get(PRE_COOKIE, "")
        if not pre or not hmac.compare_digest(str(form.get("pre", "")), pre):
            return expired()
        now = app.deps.clock()
        async with app.db.transaction() as session:
            person_id = await office.redeem_link(session, token, now)
            if person_id is None:
                return expired()
            minutes = app.settings.office_session_minutes
            cookie, _ = office.open_session(session, person_id, now, timedelta(minutes=minutes))
            audit.record(
                session,
                actor_id=person_id,
                action="office.sign_in",
                target=f"person:{person_id}",
                now=now,
            )
        response = redirect("/office/")
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=minutes * 60,
            path="/office",
            httponly=True,
            samesite="strict",
            secure=_secure(app),
        )
        response.delete_cookie(PRE_COOKIE, path="/office/login")
        return response

    @signed_in(app, templates, form=True)
    async def logout(visit: Visit) -> Response:
        await office.end_session(visit.session, visit.login.id, app.deps.clock())
        response = redirect("/office/bye")
        response.delete_cookie(COOKIE, path="/office")
        return response

    async def bye(_: Request) -> Response:
        text = app.deps.i18n.translate(lang, "office.signed_out_done")
        return templates.render(lang, "message.html", message=text)

    return [
        Route("/login/{token}", show, methods=["GET"]),
        Route("/login/{token}", use, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/bye", bye, methods=["GET"]),
    ]
