"""Roles and permissions: admin routes, deactivation, and the last admin."""

import uuid

import pytest
from fastapi import status
from httpx import AsyncClient

from src.auth.config import auth_settings
from src.auth.constants import ErrorCode
from src.database import Connection, Database
from src.main import app
from tests.auth.conftest import LoggedInUser, grant, login, register
from tests.errors import error

REFRESH = auth_settings.REFRESH_TOKEN_COOKIE


async def user_id(client: AsyncClient, user: LoggedInUser) -> str:
    response = await client.get(app.url_path_for("get_my_user"), headers=user.headers)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def admin_routes(target: str) -> list[tuple[str, str]]:
    return [
        ("GET", app.url_path_for("list_users")),
        ("GET", app.url_path_for("list_roles")),
        ("DELETE", app.url_path_for("deactivate_user", user_id=target)),
        ("PUT", app.url_path_for("reactivate_user", user_id=target)),
        ("PUT", app.url_path_for("grant_role", user_id=target, role_name="admin")),
        ("DELETE", app.url_path_for("revoke_role", user_id=target, role_name="admin")),
    ]


async def test_a_user_without_the_permission_gets_403_everywhere(
    client: AsyncClient, admin: LoggedInUser, user: LoggedInUser
) -> None:
    target = await user_id(client, admin)

    for method, url in admin_routes(target):
        response = await client.request(method, url, headers=user.headers)

        assert response.status_code == status.HTTP_403_FORBIDDEN, (method, url)
        assert response.json() == error(ErrorCode.PERMISSION_MISSING)
    # Unknown ids too: the permission is checked first, so nothing leaks about them.
    response = await client.delete(
        app.url_path_for("deactivate_user", user_id=str(uuid.uuid4())), headers=user.headers
    )
    assert response.json() == error(ErrorCode.PERMISSION_MISSING)
    me = await client.get(app.url_path_for("get_my_user"), headers=admin.headers)
    assert me.json()["is_active"] is True


async def test_anonymous_requests_get_401(client: AsyncClient) -> None:
    for method, url in admin_routes(str(uuid.uuid4())):
        response = await client.request(method, url)

        assert response.status_code == status.HTTP_401_UNAUTHORIZED, (method, url)


async def test_list_users_pages_with_roles(
    client: AsyncClient, admin: LoggedInUser, user: LoggedInUser
) -> None:
    response = await client.get(
        app.url_path_for("list_users"), params={"limit": 1}, headers=admin.headers
    )

    assert response.status_code == status.HTTP_200_OK, response.text
    page = response.json()
    assert (page["total"], page["limit"], page["offset"]) == (2, 1, 0)
    [first] = page["items"]
    assert (first["email"], first["roles"]) == (admin.email, ["admin"])
    assert "password_hash" not in first
    second = await client.get(
        app.url_path_for("list_users"), params={"limit": 1, "offset": 1}, headers=admin.headers
    )
    assert [(u["email"], u["roles"]) for u in second.json()["items"]] == [(user.email, [])]


async def test_list_roles(client: AsyncClient, admin: LoggedInUser) -> None:
    response = await client.get(app.url_path_for("list_roles"), headers=admin.headers)

    assert response.status_code == status.HTTP_200_OK
    assert {"name": "admin", "permissions": ["*"]} in response.json()


async def test_deactivation_takes_effect_on_the_next_request(
    client: AsyncClient, admin: LoggedInUser
) -> None:
    await register(client, "eve@example.com")
    tokens = await login(client, "eve@example.com")
    eve = LoggedInUser("eve@example.com", tokens.json()["access_token"])
    refresh_token = tokens.cookies[REFRESH]
    eve_id = await user_id(client, eve)

    response = await client.delete(
        app.url_path_for("deactivate_user", user_id=eve_id), headers=admin.headers
    )

    assert response.status_code == status.HTTP_200_OK, response.text
    assert response.json()["is_active"] is False
    # The access token has not expired, and is refused all the same.
    me = await client.get(app.url_path_for("get_my_user"), headers=eve.headers)
    assert me.status_code == status.HTTP_403_FORBIDDEN
    assert me.json() == error(ErrorCode.USER_INACTIVE)
    client.cookies.clear()
    refreshed = await client.put(
        app.url_path_for("refresh_tokens"), headers={"Cookie": f"{REFRESH}={refresh_token}"}
    )
    assert refreshed.status_code == status.HTTP_401_UNAUTHORIZED
    assert (await login(client, "eve@example.com")).status_code == status.HTTP_401_UNAUTHORIZED

    back = await client.put(
        app.url_path_for("reactivate_user", user_id=eve_id), headers=admin.headers
    )

    assert back.json()["is_active"] is True
    assert (await login(client, "eve@example.com")).status_code == status.HTTP_200_OK
    # Deactivation revoked the sessions for good: reactivation does not revive them.
    client.cookies.clear()
    revived = await client.put(
        app.url_path_for("refresh_tokens"), headers={"Cookie": f"{REFRESH}={refresh_token}"}
    )
    assert revived.status_code == status.HTTP_401_UNAUTHORIZED


@pytest.mark.parametrize("change", ["deactivate", "revoke"])
async def test_the_last_admin_stays(client: AsyncClient, admin: LoggedInUser, change: str) -> None:
    me = await user_id(client, admin)
    url = (
        app.url_path_for("deactivate_user", user_id=me)
        if change == "deactivate"
        else app.url_path_for("revoke_role", user_id=me, role_name="admin")
    )

    response = await client.delete(url, headers=admin.headers)

    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json() == error(ErrorCode.LAST_ADMIN)
    still = await client.get(app.url_path_for("list_users"), headers=admin.headers)
    assert still.json()["items"][0]["roles"] == ["admin"]


async def test_an_admin_may_step_down_once_another_admin_exists(
    client: AsyncClient, admin: LoggedInUser, user: LoggedInUser
) -> None:
    me, other = await user_id(client, admin), await user_id(client, user)
    granted = await client.put(
        app.url_path_for("grant_role", user_id=other, role_name="admin"), headers=admin.headers
    )
    assert granted.json()["roles"] == ["admin"]

    response = await client.delete(
        app.url_path_for("revoke_role", user_id=me, role_name="admin"), headers=admin.headers
    )

    assert response.status_code == status.HTTP_200_OK
    assert response.json()["roles"] == []
    # Without the role, the same token is refused at once.
    refused = await client.get(app.url_path_for("list_users"), headers=admin.headers)
    assert refused.status_code == status.HTTP_403_FORBIDDEN
    # And the new admin is the last one now.
    last = await client.delete(
        app.url_path_for("deactivate_user", user_id=other), headers=user.headers
    )
    assert last.json() == error(ErrorCode.LAST_ADMIN)


async def test_grant_is_idempotent(client: AsyncClient, admin: LoggedInUser) -> None:
    url = app.url_path_for("grant_role", user_id=await user_id(client, admin), role_name="admin")

    answers = [await client.put(url, headers=admin.headers) for _ in range(2)]

    assert [answer.json()["roles"] for answer in answers] == [["admin"], ["admin"]]


@pytest.mark.parametrize(
    ("target", "role_name", "code"),
    [
        ("unknown", "admin", ErrorCode.USER_NOT_FOUND),
        ("self", "no-such-role", ErrorCode.ROLE_NOT_FOUND),
    ],
)
async def test_unknown_user_or_role_is_404(
    client: AsyncClient, admin: LoggedInUser, target: str, role_name: str, code: ErrorCode
) -> None:
    who = str(uuid.uuid4()) if target == "unknown" else await user_id(client, admin)

    response = await client.put(
        app.url_path_for("grant_role", user_id=who, role_name=role_name), headers=admin.headers
    )

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert response.json() == error(code)


async def test_a_role_grants_only_its_permissions(
    client: AsyncClient, connection: Connection, db: Database, user: LoggedInUser
) -> None:
    await connection.execute(
        "INSERT INTO auth_role (name, permissions) VALUES ('helper', ARRAY['posts:moderate'])"
    )
    await grant(db, user.email, "helper")

    response = await client.get(app.url_path_for("list_users"), headers=user.headers)

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert response.json() == error(ErrorCode.PERMISSION_MISSING)
