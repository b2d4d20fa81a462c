"""Signing in with a password (optional; the chat's link stays the default), and setting one.

GET/POST /office/signin: the login form, guarded like the link's button by a random value set
both in the form and in a cookie (another site cannot sign a browser in). GET/POST
/office/password: a signed-in staff member sets or removes their own login name and password.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.bootstrap import App
from bot.office.pages import page
from bot.office.web import COOKIE, Templates, Visit, redirect, signed_in
from handlers.core.errors import NotAllowed, UserError
from handlers.office import passwords, throttle
from storage.repos import audit, office

PRE_COOKIE = "linli_office_pre_pw"
LOCK_MINUTES = int(throttle.LOCK.total_seconds() // 60)


def _secure(app: App) -> bool:
    return (app.settings.public_url or "").startswith("https://")


def routes(app: App, templates: Templates) -> list[Route]:
    """GET/POST /signin, GET/POST /password."""
    lang = app.settings.lang

    def form(status: int = 200, error: str = "", login: str = "") -> Response:
        pre = secrets.token_urlsafe(16)
        shown = templates.render(lang, "signin.html", status, pre=pre, error=error, login=login)
        shown.set_cookie(
            PRE_COOKIE,
            pre,
            max_age=600,
            path="/office/signin",
            httponly=True,
            samesite="strict",
            secure=_secure(app),
        )
        return shown

    async def show(_: Request) -> Response:
        return form()

    async def use(request: Request) -> Response:
        body = await request.form()
        pre = request.cookies.get(PRE_COOKIE, "")
        if not pre or not hmac.compare_digest(str(body.get("pre", "")), pre):
            return form(403, app.deps.i18n.translate(lang, "office.link_expired"))
        login = str(body.get("login", "")).strip()[:32]
        password = str(body.get("password", ""))
        now = app.deps.clock()
        address = throttle.client_address(
            request.client.host if request.client else None,
            dict(request.headers),
            app.settings.office_client_ip_header,
        )
        refused: UserError | None = None
        cookie = ""
        async with app.db.transaction() as session:  # failures are kept even when refused
            try:
                await throttle.refuse_if_locked(session, address, now)  # before any hashing
                person_id = await passwords.check_password(session, login, password, now)
                if person_id is None and await throttle.failed(session, address, now):
                    refused = NotAllowed("office.signin.address_locked", minutes=LOCK_MINUTES)
            except UserError as exc:
                person_id, refused = None, exc
            if person_id is not None:
                minutes = app.settings.office_session_minutes
                cookie, _ = office.open_session(session, person_id, now, timedelta(minutes=minutes))
                audit.record(
                    session,
                    actor_id=person_id,
                    action="office.sign_in",
                    target=f"person:{person_id}",
                    now=now,
                    method="password",
                )
        if not cookie:
            said = refused or UserError("office.password.wrong")
            return form(403, app.deps.i18n.translate(lang, said.key, **said.params), login)
        response = redirect("/office/")
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=app.settings.office_session_minutes * 60,
            path="/office",
            httponly=True,
            samesite="strict",
            secure=_secure(app),
        )
        response.delete_cookie(PRE_COOKIE, path="/office/signin")
        return response

    async def own_page(visit: Visit, notice: str = "") -> Response:
        current = await passwords.login_of(visit.session, visit.person.id)
        return await page(
            visit,
            templates,
            "password.html",
            None,
            current=current,
            notice=notice,
            min_length=passwords.MIN_LENGTH,
        )

    @signed_in(app, templates)
    async def settings_page(visit: Visit) -> Response:
        return await own_page(visit)

    @signed_in(app, templates, form=True)
    async def change(visit: Visit) -> Response:
        body = {k: str(v) for k, v in (await visit.request.form()).items()}
        now = app.deps.clock()
        if body.get("action") == "remove":
            await passwords.remove_password(
                visit.session, visit.person.id, now, actor_id=visit.person.id
            )
            return await own_page(visit, visit.t("office.password.removed"))
        login = body.get("login", "").strip()
        passwords.check_new(login, body.get("password", ""), body.get("repeat", ""))
        await passwords.set_password(
            visit.session, visit.person, login, body["password"], now, actor_id=visit.person.id
        )
        return await own_page(visit, visit.t("office.password.saved", login=login))

    return [
        Route("/signin", show, methods=["GET"]),
        Route("/signin", use, methods=["POST"]),
        Route("/password", settings_page, methods=["GET"]),
        Route("/password", change, methods=["POST"]),
    ]
