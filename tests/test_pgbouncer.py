"""Tier 2: the installed service behind a real PgBouncer in transaction mode (Debian's
``pgbouncer``), configured as docs/deploy.md says, on loopback.

Several users register, log in and write and read posts at once through one uvicorn process
(the image's command) whose pool holds more connections than PgBouncer has server connections
for the database: consecutive statements of one asyncpg connection land on different PostgreSQL
sessions. With ``DATABASE_STATEMENT_CACHE_SIZE=0`` every request succeeds and every write is
there afterwards; with asyncpg's default cache, requests fail on prepared statements that exist
on another session (PgBouncer's own prepared-statement support, 1.21+, is switched off as many
managed poolers have it).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.cluster import (
    ANSWER_SET,
    Client,
    Processes,
    app_command,
    bearer,
    database,
    free_port,
    pgbouncer_command,
    pgbouncer_version,
    processes,
    register_and_log_in,
    service_env,
    shared_directory,
    unique_name,
)
from tests.helpers import TEMPLATE_ROOT, AnswerSet, query

pytestmark = pytest.mark.deep

USERS = 6
ROUNDS = 4
# Fewer server connections than the app's pool (10): PgBouncer multiplexes them.
SERVER_CONNECTIONS = 2
STATEMENT_TIMEOUT = "7s"


def documented_settings() -> str:
    """The [pgbouncer] lines of docs/deploy.md's PgBouncer section, as a reader copies them."""
    page = (TEMPLATE_ROOT / "docs" / "deploy.md").read_text()
    section = page.split("\n### Behind PgBouncer\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```ini\n(.*?)```", section, re.DOTALL)
    lines = [line for line in block.splitlines() if line.strip() and line != "[pgbouncer]"]
    return "\n".join(lines)


@dataclass
class Bouncer:
    project: Path
    direct_url: str
    url: str
    processes: Processes


@pytest.fixture(scope="module")
def bouncer(installed: Callable[[AnswerSet], Path]) -> Iterator[Bouncer]:
    project = installed(ANSWER_SET)
    port = free_port()
    settings = [
        documented_settings(),
        f"default_pool_size = {SERVER_CONNECTIONS}",
        "max_client_conn = 200",
    ]
    if pgbouncer_version() >= (1, 21):
        settings.append("max_prepared_statements = 0")
    with (
        shared_directory("pgbouncer-") as directory,
        database(project, "pgbouncer") as direct_url,
        processes(directory) as started,
    ):
        name = direct_url.rsplit("/", 1)[1]
        # The docs' advice: the server-side statement timeout set on the role (here: database).
        timeout = f"ALTER DATABASE {name} SET statement_timeout = '{STATEMENT_TIMEOUT}'"
        query(project, direct_url, timeout)
        command = pgbouncer_command(directory, "\n".join(settings), direct_url, port)
        started.start("pgbouncer", command, directory, {})
        started.wait_for_port("pgbouncer", port)
        url = f"postgresql://postgres@127.0.0.1:{port}/{name}"
        yield Bouncer(project, direct_url, url, started)


@dataclass
class Outcome:
    statuses: Counter[int] = field(default_factory=Counter)
    posts: list[tuple[str, str]] = field(default_factory=list)  # (post id, its owner's token)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1


def one_user(port: int, outcome: Outcome) -> None:
    """Register, log in, then write and read: each request its own transaction or none."""
    client = Client(port)
    email = f"bouncer-{uuid.uuid4().hex[:12]}@example.com"
    try:
        token, _ = register_and_log_in(client, email)
    except AssertionError:
        outcome.record(500)
        return
    outcome.record(200)
    for round_number in range(ROUNDS):
        created = client.request(
            "POST",
            "/posts",
            json_body={"title": f"Post {round_number}", "content": "x", "published": True},
            headers=bearer(token),
        )
        outcome.record(created.status)
        if created.status != 201:
            continue
        post_id = created.json()["id"]
        with outcome.lock:
            outcome.posts.append((post_id, token))
        for method, path, body in (
            ("PUT", f"/posts/{post_id}/likes", None),
            ("PATCH", f"/posts/{post_id}", {"title": f"Post {round_number} (edited)"}),
            ("GET", f"/posts/{post_id}", None),
            ("GET", "/posts?limit=5", None),
            ("GET", "/auth/users/me", None),
        ):
            answer = client.request(method, path, json_body=body, headers=bearer(token))
            outcome.record(answer.status)
    client.close()


def exercise(bouncer: Bouncer, cache_size: str, name: str) -> tuple[Outcome, str]:
    """The users at once against one uvicorn on PgBouncer; the outcome and the app's log."""
    port = free_port()
    env = service_env(bouncer.url, unique_name(name), DATABASE_STATEMENT_CACHE_SIZE=cache_size)
    outcome = Outcome()
    bouncer.processes.start(name, app_command(bouncer.project, port), bouncer.project, env)
    try:
        bouncer.processes.wait_for_port(name, port)
        threads = [threading.Thread(target=one_user, args=(port, outcome)) for _ in range(USERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        bouncer.processes.stop(name)
    return outcome, bouncer.processes.log(name)


def test_the_service_works_behind_pgbouncer_without_a_statement_cache(bouncer: Bouncer) -> None:
    outcome, log = exercise(bouncer, "0", "app-without-cache")

    assert set(outcome.statuses) <= {200, 201, 204}, (outcome.statuses, log[-3000:])
    assert len(outcome.posts) == USERS * ROUNDS
    # Every acknowledged write is in the database, as the last request left it.
    ids = ",".join(f"'{uuid.UUID(post_id)}'" for post_id, _ in outcome.posts)
    edited = f"SELECT count(*) FROM post WHERE id IN ({ids}) AND title LIKE '%(edited)'"  # noqa: S608 (UUIDs)
    likes = f"SELECT count(*) FROM post_like WHERE post_id IN ({ids})"  # noqa: S608 (UUIDs)
    assert query(bouncer.project, bouncer.direct_url, edited) == str(USERS * ROUNDS)
    assert query(bouncer.project, bouncer.direct_url, likes) == str(USERS * ROUNDS)
    # PgBouncer dropped the service's statement_timeout; the database's own applies.
    shown = query(bouncer.project, bouncer.url, "SHOW statement_timeout")
    assert shown == STATEMENT_TIMEOUT


def test_asyncpg_statement_cache_breaks_behind_pgbouncer(bouncer: Bouncer) -> None:
    """The failure the setting prevents: asyncpg's default cache of named statements."""
    outcome, log = exercise(bouncer, "100", "app-with-cache")

    assert outcome.statuses[500] > 0, outcome.statuses
    # The service logs the exception's class (never its message): asyncpg's for SQLSTATE 26000
    # (no such prepared statement) or 42P05 (a prepared statement of that name exists already).
    failure = r"Unhandled (InvalidSQLStatementNameError|DuplicatePreparedStatementError) on"
    assert re.search(failure, log), log[-3000:]
