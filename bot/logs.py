"""Logging: one JSON object per line (servers) or plain text (the terminal), set up once.

Log records carry ids (person, channel user id, row, job), never message text, names or phone
numbers: handlers log what happened to which id, and `extra={...}` fields become JSON keys.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

FORMATS = ("json", "text")
# Libraries whose INFO lines are noise or leak secrets (httpx logs request URLs, and the Bot API
# URL contains the bot token): warnings and errors only.
QUIET = ("httpx", "httpcore", "apscheduler", "telegram.ext")
# In the terminal (demo, chat) each migration step is noise before the transcript; servers, which
# log JSON, keep them.
QUIET_IN_TEXT = ("alembic.runtime.migration",)
TEXT_FORMAT = "%(levelname)s %(name)s %(message)s"
# Attributes every LogRecord has; anything else was passed with `extra=` and is logged as a field
# (uvicorn's `color_message` is the message again, with terminal colours).
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)))
_STANDARD |= {"message", "asctime", "color_message"}


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
            data["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure` installs (so it can replace its own and nobody else's)."""


def configure(level: str = "INFO", fmt: str = "text", *, force: bool = False) -> None:
    """Log to stderr at `level` in `fmt` ("json" or "text").

    Like `logging.basicConfig`, it leaves a root logger that someone else already set up (pytest's
    capture, an embedding application) alone, unless `force`; our own handler is replaced.
    """
    if fmt not in FORMATS:
        raise ValueError(f"LINLI_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    root = logging.getLogger()
    foreign = [h for h in root.handlers if not isinstance(h, _OurHandler)]
    if foreign and not force:
        return
    for handler in list(root.handlers):
        if isinstance(handler, _OurHandler) or force:
            root.removeHandler(handler)
    handler = _OurHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # warnings become log records too, not stray stderr lines
    for name in QUIET + (QUIET_IN_TEXT if fmt == "text" else ()):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    if fmt != "text":
        for name in QUIET_IN_TEXT:
            logging.getLogger(name).setLevel(logging.NOTSET)
