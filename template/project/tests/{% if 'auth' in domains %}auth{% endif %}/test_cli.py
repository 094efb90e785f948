"""``python -m src.auth.cli create-admin``, run as operators run it: a process of its own, on the
test database, the password on stdin."""

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import status
from httpx import AsyncClient
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import AsyncEngine

from src.auth.constants import ADMIN_ROLE
from src.main import app
from tests.auth.conftest import PASSWORD, log_in, register
from tests.conftest import empty_tables

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EMAIL = "root@example.com"


@pytest.fixture
async def cleanup(engine: AsyncEngine) -> AsyncIterator[None]:
    yield
    await empty_tables(engine)


def create_admin(
    database_url: URL, email: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    url = database_url.set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "src.auth.cli", "create-admin", email],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def roles(engine: AsyncEngine, email: str) -> list[str]:
    async with engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT role_name FROM auth_user_role JOIN auth_user ON id = user_id "
                "WHERE email = :email"
            ),
            {"email": email},
        )
        return list(result.scalars())


@pytest.mark.usefixtures("cleanup")
async def test_create_admin_creates_then_is_idempotent(
    engine: AsyncEngine, database_url: URL, committed_client: AsyncClient
) -> None:
    created = create_admin(database_url, "Root@Example.com", stdin=f"{PASSWORD}\n")

    assert created.returncode == 0, created.stderr
    assert "created as an admin" in created.stdout
    assert PASSWORD not in created.stdout + created.stderr
    admin = await log_in(committed_client, EMAIL)
    listed = await committed_client.get(app.url_path_for("list_users"), headers=admin.headers)
    assert listed.status_code == status.HTTP_200_OK
    assert [user["roles"] for user in listed.json()["items"]] == [[ADMIN_ROLE]]

    again = create_admin(database_url, EMAIL)  # no password asked for an existing user

    assert again.returncode == 0, again.stderr
    assert "already an admin" in again.stdout
    assert await roles(engine, EMAIL) == [ADMIN_ROLE]


@pytest.mark.usefixtures("cleanup")
async def test_create_admin_promotes_an_existing_user(
    engine: AsyncEngine, database_url: URL, committed_client: AsyncClient
) -> None:
    await register(committed_client, EMAIL)

    promoted = create_admin(database_url, EMAIL)

    assert promoted.returncode == 0, promoted.stderr
    assert "promoted to admin" in promoted.stdout
    assert await roles(engine, EMAIL) == [ADMIN_ROLE]


@pytest.mark.usefixtures("cleanup")
@pytest.mark.parametrize(
    ("email", "stdin", "message"),
    [
        (EMAIL, "weakpassword\n", "password"),
        ("not-an-email", f"{PASSWORD}\n", "email"),
    ],
)
async def test_create_admin_refuses_bad_input(
    engine: AsyncEngine, database_url: URL, email: str, stdin: str, message: str
) -> None:
    refused = create_admin(database_url, email, stdin=stdin)

    assert refused.returncode == 2
    assert message in refused.stderr
    assert stdin.strip() not in refused.stdout + refused.stderr
    assert await roles(engine, EMAIL) == []
