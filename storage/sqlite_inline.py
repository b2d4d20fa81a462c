"""SQLite for SQLAlchemy's asyncio engine without a thread hop per statement.

aiosqlite runs every call in a worker thread; a simple statement then costs ~0.25 ms, almost all of
it the hand-off (measured: 4,300 `SELECT 1`/s). SQLite calls on a local file take microseconds, so
this adapter runs them inline on the event loop and hands SQLAlchemy's aiosqlite dialect objects
with aiosqlite's async surface (via `async_creator`). The engine keeps ONE pooled connection, so
transactions in a process queue for it asynchronously instead of blocking the loop on SQLite's lock.

Another process may hold the write lock (an import, `linli chat`): SQLite's own busy timeout would
then wait inside the call, freezing the loop. So the connection's busy timeout is 0 and a call that
finds the database busy is tried again after short asyncio sleeps, for up to the budget (`timeout`
in the URL, 10 s by default); then it fails with "database is locked" as before.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
FIRST_WAIT_S = 0.001
LONGEST_WAIT_S = 0.05  # how late a free lock may be noticed


def _busy(error: sqlite3.OperationalError) -> bool:
    return error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY


async def _when_free(call: Callable[[], T], budget_s: float) -> T:
    """`call()`, tried again while another connection holds the lock, for up to `budget_s`."""
    try:
        return call()
    except sqlite3.OperationalError as error:
        if not _busy(error):
            raise
    loop = asyncio.get_running_loop()
    deadline, wait = loop.time() + budget_s, FIRST_WAIT_S
    while True:
        await asyncio.sleep(wait)
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _busy(error) or loop.time() >= deadline:
                raise
        wait = min(wait * 2, LONGEST_WAIT_S, max(0.0, deadline - loop.time()))


class _Immediate:
    """Stands in for aiosqlite's request queue: runs the function at once, resolves its future."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # handed back to the awaiting caller
            future.set_exception(exc)


class InlineCursor:
    """A sqlite3 cursor behind aiosqlite's awaitable cursor API."""

    def __init__(self, cursor: sqlite3.Cursor, budget_s: float) -> None:
        self._cursor = cursor
        self._budget_s = budget_s

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        """Column descriptions of the last query."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """Row id of the last insert."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Default fetchmany size."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        """Run one statement."""
        values = parameters if parameters is not None else ()
        await _when_free(lambda: self._cursor.execute(sql, values), self._budget_s)
        return self

    async def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> InlineCursor:
        """Run one statement for many parameter sets."""
        rows = list(seq)  # a retry needs them again
        await _when_free(lambda: self._cursor.executemany(sql, rows), self._budget_s)
        return self

    async def fetchone(self) -> Any:
        """The next row."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """The next rows."""
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        """All remaining rows."""
        return self._cursor.fetchall()

    async def close(self) -> None:
        """Close the cursor."""
        self._cursor.close()

    async def nextset(self) -> None:
        """SQLite has no result sets after the first."""
        return None

    async def setinputsizes(self, *sizes: Any) -> None:
        """Ignored, as by sqlite3."""


class InlineConnection:
    """A sqlite3 connection behind aiosqlite's Connection API (the parts SQLAlchemy uses)."""

    def __init__(self, connection: sqlite3.Connection, budget_s: float = 10.0) -> None:
        self._conn = connection
        self.budget_s = budget_s
        self._connection: sqlite3.Connection | None = connection
        self._tx = _Immediate()

    @property
    def isolation_level(self) -> str | None:
        """sqlite3's implicit-BEGIN mode (None: we emit BEGIN ourselves)."""
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        """A new cursor (used as `async with`)."""
        return InlineCursor(self._conn.cursor(), self.budget_s)

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        """Run one statement on a new cursor."""
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        """Commit."""
        await _when_free(self._conn.commit, self.budget_s)

    async def rollback(self) -> None:
        """Roll back."""
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register a SQL function."""
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._connection is not None:
            self._conn.close()
            self._connection = None

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        if self._connection is not None:
            self._conn.close()
            self._connection = None


def creator(path: str, busy_timeout_s: float = 10.0) -> Callable[[], Any]:
    """An `async_creator` for create_async_engine that opens `path` inline.

    `busy_timeout_s` is how long a statement waits (asynchronously) for another connection's lock.
    """

    async def connect() -> InlineConnection:
        # timeout=0: SQLite must never wait for a lock inside a call (see the module docstring).
        connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        return InlineConnection(connection, busy_timeout_s)

    return connect
