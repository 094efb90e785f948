"""Moderators (a role granting ``posts:moderate``) delete anyone's post, and change none."""

from fastapi import status
from httpx import AsyncClient

from src.database import Database
from src.main import app
from src.posts.constants import ErrorCode
from tests.auth.conftest import LoggedInUser, grant
from tests.errors import error
from tests.posts.conftest import create_post


async def test_a_moderator_deletes_anyones_post(
    client: AsyncClient, db: Database, author: LoggedInUser, reader: LoggedInUser
) -> None:
    created = await create_post(client, author)
    url = app.url_path_for("delete_post", post_id=created["id"])
    await grant(db, reader.email, "moderator")

    response = await client.delete(url, headers=reader.headers)

    assert response.status_code == status.HTTP_204_NO_CONTENT
    gone = await client.get(app.url_path_for("get_post", post_id=created["id"]))
    assert gone.status_code == status.HTTP_404_NOT_FOUND


async def test_a_moderator_cannot_edit_anyones_post(
    client: AsyncClient, db: Database, author: LoggedInUser, reader: LoggedInUser
) -> None:
    created = await create_post(client, author)
    await grant(db, reader.email, "moderator")

    response = await client.patch(
        app.url_path_for("update_post", post_id=created["id"]),
        json={"title": "Moderated"},
        headers=reader.headers,
    )

    assert response.json() == error(ErrorCode.POST_NOT_OWNED)
