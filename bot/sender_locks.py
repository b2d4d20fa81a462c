"""The sender lock: one process sends a channel's outbox at a time (bot/sender.py `run_exclusive`).

PostgreSQL: `pg_try_advisory_lock` on a connection of its own. SQLite: `flock` on a file beside
the database. Either is freed by the operating system or the server when its holder dies.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from storage.db import Database, create_engine

try:
    import fcntl
except ImportError:  # Windows: no file lock, so no exclusive sender on SQLite
    fcntl = None  # type: ignore[assignment]

# The server's TCP keepalives on the lock's connection (its default waits two hours).
KEEPALIVE = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}


def sender_lock(db: Database, channel: str) -> Lock | None:
    """The channel's sender lock for this database (None for an in-memory SQLite database)."""
    if db.dialect == "postgresql":
        return SenderLock(db, channel)
    path = db.engine.url.database
    if not path or path == ":memory:" or fcntl is None:
        return None
    return FileSenderLock(Path(f"{path}.sender-{channel}.lock"))


class FileSenderLock:
    """SQLite: an exclusive `flock` on a file beside the database, held while the file is open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    async def acquire(self) -> bool:
        """Try once to take the lock; True if this process now holds it."""
        assert fcntl is not None
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def alive(self) -> bool:
        """A file lock cannot be lost while its holder lives."""
        return self._fd is not None

    async def release(self) -> None:
        """Let the lock go (closing the file releases it)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def lock_key(channel: str) -> int:
    """A stable 64-bit advisory-lock key for a channel's sender (Python's hash() is salted)."""
    digest = hashlib.blake2b(f"linli-sender:{channel}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class SenderLock:
    """`pg_try_advisory_lock` on a connection of its own, held as long as that connection lives."""

    def __init__(self, db: Database, channel: str) -> None:
        self.url = db.engine.url.render_as_string(hide_password=False)
        self.key = lock_key(channel)
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        """Try once to take the lock; True if this process now holds it."""
        if self._engine is None:
            # No pool: closing the connection really ends the session, and with it the lock.
            self._engine = create_engine(self.url, poolclass=NullPool)
        conn = await self._engine.connect()
        try:
            # The lock is freed when the server sees this connection end. A killed process closes
            # it at once; for a holder whose machine vanished, TCP keepalives notice in ~25 s
            # (the server's default waits two hours).
            for setting, value in KEEPALIVE.items():
                await conn.execute(text(f"SET {setting} = {value}"))
            got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}))
            await conn.commit()  # a session-level lock outlives the transaction
        except Exception:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def alive(self) -> bool:
        """Whether the lock's connection still answers (if not, the lock may be someone else's)."""
        if self._conn is None:
            return False
        try:
            await self._conn.execute(text("SELECT 1"))
            await self._conn.commit()
        except Exception:
            return False
        return True

    async def release(self) -> None:
        """Let the lock go and close its connection."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                await conn.commit()
            with contextlib.suppress(Exception):
                await conn.close()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


Lock = SenderLock | FileSenderLock
