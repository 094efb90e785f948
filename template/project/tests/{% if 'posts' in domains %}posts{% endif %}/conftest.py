from typing import Any

import pytest
from httpx import AsyncClient

from src.main import app
from tests.auth.conftest import LoggedInUser, log_in, register


@pytest.fixture
async def author(client: AsyncClient) -> LoggedInUser:
    await register(client, "author@example.com")
    return await log_in(client, "author@example.com")


@pytest.fixture
async def reader(client: AsyncClient) -> LoggedInUser:
    await register(client, "reader@example.com")
    return await log_in(client, "reader@example.com")


async def create_post(
    client: AsyncClient, user: LoggedInUser, title: str = "Hello", **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        app.url_path_for("create_post"),
        json={"title": title, "content": "Some content.", "published": True, **fields},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    post: dict[str, Any] = response.json()
    return post
