"""Alembic's environment: async migrations on DATABASE_URL, models discovered in every domain.

On a developer's machine (``scripts/`` present) the database comes from
``scripts/dev_database.py``: DATABASE_URL from the environment or ``.env``, created when missing
in a local environment, or an embedded PostgreSQL in ``.postgres/`` when there is no URL. The
image ships no ``scripts/``: there, DATABASE_URL must be set.
"""

import asyncio
import os
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

DEVELOPER_DATABASE = Path(__file__).resolve().parent.parent / "scripts" / "dev_database.py"

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)


def target_metadata() -> MetaData:
    """Every domain's tables (no hand-kept import list to forget)."""
    # Imported once DATABASE_URL is known: importing src reads the settings.
    from src.database import Base
    from src.domains import import_domain_modules

    import_domain_modules("models")
    return Base.metadata


def database_url() -> str:
    if DEVELOPER_DATABASE.is_file():
        from scripts import dev_database

        return dev_database.database_url()
    if url := os.environ.get("DATABASE_URL"):
        return url
    raise SystemExit("DATABASE_URL is not set: migrations need the database's URL.")


def asyncpg_url(url: str) -> str:
    """Any PostgreSQL URL (``postgres://``, ``postgresql://``) with the asyncpg driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def autogenerating() -> bool:
    return bool(getattr(config.cmd_opts, "autogenerate", False))


def behind_head(connection: Connection) -> bool:
    current = MigrationContext.configure(connection).get_current_heads()
    return set(current) != set(context.script.get_heads())


def run_migrations_offline() -> None:
    # SQL scripts (--sql) need the dialect only, not a server.
    os.environ.setdefault("DATABASE_URL", "postgresql://")
    context.configure(
        url=asyncpg_url(os.environ["DATABASE_URL"]),
        target_metadata=target_metadata(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata(), compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations(url: str) -> None:
    engine = create_async_engine(asyncpg_url(url), poolclass=pool.NullPool)
    if autogenerating() and DEVELOPER_DATABASE.is_file():
        from scripts import dev_database

        # Autogenerate compares the models with a database at head: bring a local one there
        # first, as `alembic upgrade head` would, instead of failing "not up to date".
        async with engine.connect() as connection:
            behind = await connection.run_sync(behind_head)
        if behind and dev_database.is_local() and dev_database.migrate(url):
            raise SystemExit("alembic upgrade head failed: see above.")
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
elif (connection := config.attributes.get("connection")) is not None:
    # Tests share their own connection (Alembic cookbook: connection sharing with asyncio).
    do_run_migrations(connection)
else:
    url = database_url()
    os.environ["DATABASE_URL"] = url  # for src's settings, read when the models are imported
    asyncio.run(run_async_migrations(url))
