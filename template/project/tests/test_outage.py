"""A database outage: 503 JSON errors fast (no hang, no 500), readiness fails, liveness stays up,
and the service recovers by itself when the database is back (no restart). Only failures of
the database become 503s: a bug elsewhere stays a 500."""

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Integer, Text, bindparam, func, select, text

from src.config import Config, settings
from src.constants import ErrorCode
from src.database import Database, DatabasePool, compile_query, connect
from src.exceptions import DatabaseConflict, DatabaseUnavailable
from src.main import create_app
from tests.outage import OutageDatabase, app_client, outage_app

UNAVAILABLE = {"detail": ErrorCode.SERVICE_UNAVAILABLE, "code": "SERVICE_UNAVAILABLE"}


async def test_stopped_database_is_a_503_then_recovers(outage_database: OutageDatabase) -> None:
    async with app_client(outage_app(outage_database)) as client:
        assert (await client.get("/readyz")).status_code == status.HTTP_200_OK  # pool warmed up

        outage_database.stop()
        try:
            started = time.monotonic()
            # The pooled connection was closed under us, then new ones are refused.
            during = [await client.get("/readyz") for _ in range(3)]
            elapsed = time.monotonic() - started
            liveness = await client.get("/healthz")
        finally:
            outage_database.start()
        after = await client.get("/readyz")

    assert [response.status_code for response in during] == [503] * 3
    assert all(response.json() == UNAVAILABLE for response in during)
    assert elapsed < 2, "an outage must fail fast, not hang"
    assert liveness.status_code == status.HTTP_200_OK
    assert after.status_code == status.HTTP_200_OK, "the service must reconnect by itself"


# The connect timeout also bounds the wait for a cancelled statement when its connection goes
# back to the pool (the statement's timeout and margin: 0.8 s here): shorter than that wait, the
# release fails too (the answer stays a 503).
@pytest.mark.parametrize("connect_timeout_seconds", [5, 0.5])
async def test_frozen_database_is_a_503_after_the_statement_timeout(
    outage_database: OutageDatabase, connect_timeout_seconds: float
) -> None:
    """Processes stopped, not crashed: nothing answers, nothing closes the connection."""
    app = outage_app(
        outage_database,
        statement_timeout_seconds=0.3,
        statement_margin_seconds=0.5,
        connect_timeout_seconds=connect_timeout_seconds,
    )
    async with app_client(app) as client:
        assert (await client.get("/readyz")).status_code == status.HTTP_200_OK

        outage_database.freeze(frozen=True)
        try:
            started = time.monotonic()
            during = await client.get("/readyz")
            elapsed = time.monotonic() - started
        finally:
            outage_database.freeze(frozen=False)
        after = [await client.get("/readyz") for _ in range(2)]

    assert during.status_code == status.HTTP_503_SERVICE_UNAVAILABLE
    assert during.json() == UNAVAILABLE
    assert elapsed < 5, f"a frozen database held the request {elapsed:.1f} s"
    assert [response.status_code for response in after] == [200, 200]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never answers: a database that hangs."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


async def test_unresponsive_database_is_a_503_after_the_connect_timeout(silent_server: int) -> None:
    url = f"postgresql://postgres@127.0.0.1:{silent_server}/app"
    config = Config(DATABASE_URL=url, DATABASE_CONNECT_TIMEOUT_SECONDS=0.5)
    async with app_client(create_app(config)) as client:
        started = time.monotonic()
        response = await client.get("/readyz")
        elapsed = time.monotonic() - started

    assert response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE
    assert response.json() == UNAVAILABLE
    assert elapsed < 2


async def test_a_missing_file_is_a_bug_not_an_outage() -> None:
    """An OSError that is not the database's is a 500, not a 503 logged as an outage."""
    app: FastAPI = create_app()

    @app.get("/report")
    async def get_report() -> str:
        with open("/nonexistent/report.txt") as report:  # noqa: ASYNC230
            return report.read()

    async with app_client(app) as client:
        response = await client.get("/report")

    assert response.status_code == status.HTTP_500_INTERNAL_SERVER_ERROR
    assert response.json() == {"detail": ErrorCode.INTERNAL_ERROR, "code": "INTERNAL_ERROR"}


async def test_a_slow_statement_is_cancelled_as_unavailable(db: Database) -> None:
    with pytest.raises(DatabaseUnavailable):
        await db.execute(
            compile_query(
                text("SET LOCAL statement_timeout = 100; SELECT pg_sleep(5)"), writes=True
            )
        )


async def test_refused_data_is_a_422_and_a_broken_constraint_a_409(db: Database) -> None:
    refused = compile_query(select(bindparam("value", type_=Text())))
    insert = compile_query(
        text(
            "CREATE TEMPORARY TABLE probe (id int PRIMARY KEY); INSERT INTO probe VALUES (1), (1)"
        ),
        writes=True,
    )

    with pytest.raises(DatabaseConflict):
        await db.execute(insert)
    await db.rollback()
    with pytest.raises(RequestValidationError):
        await db.fetch_value(refused, str, value="a\x00b")


@pytest.mark.usefixtures("engine")  # the migrated test database
async def test_a_connection_terminated_by_the_server_is_a_503() -> None:
    """An administrator (or a failover) ends the backend under an open unit of work. asyncpg
    then raises ConnectionDoesNotExistError, its InternalClientError (a statement that starts as
    the termination arrives) or, once it detached the connection from its pool, an InterfaceError
    from the call itself, the rollback's or the commit's: each is an outage (503), none a 500.
    The pool then serves again (asyncpg returned the lost connections' slots)."""
    pool = DatabasePool(settings)
    killer = await connect(settings)
    pid_query = compile_query(select(func.pg_backend_pid()), writes=True)
    next_query = compile_query(select(bindparam("value", type_=Integer())))
    escaped: list[str] = []
    try:
        for delay, next_statement in [(0.0, True)] * 6 + [(0.01, True), (0.01, False)]:
            try:
                async with Database(pool) as db:
                    pid = await db.fetch_value(pid_query, int)
                    await killer.execute("SELECT pg_terminate_backend($1)", pid)
                    await asyncio.sleep(delay)
                    if next_statement:
                        await db.fetch_value(next_query, int, value=1)
            except DatabaseUnavailable:
                continue
            except Exception as error:  # what a request would answer with a 500
                escaped.append(type(error).__name__)
                continue
            escaped.append("no error")
        async with Database(pool) as db:
            served = await db.fetch_value(next_query, int, value=1)
    finally:
        await killer.close()
        await pool.close()

    assert escaped == []
    assert served == 1
