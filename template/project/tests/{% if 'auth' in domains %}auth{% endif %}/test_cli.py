"""``python -m src.auth.cli create-admin``, on the test database, the password on stdin.

One run is a process of its own, as operators run it (the entry point, its exit status, a piped
stdin, settings read from the environment); the others call the same ``main()`` in this process,
in a thread of its own (``main`` runs its own event loop), with stdin and the output swapped:
the same code from argument parsing on, at a fraction of a process start.
"""

import asyncio
import io
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import status
from httpx import AsyncClient
from sqlalchemy import URL, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from src.auth import cli
from src.auth.constants import ADMIN_ROLE
from src.main import app
from tests.auth.conftest import PASSWORD, log_in, register
from tests.conftest import empty_tables

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EMAIL = "root@example.com"


@pytest.fixture
async def cleanup(engine: AsyncEngine) -> AsyncIterator[None]:
    """Empty the tables the command wrote (``committed_client`` does it for the tests using it)."""
    yield
    await empty_tables(engine)


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def create_admin_process(database_url: URL, email: str, stdin: str = "") -> Run:
    """The command in a process of its own."""
    url = database_url.set(drivername="postgresql").render_as_string(hide_password=False)
    done = subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "src.auth.cli", "create-admin", email],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


@dataclass
class CreateAdmin:
    """The command's ``main()`` in this process (the settings already name the test database)."""

    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch

    async def __call__(self, email: str, stdin: str = "") -> Run:
        self.capsys.readouterr()  # what came before is not the command's
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))  # piped: not a terminal
        returncode = await asyncio.to_thread(cli.main, ["create-admin", email])
        output = self.capsys.readouterr()
        return Run(returncode, output.out, output.err)


@pytest.fixture
def create_admin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> CreateAdmin:
    return CreateAdmin(capsys, monkeypatch)


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


async def test_create_admin_creates_then_is_idempotent(
    engine: AsyncEngine, committed_client: AsyncClient, create_admin: CreateAdmin
) -> None:
    created = await create_admin("Root@Example.com", stdin=f"{PASSWORD}\n")

    assert created.returncode == 0, created.stderr
    assert "created as an admin" in created.stdout
    assert PASSWORD not in created.stdout + created.stderr
    admin = await log_in(committed_client, EMAIL)
    listed = await committed_client.get(app.url_path_for("list_users"), headers=admin.headers)
    assert listed.status_code == status.HTTP_200_OK
    assert [user["roles"] for user in listed.json()["items"]] == [[ADMIN_ROLE]]

    again = await create_admin(EMAIL)  # no password asked for an existing user

    assert again.returncode == 0, again.stderr
    assert "already an admin" in again.stdout
    assert await roles(engine, EMAIL) == [ADMIN_ROLE]


async def test_create_admin_promotes_an_existing_user(
    engine: AsyncEngine, committed_client: AsyncClient, create_admin: CreateAdmin
) -> None:
    await register(committed_client, EMAIL)

    promoted = await create_admin(EMAIL)

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
    engine: AsyncEngine, create_admin: CreateAdmin, email: str, stdin: str, message: str
) -> None:
    refused = await create_admin(email, stdin=stdin)

    assert refused.returncode == 2
    assert message in refused.stderr
    assert stdin.strip() not in refused.stdout + refused.stderr
    assert await roles(engine, EMAIL) == []


@pytest.mark.usefixtures("cleanup")
async def test_the_command_runs_as_operators_run_it(engine: AsyncEngine, database_url: URL) -> None:
    """A process of its own: ``python -m`` reaches ``main``, whose status is the process's; it
    reads the settings from the environment, the database (the user is looked up first), then
    the piped password, which it refuses without printing it."""
    refused = await asyncio.to_thread(create_admin_process, database_url, EMAIL, "weakpassword\n")

    assert refused.returncode == 2
    assert "password" in refused.stderr
    assert "weakpassword" not in refused.stdout + refused.stderr
    assert await roles(engine, EMAIL) == []


async def test_an_unreachable_database_is_one_line_not_a_traceback() -> None:
    """The operator reads which database error it was, in one line that never holds the URL."""
    with socket.socket() as probe:  # a port nobody listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = make_url(f"postgresql://admin:pw-s3cr3t@127.0.0.1:{port}/app")

    failed = await asyncio.to_thread(create_admin_process, down, EMAIL, f"{PASSWORD}\n")

    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert "database unavailable" in failed.stderr.lower()
    assert "s3cr3t" not in failed.stdout + failed.stderr
