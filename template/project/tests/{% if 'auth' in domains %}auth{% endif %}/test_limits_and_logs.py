"""Auth under its real rate limits (per client address and per account), and logs that never
hold a password or a token."""

import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from fastapi import status
from httpx import ASGITransport, AsyncClient, Response

from src import logs
from src.auth.config import auth_settings
from src.constants import Environment, ErrorCode
from src.main import app
from src.rate_limits import RateLimitConfig, RateLimiter
from tests.auth.conftest import PASSWORD, login, register
from tests.errors import error

REFRESH = auth_settings.REFRESH_TOKEN_COOKIE


def use_limits(**settings: str) -> Iterator[RateLimitConfig]:
    """The shipped limits (as outside tests), or ``settings``, while a test runs."""
    config = RateLimitConfig(ENVIRONMENT=Environment.PRODUCTION, REDIS_URL=None, **settings)  # type: ignore[arg-type]
    suite_limiter = app.state.rate_limiter
    app.state.rate_limiter = RateLimiter(config)
    yield config
    app.state.rate_limiter = suite_limiter


@pytest.fixture
def shipped_limits() -> Iterator[RateLimitConfig]:
    yield from use_limits()


def client_at(address: str) -> AsyncClient:
    """A client from another address, on the same app and test transaction as ``client``."""
    transport = ASGITransport(app=app, client=(address, 1234))
    return AsyncClient(transport=transport, base_url="https://test")


@pytest.fixture
async def elsewhere(client: AsyncClient) -> AsyncIterator[AsyncClient]:
    async with client_at("198.51.100.99") as other:
        yield other


async def refresh(client: AsyncClient, token: str) -> Response:
    client.cookies.clear()
    return await client.put(
        app.url_path_for("refresh_tokens"), headers={"Cookie": f"{REFRESH}={token}"}
    )


async def test_an_account_locks_after_its_failed_logins_from_any_address(
    client: AsyncClient, shipped_limits: RateLimitConfig
) -> None:
    await register(client, "ada@example.com")
    attempts = int(shipped_limits.RATE_LIMIT_LOGIN_ACCOUNT.split("/")[0])

    for n in range(attempts):
        async with client_at(f"198.51.100.{n}") as other:
            response = await login(other, "ADA@example.com", "Wr0ng!Password")
        assert response.status_code == status.HTTP_401_UNAUTHORIZED

    response = await login(client, "ada@example.com")  # the right password, too late

    assert response.status_code == status.HTTP_429_TOO_MANY_REQUESTS
    assert response.json() == error(ErrorCode.TOO_MANY_REQUESTS)
    assert int(response.headers["retry-after"]) >= 1


@pytest.fixture
def three_logins_per_address() -> Iterator[RateLimitConfig]:
    yield from use_limits(RATE_LIMIT_LOGIN="3/minute")


async def test_an_address_locks_after_its_logins_to_any_account(
    client: AsyncClient, elsewhere: AsyncClient, three_logins_per_address: RateLimitConfig
) -> None:
    await register(client, "ada@example.com")
    attempts = 3

    for n in range(attempts):
        response = await login(client, f"user{n}@example.com", "Wr0ng!Password")
        assert response.status_code == status.HTTP_401_UNAUTHORIZED

    assert (await login(client, "ada@example.com")).status_code == 429
    assert (await login(elsewhere, "ada@example.com")).status_code == 200


async def test_registering_one_email_again_and_again_is_limited(
    client: AsyncClient, elsewhere: AsyncClient, shipped_limits: RateLimitConfig
) -> None:
    attempts = int(shipped_limits.RATE_LIMIT_REGISTER_ACCOUNT.split("/")[0])
    path = app.url_path_for("register_user")
    body = {"email": "ada@example.com", "password": PASSWORD}

    codes = [(await client.post(path, json=body)).status_code for _ in range(attempts)]
    assert codes == [201] + [409] * (attempts - 1)

    assert (await elsewhere.post(path, json=body)).status_code == 429


@pytest.fixture
def one_refresh_per_account() -> Iterator[RateLimitConfig]:
    yield from use_limits(RATE_LIMIT_REFRESH_ACCOUNT="1/minute")


async def test_refreshes_are_limited_per_account(
    client: AsyncClient, one_refresh_per_account: RateLimitConfig
) -> None:
    await register(client, "ada@example.com")
    logged_in = await login(client, "ada@example.com")

    first = await refresh(client, logged_in.cookies[REFRESH])
    second = await refresh(client, first.cookies[REFRESH])  # valid, but one refresh too many

    assert first.status_code == 200
    assert second.status_code == 429


async def test_reset_links_for_one_address_are_limited_whether_it_has_an_account_or_not(
    client: AsyncClient, elsewhere: AsyncClient, shipped_limits: RateLimitConfig
) -> None:
    await register(client, "ada@example.com")
    attempts = int(shipped_limits.RATE_LIMIT_EMAIL_LINK_ACCOUNT.split("/")[0])
    path = app.url_path_for("request_password_reset")

    for email in ("ada@example.com", "nobody@example.com"):
        codes = [
            (await client.post(path, json={"email": email})).status_code for _ in range(attempts)
        ]
        assert codes == [status.HTTP_202_ACCEPTED] * attempts
        # The next one, from anywhere, for this address (existing or not): the same 429.
        response = await elsewhere.post(path, json={"email": email.upper()})
        assert response.status_code == status.HTTP_429_TOO_MANY_REQUESTS
        assert response.json() == error(ErrorCode.TOO_MANY_REQUESTS)


@pytest.fixture
def one_password_change_per_user() -> Iterator[RateLimitConfig]:
    yield from use_limits(RATE_LIMIT_PASSWORD_CHANGE_ACCOUNT="1/minute")


async def test_password_changes_are_limited_per_user(
    client: AsyncClient, elsewhere: AsyncClient, one_password_change_per_user: RateLimitConfig
) -> None:
    await register(client, "ada@example.com")
    token = (await login(client, "ada@example.com")).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    path = app.url_path_for("change_password")
    guess = {"current_password": "Wr0ng!Password", "new_password": "An0ther!Passw0rd"}

    first = await client.put(path, json=guess, headers=headers)
    second = await elsewhere.put(path, json=guess, headers=headers)  # another address, same user

    assert first.status_code == status.HTTP_403_FORBIDDEN
    assert second.status_code == status.HTTP_429_TOO_MANY_REQUESTS


async def test_logs_hold_no_password_or_token(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.setFormatter(logs.JSONFormatter(logs.JSON_FIELDS))
    password = f"Sec-{uuid.uuid4().hex}!A1"
    await register(client, "ada@example.com", password)

    logged_in = await login(client, "ada@example.com", password)
    refreshed = await refresh(client, logged_in.cookies[REFRESH])
    access_token = logged_in.json()["access_token"]
    me = await client.get(
        app.url_path_for("get_my_user"), headers={"Authorization": f"Bearer {access_token}"}
    )

    secrets = [
        password,
        access_token,
        logged_in.cookies[REFRESH],
        refreshed.json()["access_token"],
        refreshed.cookies[REFRESH],
    ]
    lines = caplog.text.splitlines()
    everything = caplog.text + "".join(str(vars(record)) for record in caplog.records)
    assert len(lines) >= 4
    assert [secret for secret in secrets if secret in everything] == []
    # The authenticated request's access line names its user.
    [access] = [line for line in map(json.loads, lines) if line.get("route") == "/auth/users/me"]
    assert access["user_id"] == me.json()["id"]
