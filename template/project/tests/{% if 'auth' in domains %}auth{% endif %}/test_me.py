"""GET /auth/users/me is a hot read: PostgreSQL builds the body, which must be the
``UserResponse`` the route declares, and the refusals stay those of ``valid_active_user``."""

import uuid

from fastapi import status
from httpx import AsyncClient
from sqlalchemy import text

from src.auth import service
from src.auth.constants import ErrorCode
from src.auth.schemas import UserResponse
from src.auth.security import create_access_token
from src.database import Database, compile_query
from src.main import app
from tests.auth.conftest import LoggedInUser
from tests.errors import error


async def test_me_is_the_declared_model(
    client: AsyncClient, db: Database, user: LoggedInUser
) -> None:
    response = await client.get(app.url_path_for("get_my_user"), headers=user.headers)

    assert response.status_code == status.HTTP_200_OK
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    stored = await service.get_user_by_id(db, uuid.UUID(body["id"]))
    assert stored is not None
    # The same fields, in the same order, in the one datetime format of every response.
    expected = UserResponse.model_validate(stored.model_dump()).model_dump(mode="json")
    assert list(body.items()) == list(expected.items())


async def test_a_token_of_a_deleted_user_is_401(client: AsyncClient) -> None:
    token = create_access_token(uuid.uuid4())

    response = await client.get(
        app.url_path_for("get_my_user"), headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert response.json() == error(ErrorCode.INVALID_TOKEN)


async def test_an_inactive_user_is_403(
    client: AsyncClient, db: Database, user: LoggedInUser
) -> None:
    deactivate = text("UPDATE auth_user SET is_active = false WHERE email = :email")
    await db.execute(compile_query(deactivate, writes=True), email=user.email)

    response = await client.get(app.url_path_for("get_my_user"), headers=user.headers)

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert response.json() == error(ErrorCode.USER_INACTIVE)
