import uuid

import pytest
from fastapi import status
from httpx import AsyncClient

from src.main import app
from src.posts.constants import ErrorCode
from tests.auth.conftest import LoggedInUser
from tests.errors import error
from tests.posts.conftest import create_post


async def test_create_post(client: AsyncClient, author: LoggedInUser) -> None:
    post = await create_post(client, author, title="First", published=True)

    assert post["title"] == "First"
    assert post["content"] == "Some content."
    assert set(post["creator"]) == {"id", "display_name"}  # never the e-mail
    assert post["creator"]["display_name"].startswith("user-")
    assert post["likes"] == 0
    assert post["published_at"] is not None
    assert post["created_at"].endswith("Z")
    assert post["updated_at"] is None


async def test_create_post_needs_a_token(client: AsyncClient) -> None:
    response = await client.post(
        app.url_path_for("create_post"), json={"title": "Hello", "content": "Text"}
    )

    assert response.status_code == status.HTTP_401_UNAUTHORIZED


@pytest.mark.parametrize(
    "payload",
    [{"title": "", "content": "Text"}, {"title": "x" * 201, "content": "Text"}, {"title": "T"}],
)
async def test_invalid_post_is_422(
    client: AsyncClient, author: LoggedInUser, payload: dict[str, str]
) -> None:
    response = await client.post(
        app.url_path_for("create_post"), json=payload, headers=author.headers
    )

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT


async def test_get_post(client: AsyncClient, author: LoggedInUser) -> None:
    created = await create_post(client, author)

    response = await client.get(app.url_path_for("get_post", post_id=created["id"]))

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == created


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_unknown_post_is_404(client: AsyncClient, author: LoggedInUser, method: str) -> None:
    url = app.url_path_for("get_post", post_id=str(uuid.uuid4()))

    response = await client.request(method, url, json={"title": "New"}, headers=author.headers)

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert response.json() == error(ErrorCode.POST_NOT_FOUND)


async def test_malformed_post_id_is_422(client: AsyncClient) -> None:
    response = await client.get(app.url_path_for("get_post", post_id="not-a-uuid"))

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT


async def test_update_post(client: AsyncClient, author: LoggedInUser) -> None:
    created = await create_post(client, author)

    response = await client.patch(
        app.url_path_for("update_post", post_id=created["id"]),
        json={"title": "Edited", "published": True},
        headers=author.headers,
    )

    assert response.status_code == status.HTTP_200_OK
    post = response.json()
    assert post["title"] == "Edited"
    assert post["content"] == created["content"]
    assert post["published_at"] is not None
    assert post["updated_at"] is not None


async def test_update_with_null_keeps_the_field(client: AsyncClient, author: LoggedInUser) -> None:
    created = await create_post(client, author, title="Kept", published=True)

    response = await client.patch(
        app.url_path_for("update_post", post_id=created["id"]),
        json={"title": None, "content": "New content.", "published": None},
        headers=author.headers,
    )

    assert response.status_code == status.HTTP_200_OK
    assert response.json()["title"] == "Kept"
    assert response.json()["content"] == "New content."
    assert response.json()["published_at"] == created["published_at"]


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"title": "T", "content": "C", "author": "x"}, "extra_forbidden"),
        ({"title": "T", "content": "C", "published": 0}, "bool_type"),
        ({"title": "T", "content": "C", "published": "yes"}, "bool_type"),
    ],
    ids=["unknown-field", "int-for-bool", "string-for-bool"],
)
@pytest.mark.parametrize("route", ["create_post", "update_post"])
async def test_fields_outside_the_schema_are_422(
    client: AsyncClient, author: LoggedInUser, route: str, payload: dict[str, object], error: str
) -> None:
    created = await create_post(client, author)
    url = app.url_path_for(route, **({"post_id": created["id"]} if route == "update_post" else {}))

    response = await client.request(
        "POST" if route == "create_post" else "PATCH", url, json=payload, headers=author.headers
    )

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
    assert [e["type"] for e in response.json()["detail"]] == [error]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_other_users_post_is_403(
    client: AsyncClient, author: LoggedInUser, reader: LoggedInUser, method: str
) -> None:
    created = await create_post(client, author)
    url = app.url_path_for("update_post", post_id=created["id"])

    response = await client.request(method, url, json={"title": "Mine"}, headers=reader.headers)

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert response.json() == error(ErrorCode.POST_NOT_OWNED)
    unchanged = await client.get(app.url_path_for("get_post", post_id=created["id"]))
    assert unchanged.json()["title"] == created["title"]


async def test_delete_post(client: AsyncClient, author: LoggedInUser) -> None:
    created = await create_post(client, author)
    url = app.url_path_for("delete_post", post_id=created["id"])

    response = await client.delete(url, headers=author.headers)

    assert response.status_code == status.HTTP_204_NO_CONTENT
    gone = await client.get(app.url_path_for("get_post", post_id=created["id"]))
    assert gone.status_code == status.HTTP_404_NOT_FOUND


async def test_likes_are_counted_once_per_user(
    client: AsyncClient, author: LoggedInUser, reader: LoggedInUser
) -> None:
    created = await create_post(client, author)
    url = app.url_path_for("like_post", post_id=created["id"])

    for user in (reader, reader, author):
        assert (await client.put(url, headers=user.headers)).status_code == 204
    liked = await client.get(app.url_path_for("get_post", post_id=created["id"]))
    assert (await client.delete(url, headers=reader.headers)).status_code == 204
    unliked = await client.get(app.url_path_for("get_post", post_id=created["id"]))

    assert liked.json()["likes"] == 2
    assert unliked.json()["likes"] == 1


async def test_list_aggregates_creator_and_likes(
    client: AsyncClient, author: LoggedInUser, reader: LoggedInUser
) -> None:
    first = await create_post(client, author, title="First")
    second = await create_post(client, reader, title="Second")
    await client.put(app.url_path_for("like_post", post_id=first["id"]), headers=reader.headers)
    await client.patch(
        app.url_path_for("update_post", post_id=first["id"]),
        json={"content": "Edited later"},
        headers=author.headers,
    )

    response = await client.get(app.url_path_for("list_posts"))

    assert response.status_code == status.HTTP_200_OK
    page = response.json()
    assert page["total"] == 2
    assert (page["limit"], page["offset"]) == (20, 0)
    # Most recent activity first: the edit moved "First" ahead of the newer "Second".
    assert [item["id"] for item in page["items"]] == [first["id"], second["id"]]
    assert page["items"][0]["creator"] == first["creator"]
    assert page["items"][0]["likes"] == 1
    assert page["items"][1]["creator"] == second["creator"]
    assert author.email not in response.text
    assert reader.email not in response.text


async def test_pagination(client: AsyncClient, author: LoggedInUser) -> None:
    for number in range(3):
        await create_post(client, author, title=f"Post {number}")

    response = await client.get(app.url_path_for("list_posts"), params={"limit": 2, "offset": 2})

    assert response.status_code == status.HTTP_200_OK
    assert response.json()["total"] == 3
    assert [item["title"] for item in response.json()["items"]] == ["Post 0"]


@pytest.mark.parametrize(
    "params",
    # 2**63: past PostgreSQL's bigint OFFSET (found by the contract fuzzing, was a 500).
    [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"offset": 2**63}, {"limit": "many"}],
)
async def test_pagination_bounds_are_422(client: AsyncClient, params: dict[str, str | int]) -> None:
    response = await client.get(app.url_path_for("list_posts"), params=params)

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
    assert response.json()["detail"][0]["loc"][0] == "query"


async def test_list_user_posts(
    client: AsyncClient, author: LoggedInUser, reader: LoggedInUser
) -> None:
    mine = await create_post(client, author)
    await create_post(client, reader)

    response = await client.get(app.url_path_for("list_user_posts", user_id=mine["creator"]["id"]))

    assert response.status_code == status.HTTP_200_OK
    assert [item["id"] for item in response.json()["items"]] == [mine["id"]]


async def test_unknown_user_posts_is_404(client: AsyncClient) -> None:
    url = app.url_path_for("list_user_posts", user_id=str(uuid.uuid4()))

    response = await client.get(url)

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert response.json() == error(ErrorCode.USER_NOT_FOUND)


async def test_update_with_only_nulls_writes_nothing(
    client: AsyncClient, author: LoggedInUser
) -> None:
    created = await create_post(client, author)

    response = await client.patch(
        app.url_path_for("update_post", post_id=created["id"]),
        json={"title": None},
        headers=author.headers,
    )

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == created  # updated_at untouched


@pytest.mark.parametrize("field", ["title", "content"])
async def test_a_nul_character_is_a_422(
    client: AsyncClient, author: LoggedInUser, field: str
) -> None:
    payload = {"title": "T", "content": "C", field: "a\x00b"}

    response = await client.post(
        app.url_path_for("create_post"), json=payload, headers=author.headers
    )

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
    assert "NUL" in response.json()["detail"][0]["msg"]
