"""The ``jti`` replay store, shared by every worker and process through the database.

A token's ``(iss, jti)`` is inserted under a primary key; an ``IntegrityError`` means the pair was
seen before while still alive, i.e. a replay. Rows live until the token's expiry (plus leeway) and
are purged now and then. Works with a sync ``Engine`` (run in a worker thread, so the event loop is
not blocked) or an ``AsyncEngine``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Integer, MetaData, String, Table, delete, insert, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

if TYPE_CHECKING:  # sqlalchemy.ext.asyncio needs greenlet, which may not be installed
    from sqlalchemy.ext.asyncio import AsyncEngine

metadata = MetaData()

jwt_replay = Table(
    "jwt_replay",
    metadata,
    Column("iss", String(512), primary_key=True),
    Column("jti", String(256), primary_key=True),
    Column("expires_at", Integer, nullable=False, index=True),
)

MAX_ISS_LENGTH = 512
BUSY_RETRIES = (0.05, 0.1, 0.2)  # seconds before each new try of a claim the database was too busy for
MAX_JTI_LENGTH = 256


class ReplayStoreError(Exception):
    """The replay store could not be consulted (callers fail closed)."""


class SqlReplayStore:
    """Remembers ``(iss, jti)`` pairs in a database table until they expire."""

    def __init__(
        self,
        engine: Engine | AsyncEngine,
        *,
        purge_interval: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self._purge_interval = purge_interval
        self._clock = clock
        self._ready = False
        self._last_purge = float("-inf")

    async def claim(self, iss: str, jti: str, expires_at: int, now: float | None = None) -> bool:
        """Record the pair; True if it is new, False if it was already seen (a replay).

        ``now`` should be the clock the caller checked ``exp`` with (default: the store's clock).
        """
        now = int(self._clock() if now is None else now)
        for retry_after in (*BUSY_RETRIES, None):
            try:
                return await self._claim(iss, jti, expires_at, now)
            except OperationalError as exc:
                # SQLite answers "database is locked" at once (busy timeout or not) when a read
                # transaction of another process races this one into a write; each step is its own
                # transaction and rolled back, so trying again is safe. Anything else fails closed.
                if retry_after is None:
                    raise ReplayStoreError(type(exc).__name__) from None
                await asyncio.sleep(retry_after)
            except SQLAlchemyError as exc:
                raise ReplayStoreError(type(exc).__name__) from None
        raise AssertionError("unreachable")

    async def _claim(self, iss: str, jti: str, expires_at: int, now: int) -> bool:
        if not self._ready:
            await self._run(_create_table)
            self._ready = True
        if now - self._last_purge >= self._purge_interval:
            self._last_purge = now
            await self._run(_purge, now)
        for attempt in range(2):
            try:
                await self._run(_insert, iss, jti, expires_at)
                return True
            except IntegrityError:
                # Seen before. If that earlier row has expired, the pair may be used again.
                if attempt or not await self._run(_drop_expired, iss, jti, now):
                    return False
        return False

    async def _run(self, step: Callable[..., Any], *args: Any) -> Any:
        """Run ``step(conn, *args)`` in its own transaction, off the event loop."""
        engine = self._engine
        if not isinstance(engine, Engine):  # an AsyncEngine
            async with engine.begin() as conn:
                return await conn.run_sync(step, *args)

        def in_transaction() -> Any:
            with engine.begin() as conn:
                return step(conn, *args)

        return await asyncio.to_thread(in_transaction)


def _create_table(conn: Connection) -> None:
    if not inspect(conn).has_table(jwt_replay.name):
        try:
            metadata.create_all(conn, checkfirst=True)
        except SQLAlchemyError:
            pass  # another process may have created it meanwhile; the insert will tell


def _purge(conn: Connection, now: int) -> None:
    conn.execute(delete(jwt_replay).where(jwt_replay.c.expires_at < now))


def _insert(conn: Connection, iss: str, jti: str, expires_at: int) -> None:
    conn.execute(insert(jwt_replay).values(iss=iss, jti=jti, expires_at=expires_at))


def _drop_expired(conn: Connection, iss: str, jti: str, now: int) -> bool:
    result = conn.execute(
        delete(jwt_replay).where(jwt_replay.c.iss == iss, jwt_replay.c.jti == jti, jwt_replay.c.expires_at < now)
    )
    return bool(result.rowcount)
