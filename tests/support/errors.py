"""The dispatcher's "unhandled error" records, caught while a test runs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class DispatcherErrors(logging.Handler):
    """Collects the error records the dispatcher logs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def dispatcher_errors() -> Iterator[DispatcherErrors]:
    """Attach a collector to the dispatcher's logger for the duration of the block."""
    handler = DispatcherErrors()
    logger = logging.getLogger("handlers.core.dispatcher")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
