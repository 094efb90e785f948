# src is imported inside the fixtures: when pytest is given this folder, it loads this file
# before tests/conftest.py points the settings at the test database and environment.
import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

import pytest
from httpx import AsyncClient

if TYPE_CHECKING:
    from taskiq import AsyncBroker


@pytest.fixture
async def write_headers(client: AsyncClient) -> dict[str, str]:
    """Headers that let a request queue a job (a user's token when the service has auth)."""
    from tests import access

    return await access.write_headers(client)


@pytest.fixture
def use_broker() -> Callable[["AsyncBroker"], None]:
    """Route the jobs API through another broker for one test (a Redis one, a broken one)."""
    from src.main import app
    from src.worker import get_broker

    def use(broker: "AsyncBroker") -> None:
        app.dependency_overrides[get_broker] = lambda: broker

    return use


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """A TCP server that accepts connections and never answers: a hung Redis. Its URL."""
    connections: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    yield f"redis://{host}:{port}/0"
    server.close()
    for writer in connections:
        writer.close()
    await server.wait_closed()
