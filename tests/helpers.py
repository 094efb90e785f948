"""Shared helpers of the template's tests: answer sets, rendering, running commands."""

from __future__ import annotations

import os
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import copier

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent

# Dependencies of rendered services are resolved as of this date, so a release published
# tomorrow cannot break CI today. The scheduled workflow sets it to "latest" to find drift first.
DEPENDENCIES_AS_OF = os.environ.get("TEMPLATE_DEPENDENCIES_AS_OF", "2026-11-24T00:00:00Z")


@dataclass(frozen=True)
class AnswerSet:
    """A named set of answers; ``deep`` ones are installed and run (tier 2)."""

    name: str
    answers: dict[str, Any] = field(default_factory=dict)
    deep: bool = False
    # "server": a PostgreSQL server (DATABASE_URL or 127.0.0.1:5432); "embedded": no URL at all.
    database: str = "server"

    @property
    def domains(self) -> list[str]:
        return list(self.answers.get("domains", []))

    @property
    def python_version(self) -> str:
        return str(self.answers.get("python_version", "3.12"))


DOMAIN_FILES = {
    "auth": {
        "alembic/versions/2026-11-24_0817_d001c364c102_create_auth_tables.py",
        *(
            f"src/auth/{module}.py"
            for module in (
                "__init__",
                "config",
                "constants",
                "dependencies",
                "exceptions",
                "models",
                "router",
                "schemas",
                "security",
                "service",
                "utils",
            )
        ),
        *(
            f"tests/auth/{module}.py"
            for module in (
                "__init__",
                "conftest",
                "test_config",
                "test_dependencies",
                "test_router",
            )
        ),
    },
}

DOMAIN_FILES["posts"] = {
    "alembic/versions/2026-11-24_0824_d11e6024c23d_create_posts_tables.py",
    *(
        f"src/posts/{module}.py"
        for module in (
            "__init__",
            "constants",
            "dependencies",
            "exceptions",
            "models",
            "router",
            "schemas",
            "service",
        )
    ),
    *(f"tests/posts/{module}.py" for module in ("__init__", "conftest", "test_router")),
}

ANSWER_SETS = [
    AnswerSet("defaults", deep=True),
    AnswerSet("auth", {"domains": ["auth"]}, deep=True),
    AnswerSet("all", {"domains": ["auth", "posts"]}, deep=True),
    AnswerSet(
        "minimal-py311-no-docs",
        {"python_version": "3.11", "docs_environments": [], "project_name": "Tiny"},
        deep=True,
        database="embedded",
    ),
    AnswerSet(
        "py313-docs-everywhere",
        {
            "python_version": "3.13",
            "docs_environments": ["local", "staging", "production"],
            "project_name": "Café Orders API",
            "description": 'Orders, "quoted" & <escaped>',
            "author_name": "Zoë O'Brien",
        },
    ),
    AnswerSet("no-ci", {"ci": "none"}),
]
DEEP_ANSWER_SETS = [answer_set for answer_set in ANSWER_SETS if answer_set.deep]


def render(destination: Path, answers: dict[str, Any]) -> Path:
    copier.run_copy(
        str(TEMPLATE_ROOT),
        destination,
        data=answers,
        defaults=True,
        unsafe=True,
        vcs_ref="HEAD",
        quiet=True,
    )
    return destination


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` and fail with its whole output when it exits non-zero."""
    result = run_unchecked(command, cwd, env, timeout)
    assert result.returncode == 0, (
        f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}"
    )
    return result


def run_unchecked(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


def server_database_url() -> str | None:
    """A PostgreSQL server for rendered suites: DATABASE_URL, else a local one if it answers."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return None
    return "postgresql://postgres@127.0.0.1:5432/postgres"


def service_env(answer_set: AnswerSet) -> dict[str, str]:
    """Environment for a rendered suite: its own test database, or none (embedded)."""
    env = {"UV_EXCLUDE_NEWER": DEPENDENCIES_AS_OF} if DEPENDENCIES_AS_OF != "latest" else {}
    env["DATABASE_URL"] = ""
    env["TEST_DATABASE_URL"] = ""
    server = server_database_url() if answer_set.database == "server" else None
    if server:
        base = server.rsplit("/", 1)[0]
        prefix = os.environ.get("TEMPLATE_TEST_DB_PREFIX", "cfp")
        env["TEST_DATABASE_URL"] = f"{base}/{prefix}_{answer_set.name.replace('-', '_')}"
    return env
