import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi import status
from httpx import AsyncClient, Response

from src.auth.config import auth_settings
from src.auth.constants import REFRESH_TOKEN_PATH, ErrorCode
from src.auth.schemas import STRONG_PASSWORD
from src.auth.security import create_access_token
from src.main import app
from tests.auth.conftest import PASSWORD, LoggedInUser, log_in, login, register
from tests.errors import error

REFRESH = auth_settings.REFRESH_TOKEN_COOKIE


def refresh_cookie(response: Response) -> str:
    return response.cookies[REFRESH]


async def refresh(client: AsyncClient, token: str) -> Response:
    client.cookies.clear()
    return await client.put(
        app.url_path_for("refresh_tokens"), headers={"Cookie": f"{REFRESH}={token}"}
    )


async def test_register(client: AsyncClient) -> None:
    response = await client.post(
        app.url_path_for("register_user"), json={"email": "Ada@Example.com", "password": PASSWORD}
    )

    assert response.status_code == status.HTTP_201_CREATED
    body = response.json()
    assert body["email"] == "ada@example.com"
    assert body["is_active"] is True
    assert "password" not in response.text
    assert "password_hash" not in body


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@example.com"])
async def test_duplicate_email_is_a_conflict(client: AsyncClient, email: str) -> None:
    await register(client, "ada@example.com")

    response = await client.post(
        app.url_path_for("register_user"), json={"email": email, "password": PASSWORD}
    )

    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json() == error(ErrorCode.EMAIL_TAKEN)


def test_password_rule_is_in_the_schema() -> None:
    """The strength rule is documented (a pattern clients can check) as well as enforced."""
    schema = app.openapi()["components"]["schemas"]["UserCreate"]

    # The same rule, after the part every text has (no NUL character).
    pattern = schema["properties"]["password"]["pattern"]
    assert pattern.endswith(STRONG_PASSWORD.pattern.removeprefix("^"))
    assert schema["additionalProperties"] is False


async def test_weak_password_is_a_422_with_the_message_and_no_echo(client: AsyncClient) -> None:
    weak = "alllowercase1"

    response = await client.post(
        app.url_path_for("register_user"), json={"email": "ada@example.com", "password": weak}
    )

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "password"]
    assert "Password must contain at least one lower case letter" in error["msg"]
    assert weak not in response.text


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "ada@example.com", "password": "S1!a"}, "password"),
        ({"email": "ada@example.com"}, "password"),
        ({"email": "ada@example.com", "password": PASSWORD, "is_active": False}, "is_active"),
    ],
)
async def test_invalid_registration_fields(
    client: AsyncClient, payload: dict[str, str], field: str
) -> None:
    response = await client.post(app.url_path_for("register_user"), json=payload)

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
    assert [error["loc"][-1] for error in response.json()["detail"]] == [field]


async def test_login_sets_a_locked_down_refresh_cookie(client: AsyncClient) -> None:
    await register(client, "ada@example.com")

    response = await login(client, "ada@example.com")

    assert response.status_code == status.HTTP_200_OK
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["token_type"] == "bearer"
    assert response.json()["expires_in"] == auth_settings.JWT_EXP.total_seconds()
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{REFRESH}=")
    for flag in ("HttpOnly", "Secure", "SameSite=strict", f"Path={REFRESH_TOKEN_PATH}"):
        assert flag in cookie
    assert f"Max-Age={int(auth_settings.REFRESH_TOKEN_EXP.total_seconds())}" in cookie


@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@example.com", "Wr0ng!Password"), ("nobody@example.com", PASSWORD)],
    ids=["bad-password", "unknown-email"],
)
async def test_login_refused_the_same_way(client: AsyncClient, email: str, password: str) -> None:
    await register(client, "ada@example.com")

    response = await login(client, email, password)

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert response.json() == error(ErrorCode.INVALID_CREDENTIALS)
    assert "set-cookie" not in response.headers


async def test_me(client: AsyncClient, user: LoggedInUser) -> None:
    response = await client.get(app.url_path_for("get_my_user"), headers=user.headers)

    assert response.status_code == status.HTTP_200_OK
    assert response.json()["email"] == user.email


def forged_tokens(user_id: str) -> dict[str, str]:
    now = datetime.now(UTC)
    claims = {"sub": user_id, "iat": now, "exp": now + timedelta(minutes=5)}
    secret = auth_settings.JWT_SECRET.get_secret_value()
    return {
        "expired": create_access_token(uuid.UUID(user_id), now=now - timedelta(hours=1)),
        "other-secret": jwt.encode(claims, "another-secret-of-32-characters-or-more"),
        # "" (not None) type-checks whether or not cryptography is installed.
        "alg-none": jwt.encode(claims, "", algorithm="none"),
        "no-exp": jwt.encode({"sub": user_id, "iat": now}, secret),
        "not-a-jwt": "not.a.jwt",
    }


@pytest.mark.parametrize("kind", ["expired", "other-secret", "alg-none", "no-exp", "not-a-jwt"])
async def test_bad_access_tokens_are_401(
    client: AsyncClient, user: LoggedInUser, kind: str
) -> None:
    me = await client.get(app.url_path_for("get_my_user"), headers=user.headers)
    token = forged_tokens(me.json()["id"])[kind]

    response = await client.get(
        app.url_path_for("get_my_user"), headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert response.json() == error(ErrorCode.INVALID_TOKEN)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_no_token_is_401(client: AsyncClient) -> None:
    response = await client.get(app.url_path_for("get_my_user"))

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert response.json() == error(ErrorCode.AUTHENTICATION_REQUIRED)


async def test_refresh_rotates_the_token(client: AsyncClient) -> None:
    await register(client, "ada@example.com")
    response = await login(client, "ada@example.com")
    first = refresh_cookie(response)

    response = await refresh(client, first)

    assert response.status_code == status.HTTP_200_OK
    second = refresh_cookie(response)
    assert second != first
    me = await client.get(
        app.url_path_for("get_my_user"),
        headers={"Authorization": f"Bearer {response.json()['access_token']}"},
    )
    assert me.status_code == status.HTTP_200_OK
    assert (await refresh(client, second)).status_code == status.HTTP_200_OK


@pytest.fixture
def no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth_settings, "REFRESH_TOKEN_REUSE_GRACE", timedelta(0))


@pytest.mark.usefixtures("no_grace")
async def test_reused_refresh_token_revokes_the_family(client: AsyncClient) -> None:
    await register(client, "ada@example.com")
    response = await login(client, "ada@example.com")
    stolen = refresh_cookie(response)
    rotated = refresh_cookie(await refresh(client, stolen))

    reuse = await refresh(client, stolen)
    after = await refresh(client, rotated)

    assert reuse.status_code == status.HTTP_401_UNAUTHORIZED
    assert reuse.json() == error(ErrorCode.REFRESH_TOKEN_REUSED)
    assert after.status_code == status.HTTP_401_UNAUTHORIZED
    assert after.json() == error(ErrorCode.REFRESH_TOKEN_NOT_VALID)
    assert "Max-Age=0" in reuse.headers["set-cookie"]  # a failed refresh clears the cookie
    assert reuse.headers["cache-control"] == "no-store"


async def test_a_second_tab_refreshing_within_the_grace_window_stays_logged_in(
    client: AsyncClient,
) -> None:
    await register(client, "ada@example.com")
    shared = refresh_cookie(await login(client, "ada@example.com"))
    first_tab = await refresh(client, shared)

    second_tab = await refresh(client, shared)

    assert second_tab.status_code == status.HTTP_200_OK
    assert (await refresh(client, refresh_cookie(first_tab))).status_code == status.HTTP_200_OK
    assert (await refresh(client, refresh_cookie(second_tab))).status_code == status.HTTP_200_OK


@pytest.mark.parametrize("token", [None, "made-up-token"])
async def test_refresh_without_a_valid_cookie(client: AsyncClient, token: str | None) -> None:
    client.cookies.clear()
    headers = {"Cookie": f"{REFRESH}={token}"} if token else {}

    response = await client.put(app.url_path_for("refresh_tokens"), headers=headers)

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert response.json() == error(ErrorCode.REFRESH_TOKEN_NOT_VALID)


async def test_logout_revokes_and_clears_the_cookie(client: AsyncClient) -> None:
    await register(client, "ada@example.com")
    response = await login(client, "ada@example.com")
    token = refresh_cookie(response)
    client.cookies.clear()

    response = await client.delete(
        app.url_path_for("delete_tokens"), headers={"Cookie": f"{REFRESH}={token}"}
    )

    assert response.status_code == status.HTTP_204_NO_CONTENT
    cleared = response.headers["set-cookie"]
    assert cleared.startswith(f'{REFRESH}=""')
    assert "Max-Age=0" in cleared
    assert (await refresh(client, token)).status_code == status.HTTP_401_UNAUTHORIZED


async def test_login_uses_the_logged_in_helper(client: AsyncClient) -> None:
    await register(client, "grace@example.com")

    logged_in = await log_in(client, "grace@example.com")

    assert logged_in.access_token.count(".") == 2


async def test_any_address_of_the_email_format_is_accepted(client: AsyncClient) -> None:
    """The schema says ``format: email``: an address on a reserved domain is one too."""
    response = await client.post(
        app.url_path_for("register_user"), json={"email": "x@none.test", "password": PASSWORD}
    )

    assert response.status_code == status.HTTP_201_CREATED, response.text


async def test_a_multipart_body_without_its_boundary_is_the_documented_422(
    client: AsyncClient,
) -> None:
    response = await client.post(
        app.url_path_for("create_tokens"),
        content=b"username=a&password=b",
        headers={"Content-Type": "multipart/form-data"},
    )

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT


@pytest.mark.parametrize("field", ["username", "password"])
async def test_a_nul_in_the_login_form_is_a_422(client: AsyncClient, field: str) -> None:
    form = {"username": "ada@example.com", "password": PASSWORD, field: "a\x00b"}

    response = await client.post(app.url_path_for("create_tokens"), data=form)

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
