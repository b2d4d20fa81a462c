"""Bearer tokens in paths and query strings never reach a log line (bot/logs.py `redact`)."""

from __future__ import annotations

import pytest

from bot.logs import redact

SECRET = "Zx9_secretTOKEN-123"


@pytest.mark.parametrize(
    "line",
    [
        f'127.0.0.1:5 - "GET /files/{SECRET} HTTP/1.1" 200',
        f'127.0.0.1:5 - "GET /office/login/{SECRET} HTTP/1.1" 200',
        f'127.0.0.1:5 - "POST /office/login/{SECRET} HTTP/1.1" 303',
        f'127.0.0.1:5 - "POST /wechat?signature={SECRET}&openid=o1 HTTP/1.1" 200',
    ],
)
def test_tokens_and_queries_are_hidden(line: str) -> None:
    cleaned = redact(line)
    assert SECRET not in cleaned and "…" in cleaned


def test_other_paths_are_kept() -> None:
    line = '127.0.0.1:5 - "GET /office/reports HTTP/1.1" 200'
    assert redact(line) == line
