"""The soak's same-run baseline: a bare ASGI app behind the same uvicorn that `linli serve` runs.

It answers a Telegram webhook as cheaply as a server can while still reading it: checks the
secret header, reads and parses the body, answers 200 with an empty JSON object. No database, no
Bot API call. `bench/soak.py` drives it for a few seconds before the soak, with the same client,
connection limit and update mix, and reports Linli's CPU per delivery and latency beside its
own (how much Linli adds to a web server on this machine, on this day: these machines differ by
a third in speed from one session to the next, so only the ratio travels).

Run by the soak as `python -m uvicorn bench.soak_echo:app --port N` (uvloop, httptools: as serve).
"""

from __future__ import annotations

import json
from typing import Any

SECRET_HEADER = b"x-telegram-bot-api-secret-token"


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """ASGI: /healthz answers 200; any POST is read, parsed, and answered {}."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["type"] != "http":
        return
    status, body = 200, b"{}"
    if scope["method"] == "POST":
        headers = dict(scope["headers"])
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        try:
            json.loads(b"".join(chunks))
        except ValueError:
            status = 400
        if SECRET_HEADER not in headers:
            status = 403
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
