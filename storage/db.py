"""Engines and sessions: SQLite (WAL, BEGIN IMMEDIATE) by default, PostgreSQL in production."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite_inline

BUSY_TIMEOUT_MS = 10_000  # how long SQLite waits for another connection's write lock
# SQLite result codes that say "not now" (locked, out of disk, file gone), not "bad SQL".
_SQLITE_TRANSIENT = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_PROTOCOL,
}


class DatabaseUnavailable(Exception):
    """The database could not be reached (or was locked past the budget): nothing was stored.

    Raised at the dispatcher's error boundary so channels make the platform deliver the message
    again (HTTP 5xx, no acknowledged offset) instead of answering as if it had been handled.
    """


def is_unavailable(error: BaseException) -> bool:
    """Whether an error means the database is down or busy, rather than a bug in our code."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _unavailable(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _unavailable(error: BaseException) -> bool:
    if isinstance(error, DatabaseUnavailable | exc.TimeoutError | ConnectionError):
        return True  # exc.TimeoutError: no pooled connection came free in time
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error.orig, sqlite3.Error):
            return error.orig.sqlite_errorcode & 0xFF in _SQLITE_TRANSIENT
        return isinstance(error, exc.OperationalError | exc.InterfaceError)
    if isinstance(error, sqlite3.OperationalError):  # raised outside SQLAlchemy's wrapping
        return error.sqlite_errorcode & 0xFF in _SQLITE_TRANSIENT
    return False


async def probe(url: str) -> str | None:
    """None if the database at `url` answers; else why not, in one line without the password."""
    try:
        engine = create_engine(url)
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError, OSError) as error:
        return _one_line(error, url)
    try:
        async with engine.connect():
            return None
    except Exception as error:  # whatever it is, the commands cannot run without the database
        return _one_line(error, url)
    finally:
        await engine.dispose()


def unparsable(url: str) -> str | None:
    """None if `url` parses as a database URL; else why not, in one line without the password."""
    try:
        make_url(url)
    except exc.ArgumentError as error:
        return _one_line(error, url)
    return None


def shown_url(url: str) -> str:
    """The URL as it may be printed: password masked; nothing of it if it does not parse."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "DATABASE_URL"


def _one_line(error: BaseException, url: str) -> str:
    """The innermost cause, as `Type: first line`, with the URL's secret parts taken out."""
    while error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, exc.DBAPIError) and error.orig is not None:
        error = error.orig
    text = (str(error).strip().splitlines() or [""])[0][:200]
    secrets = {url}
    with contextlib.suppress(exc.ArgumentError):
        secrets.add(make_url(url).password or url)
    for secret in secrets:
        text = text.replace(secret, "***")
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def default_url(data_dir: Path) -> str:
    """The database used when none is configured: a SQLite file in the data directory."""
    return f"sqlite+aiosqlite:///{(data_dir / 'linli.db').as_posix()}"


def is_sqlite(url: str) -> bool:
    """Whether a database URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_recipe(engine: AsyncEngine) -> None:
    """WAL and BEGIN IMMEDIATE: concurrent writers queue instead of failing (STACK-NOTES)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves; pysqlite's implicit BEGIN is DEFERRED.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # The inline adapter waits for a lock itself, without blocking the loop: 0 here.
        inline = isinstance(dbapi_connection.driver_connection, sqlite_inline.InlineConnection)
        cursor.execute(f"PRAGMA busy_timeout={0 if inline else BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for a URL, with the SQLite recipe applied where it is SQLite; its errors
    and logs never carry bound parameters.

    SQLite files are opened with the inline adapter (storage/sqlite_inline.py) on one pooled
    connection; `sqlite+aiosqlite` URLs with `?driver=thread` keep aiosqlite's worker thread.
    """
    # Errors name the statement, never its values (names, message texts, phone numbers).
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        parsed = make_url(url)
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            if parsed.query.get("driver") != "thread":
                # `?timeout=S` (SQLAlchemy's pysqlite spelling): how long to wait for a lock.
                budget = float(str(parsed.query.get("timeout", BUSY_TIMEOUT_MS / 1000)))
                kwargs.setdefault("async_creator", sqlite_inline.creator(database, budget))
                kwargs.setdefault("pool_size", 1)
                kwargs.setdefault("max_overflow", 0)
                kwargs.setdefault("pool_timeout", 60)
            url = parsed.set(drivername="sqlite+aiosqlite", query={}).render_as_string(False)
        engine = create_async_engine(url, **kwargs)
        _sqlite_recipe(engine)
        return engine
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


# A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out.
PING_IDLE_S = 2.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Check a pooled connection at checkout, by what it costs: a connection whose socket closed
    (the server went away, reset it) is replaced without a round trip; one idle for more than
    PING_IDLE_S is pinged (SQLAlchemy's ping: BEGIN, an empty statement, ROLLBACK); one used a
    moment ago is handed out as it is. SQLAlchemy's `pool_pre_ping` pings at every checkout, three
    round trips that the soak found in ~10 % of a busy serve process's CPU (docs/speed.md).
    A connection that breaks between two uses that close together fails its statement: the error
    is a disconnect, the pool is invalidated and the update is answered 503 and sent again.
    """

    @event.listens_for(engine.sync_engine.pool, "connect")
    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _idle_since(_dbapi: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _check(dbapi: Any, record: Any, _proxy: Any) -> None:
        driver = getattr(dbapi, "driver_connection", None)
        if driver is not None and driver.is_closed():
            raise exc.DisconnectionError("the connection was closed")
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since < PING_IDLE_S:
            return
        try:
            dbapi.ping()
        except Exception as error:  # the pool replaces it (up to three attempts)
            raise exc.DisconnectionError(str(error)) from error


@dataclass(frozen=True)
class Database:
    """An engine and the session factory bound to it."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def connect(cls, url: str, **kwargs: Any) -> Database:
        """Open (lazily) the database at a URL."""
        engine = create_engine(url, **kwargs)
        return cls(engine, async_sessionmaker(engine, expire_on_commit=False))

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
