"""A real database outage for tests: a cut TCP proxy to PostgreSQL, or a held SQLite lock.

PostgreSQL: the app connects through a proxy on 127.0.0.1 (random port). `down()` closes the
listening socket (new connections are refused) and resets every open connection mid-stream, as a
crashed or unreachable server does; `up()` listens on the same port again. SQLite: `down()` takes
the write lock from another connection (as an import in another process does) and the app's URL
gives it a short lock budget, so its transactions fail with "database is locked"; `up()` lets go.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator

from sqlalchemy.engine import make_url

SQLITE_BUDGET_S = 0.3  # how long the app waits for the lock before the database counts as down


class PgProxy:
    """Forwards 127.0.0.1:<port> to the PostgreSQL server; can be cut and restored."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        """Accept connections (on the same port as before, once started)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        """Refuse new connections and reset the open ones."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._links |= {writer, up_writer}
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        self._links -= {writer, up_writer}


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()


class Outage:
    """Takes the test database down and brings it back, on either engine."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        url = make_url(db_url)
        self.sqlite = url.get_backend_name() == "sqlite"
        self._proxy = None if self.sqlite else PgProxy(url.host or "127.0.0.1", url.port or 5432)
        self._holder: sqlite3.Connection | None = None

    @property
    def app_url(self) -> str:
        """The URL the app under test uses."""
        url = make_url(self.db_url)
        if self._proxy is not None:
            url = url.set(host="127.0.0.1", port=self._proxy.port)
        else:
            url = url.update_query_dict({"timeout": str(SQLITE_BUDGET_S)})
        return url.render_as_string(hide_password=False)

    async def down(self) -> None:
        """The database stops answering."""
        if self._proxy is not None:
            await self._proxy.down()
            return
        self._holder = sqlite3.connect(make_url(self.db_url).database or "", isolation_level=None)
        self._holder.execute("BEGIN IMMEDIATE")

    async def up(self) -> None:
        """The database answers again."""
        if self._proxy is not None:
            await self._proxy.up()
        elif self._holder is not None:
            self._holder.rollback()
            self._holder.close()
            self._holder = None

    async def close(self) -> None:
        """Release the lock, or stop the proxy."""
        if self._proxy is not None:
            await self._proxy.down()
        else:
            await self.up()


@contextlib.asynccontextmanager
async def outage_for(db_url: str) -> AsyncIterator[Outage]:
    """An `Outage` for the test database, up at first; restored at the end."""
    outage = Outage(db_url)
    await outage.up()
    try:
        yield outage
    finally:
        await outage.close()
