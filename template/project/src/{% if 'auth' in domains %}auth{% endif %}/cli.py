"""Commands for operators: ``python -m src.auth.cli create-admin EMAIL``.

The password comes from a prompt (or, piped, the first line of stdin): never from an argument
or a variable, which shell histories, ``ps`` and process environments keep. The command runs
through the same services and settings as the app: ``DATABASE_URL`` (environment, else
``.env``); locally without one, the embedded PostgreSQL of ``scripts/start`` (migrated first).
"""

import argparse
import asyncio
import getpass
import os
import sys

from pydantic import ValidationError

from src.auth.schemas import UserCreate, valid_email
from src.exceptions import DatabaseUnavailable


def read_password() -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise SystemExit("The passwords differ.")
        return password
    return sys.stdin.readline().rstrip("\r\n")


def use_developer_database() -> None:
    """Locally without ``DATABASE_URL``: the developer commands' database, migrated to head (a
    deployed image has no ``scripts/``, and its ``DATABASE_URL`` is required)."""
    try:
        from scripts import dev_database
    except ImportError:
        return
    if dev_database.DeveloperSettings().DATABASE_URL is not None:
        return
    url = dev_database.database_url()
    if code := dev_database.migrate(url):
        raise SystemExit(code)
    os.environ["DATABASE_URL"] = url


async def create_admin(email: str) -> str:
    # Imported here: the settings they read depend on use_developer_database().
    from src.auth import service
    from src.auth.admin import service as admin_service
    from src.auth.constants import ADMIN_ROLE
    from src.config import settings
    from src.database import Database, DatabasePool

    pool = DatabasePool(settings)
    try:
        async with Database(pool) as db:
            user_id = await service.get_user_id_by_email(db, email=email)
            if user_id is None:
                user = UserCreate(email=email, password=read_password())
                created = await service.create_user(
                    db, email=user.email, password=user.password, display_name=None
                )
                if created is None:
                    return f"{email} registered meanwhile: run the command again."
                user_id, outcome = created.id, "created as an admin"
            elif await admin_service.has_role(db, user_id=user_id, role_name=ADMIN_ROLE):
                outcome = "already an admin"
            else:
                outcome = "promoted to admin"
            await admin_service.grant_role(db, user_id=user_id, role_name=ADMIN_ROLE)
            # The way back in for a locked-out admin too.
            await admin_service.set_user_active(db, user_id=user_id, active=True)
    finally:
        await pool.close()
    return f"{email}: {outcome}."


def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m src.auth.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser(
        "create-admin",
        help="create the user (password from a prompt or stdin) or promote an existing one",
    )
    create.add_argument("email")
    options = parser.parse_args(arguments)
    try:
        email = valid_email(options.email).lower()
    except ValueError as error:
        print(f"email: {error}", file=sys.stderr)
        return 2
    use_developer_database()
    try:
        print(asyncio.run(create_admin(email)))
    except ValidationError as error:  # a weak password
        for problem in error.errors():
            print(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as error:
        # The driver's error only (asyncpg's messages hold no password); never the URL.
        cause = error.__cause__
        print(f"Database unavailable: {type(cause).__name__}: {cause}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
