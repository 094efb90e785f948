"""A database outage: 503 JSON errors fast (no hang, no 500), readiness fails, liveness stays up,
and the service recovers by itself when the database is back (no restart, no pre-ping)."""

import socket
import time
from collections.abc import Iterator

import pytest
from fastapi import status
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from src.config import Config
from src.database import build_engine, is_unavailable
from tests.outage import OutageDatabase, app_client

UNAVAILABLE = {"detail": "Service unavailable"}


class FakeDriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


async def test_stopped_database_is_a_503_then_recovers(outage_database: OutageDatabase) -> None:
    engine = build_engine(outage_database.url)
    async with app_client(engine) as client:
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
    await engine.dispose()

    assert [response.status_code for response in during] == [503] * 3
    assert all(response.json() == UNAVAILABLE for response in during)
    assert elapsed < 2, "an outage must fail fast, not hang"
    assert liveness.status_code == status.HTTP_200_OK
    assert after.status_code == status.HTTP_200_OK, "the service must reconnect by itself"


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never answers: a database that hangs."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


async def test_unresponsive_database_is_a_503_after_the_connect_timeout(silent_server: int) -> None:
    config = Config(_env_file=None, DATABASE_CONNECT_TIMEOUT_SECONDS=0.5)
    engine = build_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{silent_server}/app", config)
    async with app_client(engine) as client:
        started = time.monotonic()
        response = await client.get("/readyz")
        elapsed = time.monotonic() - started
    await engine.dispose()

    assert response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE
    assert response.json() == UNAVAILABLE
    assert elapsed < 2


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(),
        FileNotFoundError(),  # a Unix socket without its server
        TimeoutError(),  # connect timeout
        PoolTimeoutError(),  # every pooled connection busy for DATABASE_POOL_TIMEOUT_SECONDS
        DBAPIError("SELECT 1", None, Exception(), connection_invalidated=True),
        DBAPIError("SELECT 1", None, FakeDriverError("57P01")),  # admin shutdown
        DBAPIError("SELECT 1", None, FakeDriverError("53300")),  # too many connections
    ],
    ids=lambda error: type(error).__name__,
)
def test_connection_failures_are_unavailability(error: Exception) -> None:
    assert is_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT", None, FakeDriverError("23505")),
        DBAPIError("SELECT", None, FakeDriverError("22003")),  # a value out of range: a bug
        ValueError(),
    ],
    ids=lambda error: type(error).__name__,
)
def test_other_errors_stay_server_errors(error: Exception) -> None:
    assert not is_unavailable(error)
