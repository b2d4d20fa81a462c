"""Files too big for a chat message, handed out by a short-lived link under `/files/`.

WeChat cannot send a file, and a text message holds about 2 KB: a resident's `/mydata` export
does not fit. The channel keeps the file (storage.repos.downloads) and sends a link instead;
`linli serve` answers the link for `DOWNLOAD_TTL`, to whoever holds it (the token is 256 random
bits, and the link went only to that person's chat).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.bootstrap import App
from handlers.core.i18n import N_
from storage.repos import downloads

DOWNLOAD_TTL = timedelta(minutes=30)
TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def url_for(public_url: str, token: str) -> str:
    """The link to a download under the server's public address (`LINLI_PUBLIC_URL`)."""
    return f"{public_url.rstrip('/')}/files/{token}"


def route(app: App) -> Route:
    """GET /files/{token}: the file, as an attachment; 404 once expired or when unknown."""

    async def download(request: Request) -> Response:
        token = request.path_params["token"]
        if not 20 <= len(token) <= 64 or not set(token) <= TOKEN_CHARS:
            return _gone(app)
        async with app.db.transaction() as session:
            found = await downloads.fetch(session, token, app.deps.clock())
        if found is None:
            return _gone(app)
        media = "application/json" if found.name.endswith(".json") else "text/plain"
        return Response(
            found.content,
            media_type=f"{media}; charset=utf-8",
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.name)}",
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return Route("/files/{token}", download, methods=["GET"])


def _gone(app: App) -> Response:
    """Expired or unknown: said in both languages (a browser does not say whose link it was)."""
    key = N_("operations.download_expired")
    text = "\n".join(app.deps.i18n.translate(lang, key) for lang in ("zh_CN", "en"))
    return PlainTextResponse(text, status_code=404, headers={"Cache-Control": "no-store"})
