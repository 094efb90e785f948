"""Where the work runs: the process's asyncpg pool, or one connection (tests, scripts)."""

import json
import logging
from typing import TYPE_CHECKING, Protocol, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from src.config import Config
from src.database.errors import DRIVER_ERRORS, connecting

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    Connection = asyncpg.Connection[asyncpg.Record]
else:
    Connection = asyncpg.Connection


class ConnectionSource(Protocol):
    """Where a ``Database`` takes its connection: the app's pool, or a test's connection."""

    async def acquire(self) -> Connection: ...

    async def release(self, connection: Connection) -> None: ...


async def init_connection(connection: Connection) -> None:
    """json and jsonb come back as Python values (what ``json_build_object`` returns)."""
    for name in ("json", "jsonb"):
        await connection.set_type_codec(
            name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def keep_session_state(_connection: Connection) -> None:
    """Pool release without asyncpg's reset query (a round trip per request): requests never
    change session state (no SET, LISTEN or session advisory lock), and an open transaction is
    still rolled back by the pool."""


async def connect(config: Config) -> Connection:
    """One connection with the pool's settings (tests and scripts)."""
    with connecting():
        connection: Connection = await asyncpg.connect(
            config.database_dsn, **config.database_connect_arguments()
        )
    await init_connection(connection)
    return connection


class DatabasePool:
    """The process's connections, created on first use (a service starts even while its
    database is down) and reconnected by themselves after an outage."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._pool: asyncpg.Pool | None = None

    async def acquire(self) -> Connection:
        with connecting():
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._config.database_dsn,
                    min_size=0,
                    max_size=self._config.DATABASE_POOL_SIZE,
                    init=init_connection,
                    reset=keep_session_state,
                    **self._config.database_connect_arguments(),
                )
            # The timeout bounds the wait for a connection; with one idle there is no wait, and
            # asyncpg's timeout (a timer set and cancelled) would cost ~15 µs of CPU per request.
            # (asyncpg hands out a live idle connection first; a closed one is not idle.)
            idle = self._pool.get_idle_size()
            timeout = None if idle else self._config.DATABASE_POOL_TIMEOUT_SECONDS
            # A proxy that behaves as the connection it wraps.
            return cast(Connection, await self._pool.acquire(timeout=timeout))

    async def release(self, connection: Connection) -> None:
        if self._pool is not None:
            # Bounded: a connection whose statement was cancelled waits for the cancellation.
            proxy = cast("PoolConnectionProxy[asyncpg.Record]", connection)
            timeout = self._config.DATABASE_CONNECT_TIMEOUT_SECONDS
            try:
                await self._pool.release(proxy, timeout=timeout)
            except DRIVER_ERRORS as error:
                # asyncpg closed the connection (the pool opens another): the request's outcome,
                # a result or a 503 already on its way, stands.
                logger.warning("A database connection failed on release (%s)", type(error).__name__)

    def stats(self) -> tuple[int, int, int]:
        """Open connections, idle ones among them, and the most the pool opens (metrics)."""
        if self._pool is None:
            return 0, 0, self._config.DATABASE_POOL_SIZE
        return self._pool.get_size(), self._pool.get_idle_size(), self._pool.get_max_size()

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()
