"""Drafts are their creator's only; public payloads never carry an e-mail; a deactivated user
changes nothing."""

import pytest
from fastapi import status
from httpx import AsyncClient
from sqlalchemy import bindparam, update

from src.auth.constants import ErrorCode
from src.auth.models import AuthUser
from src.database import Database, compile_query
from src.main import app
from tests.auth.conftest import LoggedInUser
from tests.errors import error
from tests.posts.conftest import create_post

DEACTIVATE = compile_query(
    update(AuthUser).where(AuthUser.email == bindparam("email")).values(is_active=False)
)


async def test_a_draft_is_visible_to_its_creator_only(
    client: AsyncClient, author: LoggedInUser, reader: LoggedInUser
) -> None:
    draft = await create_post(client, author, title="Draft", published=False)
    url = app.url_path_for("get_post", post_id=draft["id"])
    lists = [app.url_path_for("list_posts")]
    lists.append(app.url_path_for("list_user_posts", user_id=draft["creator"]["id"]))

    assert (await client.get(url, headers=author.headers)).status_code == status.HTTP_200_OK
    assert (await client.get(url)).status_code == status.HTTP_404_NOT_FOUND
    assert (await client.get(url, headers=reader.headers)).status_code == 404
    for listing in lists:
        mine = (await client.get(listing, headers=author.headers)).json()
        anyone = (await client.get(listing)).json()
        assert [post["id"] for post in mine["items"]] == [draft["id"]]
        assert (anyone["items"], anyone["total"]) == ([], 0)


async def test_others_cannot_like_or_change_a_draft(
    client: AsyncClient, author: LoggedInUser, reader: LoggedInUser
) -> None:
    draft = await create_post(client, author, published=False)
    like = app.url_path_for("like_post", post_id=draft["id"])
    post = app.url_path_for("update_post", post_id=draft["id"])

    assert (await client.put(like, headers=reader.headers)).status_code == 404
    assert (
        await client.patch(post, json={"title": "X"}, headers=reader.headers)
    ).status_code == 404


async def test_public_payloads_carry_no_email(
    client: AsyncClient, author: LoggedInUser, reader: LoggedInUser
) -> None:
    post = await create_post(client, author)
    await client.put(app.url_path_for("like_post", post_id=post["id"]), headers=reader.headers)

    pages = [
        await client.get(app.url_path_for("get_post", post_id=post["id"])),
        await client.get(app.url_path_for("list_posts")),
        await client.get(app.url_path_for("list_user_posts", user_id=post["creator"]["id"])),
    ]

    for page in pages:
        assert page.status_code == status.HTTP_200_OK
        assert "@" not in page.text


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_a_deactivated_creator_changes_nothing(
    client: AsyncClient, author: LoggedInUser, db: Database, method: str
) -> None:
    post = await create_post(client, author)
    await db.execute(DEACTIVATE, email=author.email)
    await db.commit()
    url = app.url_path_for("update_post", post_id=post["id"])

    response = await client.request(method, url, json={"title": "Mine"}, headers=author.headers)

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert response.json() == error(ErrorCode.USER_INACTIVE)
    assert (await client.get(url)).json()["title"] == post["title"]
