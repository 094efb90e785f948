"""Posts writes through the real unit of work (each request commits for real, another
connection reads back), and races between a check and a write: 404 or 409, never a 500."""

import asyncio

from fastapi import status
from httpx import AsyncClient

from src.main import app
from src.posts.models import Post
from tests.auth.conftest import LoggedInUser, log_in, register
from tests.committed import read_back
from tests.posts.conftest import create_post


async def users(client: AsyncClient) -> tuple[LoggedInUser, LoggedInUser]:
    await register(client, "author@example.com")
    await register(client, "reader@example.com")
    return await log_in(client, "author@example.com"), await log_in(client, "reader@example.com")


async def test_post_writes_are_committed(committed_client: AsyncClient) -> None:
    author, _reader = await users(committed_client)
    post = await create_post(committed_client, author, title="Kept")
    after_create = await read_back(Post, post["id"])
    url = app.url_path_for("update_post", post_id=post["id"])
    await committed_client.patch(url, json={"title": "Edited"}, headers=author.headers)
    after_update = await read_back(Post, post["id"])
    await committed_client.delete(url, headers=author.headers)
    after_delete = await read_back(Post, post["id"])

    assert after_create is not None
    assert after_create["title"] == "Kept"
    assert after_update is not None
    assert after_update["title"] == "Edited"
    assert after_delete is None


async def test_likes_racing_a_delete_are_204_or_404(committed_client: AsyncClient) -> None:
    author, reader = await users(committed_client)
    answers: list[int] = []
    for _ in range(5):
        post = await create_post(committed_client, author)
        like = app.url_path_for("like_post", post_id=post["id"])
        delete = app.url_path_for("delete_post", post_id=post["id"])
        requests = [committed_client.put(like, headers=reader.headers) for _ in range(10)]
        requests.insert(5, committed_client.delete(delete, headers=author.headers))
        answers += [response.status_code for response in await asyncio.gather(*requests)]

    assert set(answers) <= {status.HTTP_204_NO_CONTENT, status.HTTP_404_NOT_FOUND}, answers


async def test_updates_racing_a_delete_are_200_or_404(committed_client: AsyncClient) -> None:
    author, _reader = await users(committed_client)
    answers: list[int] = []
    for number in range(5):
        post = await create_post(committed_client, author)
        url = app.url_path_for("update_post", post_id=post["id"])
        requests = [
            committed_client.patch(url, json={"title": f"T{number}{n}"}, headers=author.headers)
            for n in range(8)
        ]
        requests.insert(4, committed_client.delete(url, headers=author.headers))
        answers += [response.status_code for response in await asyncio.gather(*requests)]

    assert set(answers) <= {200, 204, 404}, answers
