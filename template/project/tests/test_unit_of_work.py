"""One request, one unit of work on the real pool: the route's writes commit together before
the response is sent, roll back together on any error, and the connection is back in the pool
before a slow client has read the response."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, status
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from src.config import Config, settings
from src.database import DatabasePool, DbDep, compile_query, connect
from src.exceptions import Conflict, DatabaseUnavailable
from src.main import create_app
from tests.outage import app_client

INSERT = compile_query(text("INSERT INTO unit_of_work_probe VALUES (1), (2)"), writes=True)
INSERT_DUPLICATE = compile_query(
    text("INSERT INTO unit_of_work_probe VALUES (3), (3)"), writes=True
)
COUNT = compile_query(text("SELECT count(*) FROM unit_of_work_probe"))


@pytest.fixture
async def probe_table(engine: AsyncEngine) -> AsyncIterator[None]:
    connection = await connect(settings)
    await connection.execute("CREATE TABLE unit_of_work_probe (id int PRIMARY KEY)")
    try:
        yield
    finally:
        await connection.execute("DROP TABLE unit_of_work_probe")
        await connection.close()


async def committed_rows() -> int:
    connection = await connect(settings)
    try:
        rows: int = await connection.fetchval(COUNT.sql)
    finally:
        await connection.close()
    return rows


def probe_app(config: Config = settings) -> FastAPI:
    app = create_app(config)

    @app.post("/probe", status_code=status.HTTP_201_CREATED)
    async def write_twice(db: DbDep, fail: bool = False) -> int:
        await db.execute(INSERT)
        if fail:
            raise Conflict
        return 2

    @app.get("/probe")
    async def count(db: DbDep) -> int:
        return await db.fetch_value(COUNT, int) or 0

    return app


@pytest.mark.usefixtures("probe_table")
async def test_writes_commit_together_or_not_at_all() -> None:
    async with app_client(probe_app()) as client:
        failed = await client.post("/probe", params={"fail": True})
        after_failure = await committed_rows()
        succeeded = await client.post("/probe")
        after_success = await committed_rows()

    assert failed.status_code == status.HTTP_409_CONFLICT
    assert after_failure == 0, "a failed request must leave nothing behind"
    assert succeeded.status_code == status.HTTP_201_CREATED
    assert after_success == 2


@pytest.mark.usefixtures("probe_table")
async def test_a_broken_constraint_is_a_409_and_rolls_back() -> None:
    app = probe_app()

    @app.put("/probe")
    async def write_duplicates(db: DbDep) -> None:
        await db.execute(INSERT)
        await db.execute(INSERT_DUPLICATE)

    async with app_client(app) as client:
        response = await client.put("/probe")

    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json()["code"] == "CONFLICT"
    assert await committed_rows() == 0


class SlowReader:
    """An ASGI wrapper whose client stops reading a response body until told to go on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.reading = asyncio.Event()
        self.resume = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def slow_send(message: Message) -> None:
            if message["type"] == "http.response.body" and scope["path"] == "/probe":
                self.reading.set()
                await self.resume.wait()
            await send(message)

        await self.app(scope, receive, slow_send)


@pytest.mark.usefixtures("probe_table")
async def test_the_connection_is_back_in_the_pool_before_the_body_is_sent() -> None:
    """With one pooled connection, a client still reading a response must not block others."""
    config = Config(DATABASE_POOL_SIZE=1, DATABASE_POOL_TIMEOUT_SECONDS=1)
    app = probe_app(config)
    async with LifespanManager(app) as manager:
        slow = SlowReader(manager.app)
        transport = ASGITransport(app=slow)
        async with AsyncClient(transport=transport, base_url="https://test") as client:
            slow_request = asyncio.create_task(client.post("/probe"))
            await asyncio.wait_for(slow.reading.wait(), 10)
            other = await client.get("/readyz")
            slow.resume.set()
            slowly_read = await slow_request

    assert other.status_code == status.HTTP_200_OK, other.text
    assert slowly_read.status_code == status.HTTP_201_CREATED


async def test_a_saturated_pool_is_a_503_after_its_timeout_and_serves_once_freed() -> None:
    """The pool timeout bounds the wait while no connection is idle; a freed one serves at once."""
    pool = DatabasePool(Config(DATABASE_POOL_SIZE=1, DATABASE_POOL_TIMEOUT_SECONDS=0.2))
    held = await pool.acquire()
    try:
        with pytest.raises(DatabaseUnavailable):
            await asyncio.wait_for(pool.acquire(), 5)  # a hang fails here, not the suite
    finally:
        await pool.release(held)
    again = await asyncio.wait_for(pool.acquire(), 5)
    try:
        assert await again.fetchval("SELECT 1") == 1
    finally:
        await pool.release(again)
        await pool.close()
