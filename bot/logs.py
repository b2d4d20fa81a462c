"""Logging: one JSON object per line (servers) or plain text (the terminal), set up once.

Log records carry ids (person, channel user id, row, job), never message text, names or phone
numbers: handlers log what happened to which id, and `extra={...}` fields become JSON keys.
Secrets that travel in URLs are cut from every line (`redact`): a download link's token
(`/files/<token>` is a live bearer link) and query strings (WeChat signs its callbacks there and
names the sender's OpenID), and PostgreSQL's DETAIL lines in errors and tracebacks, which quote
the offending row's values. SQLAlchemy keeps bound parameters out of its errors (storage/db.py,
`hide_parameters`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

FORMATS = ("json", "text")
# Libraries whose INFO lines are noise or leak secrets (httpx logs request URLs, and the Bot API
# URL contains the bot token): warnings and errors only.
QUIET = ("httpx", "httpcore", "aiohttp", "apscheduler", "telegram.ext")
# In the terminal (demo, chat) each migration step is noise before the transcript; servers, which
# log JSON, keep them.
QUIET_IN_TEXT = ("alembic.runtime.migration",)
TEXT_FORMAT = "%(levelname)s %(name)s %(message)s"
# Attributes every LogRecord has; anything else was passed with `extra=` and is logged as a field
# (uvicorn's `color_message` is the message again, with terminal colours).
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)))
_STANDARD |= {"message", "asctime", "color_message"}


# A bearer token in a path (a download, an office sign-in link), and any query string after a
# path (`/wechat?signature=…&openid=…`).
_FILE_TOKEN = re.compile(r"(/files/|/office/login/)[^\s/?\"']+")
_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")
# PostgreSQL explains a violation with the values: "DETAIL:  Key (name)=(王…) already exists."
_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE)
# uvicorn's loggers get the filter themselves too, so it holds whichever handler is attached.
REDACTED_LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    """`text` without download and sign-in tokens, query strings and PostgreSQL's DETAIL lines."""
    text = _QUERY.sub(r"\1?…", _FILE_TOKEN.sub(r"\1…", text))
    return _DETAIL.sub(r"\1 (hidden)", text)


class Redact(logging.Filter):
    """Rewrites a record whose message or traceback carries one of the secrets above."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, redacted (its message formatted once, its traceback cached)."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Every Formatter prints `exc_text` when it is set instead of formatting again.
            record.exc_text = redact(_PLAIN.formatException(record.exc_info))
        return True


_PLAIN = logging.Formatter()
_REDACT = Redact()


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: time (UTC), level, logger, message, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON object on one line."""
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exc_info"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info:
            data["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure` installs (so it can replace its own and nobody else's)."""


def make_handler(fmt: str, stream: TextIO | None = None) -> logging.Handler:
    """The handler `configure` installs: `fmt` lines on `stream` (stderr), redacted."""
    installed = _OurHandler(stream or sys.stderr)
    installed.addFilter(_REDACT)
    installed.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    return installed


def configure(level: str = "INFO", fmt: str = "text", *, force: bool = False) -> None:
    """Log to stderr at `level` in `fmt` ("json" or "text").

    Like `logging.basicConfig`, it leaves a root logger that someone else already set up (pytest's
    capture, an embedding application) alone, unless `force`; our own handler is replaced.
    """
    if fmt not in FORMATS:
        raise ValueError(f"LINLI_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    for name in REDACTED_LOGGERS:  # whoever handles the records, URLs come redacted
        if _REDACT not in logging.getLogger(name).filters:
            logging.getLogger(name).addFilter(_REDACT)
    root = logging.getLogger()
    foreign = [h for h in root.handlers if not isinstance(h, _OurHandler)]
    if foreign and not force:
        return
    for handler in list(root.handlers):
        if isinstance(handler, _OurHandler) or force:
            root.removeHandler(handler)
    root.addHandler(make_handler(fmt))
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # warnings become log records too, not stray stderr lines
    for name in QUIET + (QUIET_IN_TEXT if fmt == "text" else ()):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    if fmt != "text":
        for name in QUIET_IN_TEXT:
            logging.getLogger(name).setLevel(logging.NOTSET)
