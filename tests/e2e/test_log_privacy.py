"""Personal data and live secrets stay out of the logs, as the server really writes them.

A real `linli serve` (uvicorn's access log through our JSON handler) serves a download link and
signed WeChat callbacks; a failing database write is logged through the same handler. The output
is searched for the download token, the signature, the OpenID, names and message text.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import IntegrityError

from bot.bootstrap import App, build
from bot.channels.wechat.protocol import sign
from bot.logs import make_handler
from bot.settings import Settings
from storage.models import Identity, Person
from storage.repos import downloads
from tests.e2e.wechat.wx import envelope

ROOT = Path(__file__).resolve().parents[2]
LINLI = str(Path(sys.executable).with_name("linli"))
TOKEN = "logPrivacyToken"
OPENID = "oPrivateOpenId4711"
NAME = "王秘密"
TEXT = "我家住在幸福里3号楼2单元"


async def _download_token(data: Path) -> str:
    """A live download link's token, stored the way the channel stores it."""
    app = build(Settings(LINLI_DATA_DIR=data))
    try:
        async with app.db.transaction() as session:
            return downloads.create(
                session,
                channel="wechat",
                user_id=OPENID,
                name="mydata.json",
                content=json.dumps({"name": NAME}),
                now=app.deps.clock(),
                ttl=timedelta(minutes=30),
            )
    finally:
        await app.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(data: Path, port: int) -> subprocess.Popen[str]:
    env = {
        k: v
        for k, v in __import__("os").environ.items()
        if k not in ("DATABASE_URL", "LINLI_LOG_FORMAT")
    }
    env |= {
        "LINLI_DATA_DIR": str(data),
        "LINLI_LANG": "zh_CN",
        "LINLI_LOG_LEVEL": "INFO",
        "LINLI_SERVE_SWEEPS": "false",
        "LINLI_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TELEGRAM_TOKEN": "",
        "WECHAT_TOKEN": TOKEN,
    }
    return subprocess.Popen(
        [LINLI, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
async def test_served_requests_leave_no_secret_in_the_log(
    tmp_path: Path, sqlite_seeded_template: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(sqlite_seeded_template, data / "linli.db")
    token = await _download_token(data)
    port = _free_port()
    process = _serve(data, port)
    now = int(time.time())
    signature = sign(TOKEN, str(now), "8231")
    query = {"timestamp": str(now), "nonce": "8231", "signature": signature, "openid": OPENID}
    body = envelope(OPENID, now, "text", {"Content": TEXT, "MsgId": 77})
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    await http.get("/healthz")
                    break
                except httpx.TransportError:
                    assert process.poll() is None and time.monotonic() < deadline, "no server"
                    time.sleep(0.05)
            assert (await http.get(f"/files/{token}")).status_code == 200
            assert (await http.get(f"/files/{token[:-2]}xx")).status_code == 404
            answer = await http.post("/wechat", params=query, content=body.encode())
            assert answer.status_code == 200 and "发送 /start" in answer.text
            replay = envelope(OPENID, now, "text", {"Content": NAME, "MsgId": 78})
            assert (await http.post("/wechat", params=query, content=replay)).status_code == 403
            forged = query | {"signature": "0" * 40}
            assert (await http.post("/wechat", params=forged, content=body)).status_code == 403
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    access = [
        json.loads(line)["message"] for line in stderr.splitlines() if "uvicorn.access" in line
    ]
    assert any('"GET /files/… HTTP/1.1" 200' in line for line in access), stderr
    assert any('"POST /wechat?… HTTP/1.1" 403' in line for line in access), stderr
    assert "wechat request refused" in stderr  # the refusals are logged, with a reason
    for secret in (token, token[:-2], signature, OPENID, NAME, TEXT, "幸福里"):
        assert secret not in stderr, f"{secret!r} in the log:\n{stderr}"


async def test_a_failing_write_is_logged_without_its_values(demo_app: App) -> None:
    """SQLAlchemy keeps bound parameters out of the error; PostgreSQL's DETAIL (which quotes
    the row) is cut; the statement and the constraint stay, for whoever debugs it."""
    stream = io.StringIO()
    log = logging.getLogger("handlers.core.dispatcher")
    handler = make_handler("json", stream)
    log.addHandler(handler)
    try:
        for attempt in (1, 2):
            try:
                async with demo_app.db.transaction() as session:
                    person = Person(display_name=NAME, lang="zh_CN", phone="13800138000")
                    session.add(person)
                    await session.flush()
                    session.add(Identity(person_id=person.id, channel="wechat", external_id=OPENID))
            except IntegrityError:
                assert attempt == 2
                log.exception("unhandled error")
    finally:
        log.removeHandler(handler)
    [line] = stream.getvalue().splitlines()
    record = json.loads(line)
    assert "IntegrityError" in record["exc_info"] and "INSERT INTO identities" in record["exc_info"]
    assert "parameters hidden" in record["exc_info"]
    for secret in (OPENID, NAME, "13800138000"):
        assert secret not in line, f"{secret!r} in the log:\n{record['exc_info']}"
