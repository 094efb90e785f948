"""E-mail verification, password reset and password change, with mail delivered to a real SMTP
server (tests/smtp.py)."""

import socket

import pytest
from fastapi import status
from httpx import AsyncClient, Response
from pydantic import SecretStr

from src.auth.config import auth_settings
from src.auth.constants import EmailTokenPurpose, ErrorCode
from src.auth.credentials.router import send_link
from src.config import settings
from src.database import Connection, Database, DatabasePool
from src.mail import LogMailer
from src.main import app
from tests.auth.conftest import PASSWORD, LoggedInUser, link_token, log_in, login, register
from tests.errors import error
from tests.smtp import Outbox

NEW_PASSWORD = "An0ther!Passw0rd"
REFRESH = auth_settings.REFRESH_TOKEN_COOKIE


async def verify(client: AsyncClient, token: str) -> Response:
    return await client.post(app.url_path_for("verify_email"), json={"token": token})


async def request_reset(client: AsyncClient, email: str) -> Response:
    return await client.post(app.url_path_for("request_password_reset"), json={"email": email})


async def reset(client: AsyncClient, token: str, password: str = NEW_PASSWORD) -> Response:
    return await client.post(
        app.url_path_for("reset_password"), json={"token": token, "password": password}
    )


async def test_registration_sends_a_link_that_verifies_once(
    client: AsyncClient, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth_settings, "VERIFIED_EMAIL_REQUIRED", True)
    await register(client, "ada@example.com")
    [message] = outbox.messages
    assert message["To"] == "ada@example.com"
    assert "/verify-email?token=" in outbox.text()
    refused = await login(client, "ada@example.com")
    assert refused.status_code == status.HTTP_403_FORBIDDEN
    assert refused.json() == error(ErrorCode.EMAIL_NOT_VERIFIED)
    # A wrong password is the usual 401: the 403 says nothing to someone without the password.
    wrong = await login(client, "ada@example.com", NEW_PASSWORD)
    assert wrong.status_code == status.HTTP_401_UNAUTHORIZED

    verified = await verify(client, link_token(outbox))

    assert verified.status_code == status.HTTP_204_NO_CONTENT
    assert (await login(client, "ada@example.com")).status_code == status.HTTP_200_OK
    replayed = await verify(client, link_token(outbox))
    assert replayed.status_code == status.HTTP_404_NOT_FOUND
    assert replayed.json() == error(ErrorCode.EMAIL_TOKEN_NOT_VALID)


async def test_unverified_users_may_log_in_by_default(client: AsyncClient, outbox: Outbox) -> None:
    await register(client, "ada@example.com")

    assert (await login(client, "ada@example.com")).status_code == status.HTTP_200_OK


async def test_verification_link_again_only_for_unverified_addresses(
    client: AsyncClient, outbox: Outbox
) -> None:
    await register(client, "ada@example.com")
    url = app.url_path_for("request_verification")

    again = await client.post(url, json={"email": "ada@example.com"})
    unknown = await client.post(url, json={"email": "nobody@example.com"})

    assert (again.status_code, again.content) == (unknown.status_code, unknown.content)
    assert again.status_code == status.HTTP_202_ACCEPTED
    assert len(outbox.messages) == 2
    assert (await verify(client, link_token(outbox))).status_code == status.HTTP_204_NO_CONTENT
    await client.post(url, json={"email": "ada@example.com"})
    assert len(outbox.messages) == 2  # verified: nothing more to send


async def test_reset_request_answers_the_same_for_any_address(
    client: AsyncClient, user: LoggedInUser, outbox: Outbox
) -> None:
    sent_before = len(outbox.messages)

    known = await request_reset(client, user.email)
    unknown = await request_reset(client, "nobody@example.com")

    assert known.status_code == unknown.status_code == status.HTTP_202_ACCEPTED
    assert known.content == unknown.content
    assert known.json()["detail"]
    assert known.headers.keys() == unknown.headers.keys()
    [message] = outbox.messages[sent_before:]
    assert message["To"] == user.email
    assert message["Subject"] == "Reset your password"


async def test_reset_sets_the_password_and_ends_every_session(
    client: AsyncClient, outbox: Outbox
) -> None:
    await register(client, "ada@example.com")
    sessions = [(await login(client, "ada@example.com")).cookies[REFRESH] for _ in range(2)]
    await request_reset(client, "ada@example.com")
    await request_reset(client, "ada@example.com")
    first, second = link_token(outbox, -2), link_token(outbox, -1)

    response = await reset(client, second)

    assert response.status_code == status.HTTP_204_NO_CONTENT
    assert (await login(client, "ada@example.com")).status_code == 401
    assert (await login(client, "ada@example.com", NEW_PASSWORD)).status_code == 200
    for session in sessions:  # every refresh-token family is revoked
        client.cookies.clear()
        refreshed = await client.put(
            app.url_path_for("refresh_tokens"), headers={"Cookie": f"{REFRESH}={session}"}
        )
        assert refreshed.status_code == status.HTTP_401_UNAUTHORIZED
    # Reused, and the older link of the same user: both dead.
    for token in (second, first):
        again = await reset(client, token, "Th1rd!Passw0rd")
        assert again.json() == error(ErrorCode.EMAIL_TOKEN_NOT_VALID)
    assert (await login(client, "ada@example.com", NEW_PASSWORD)).status_code == 200


async def test_expired_reset_token_is_refused(
    client: AsyncClient, user: LoggedInUser, outbox: Outbox, connection: Connection
) -> None:
    await request_reset(client, user.email)
    await connection.execute(
        "UPDATE auth_email_token SET expires_at = statement_timestamp() - interval '1 second'"
    )

    response = await reset(client, link_token(outbox))

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert response.json() == error(ErrorCode.EMAIL_TOKEN_NOT_VALID)
    assert (await login(client, user.email)).status_code == status.HTTP_200_OK


@pytest.mark.parametrize("token", ["forged-token", "A" * 43, "x" * 128])
async def test_forged_reset_token_is_refused(
    client: AsyncClient, user: LoggedInUser, token: str
) -> None:
    response = await reset(client, token)

    assert response.json() == error(ErrorCode.EMAIL_TOKEN_NOT_VALID)
    assert (await login(client, user.email)).status_code == status.HTTP_200_OK


async def test_a_verification_token_does_not_reset_a_password(
    client: AsyncClient, outbox: Outbox
) -> None:
    await register(client, "ada@example.com")

    response = await reset(client, link_token(outbox))

    assert response.json() == error(ErrorCode.EMAIL_TOKEN_NOT_VALID)


async def test_reset_password_must_be_strong(client: AsyncClient) -> None:
    response = await reset(client, "any-token", "weakpassword")

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
    assert "weakpassword" not in response.text


async def test_change_password_needs_the_current_one(
    client: AsyncClient, user: LoggedInUser
) -> None:
    url = app.url_path_for("change_password")

    wrong = await client.put(
        url,
        json={"current_password": NEW_PASSWORD, "new_password": "Th1rd!Passw0rd"},
        headers=user.headers,
    )

    assert wrong.status_code == status.HTTP_403_FORBIDDEN
    assert wrong.json() == error(ErrorCode.WRONG_PASSWORD)
    assert (await login(client, user.email)).status_code == status.HTTP_200_OK

    changed = await client.put(
        url,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=user.headers,
    )

    assert changed.status_code == status.HTTP_204_NO_CONTENT
    assert (await login(client, user.email)).status_code == status.HTTP_401_UNAUTHORIZED
    await log_in(client, user.email, NEW_PASSWORD)


async def test_change_password_needs_a_user(client: AsyncClient) -> None:
    response = await client.put(
        app.url_path_for("change_password"),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )

    assert response.status_code == status.HTTP_401_UNAUTHORIZED


@pytest.mark.parametrize("purpose", list(EmailTokenPurpose))
async def test_a_link_requested_while_the_database_is_down_is_a_warning(
    caplog: pytest.LogCaptureFixture, purpose: EmailTokenPurpose
) -> None:
    """The link is looked up after the 202: an outage then had no client to answer, and came out
    as an unhandled "Exception in ASGI application" with its traceback (an error report each)."""
    with socket.socket() as probe:  # a port nobody listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = settings.model_copy(
        update={"DATABASE_URL": SecretStr(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/none")}
    )
    pool = DatabasePool(down)
    try:
        await send_link(Database(pool), LogMailer(), "ada@example.com", purpose)
    finally:
        await pool.close()

    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert "database unavailable" in caplog.text
