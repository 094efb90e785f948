"""Shared helpers of the template's tests: answer sets, rendering, running commands."""

from __future__ import annotations

import os
import re
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

# The system's directories only, after a virtualenv's bin: the sbin ones too, since the embedded
# PostgreSQL creates its system user with useradd when the tests run as root.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


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

    @property
    def deploy(self) -> list[str]:
        return list(self.answers.get("deploy", ["compose"]))

    @property
    def observability(self) -> list[str]:
        return list(self.answers.get("observability", []))


def package_files(package: str, src: str, tests: str, *other: str) -> set[str]:
    """``src/<package>/<module>.py`` and ``tests/<package>/<module>.py`` for the names given."""
    return {
        *(f"src/{package}/{module}.py" for module in src.split()),
        *(f"tests/{package}/{module}.py" for module in tests.split()),
        *other,
    }


DOMAIN_FILES = {
    "auth": package_files(
        "auth",
        "__init__ cli config constants dependencies exceptions models router schemas security"
        " service utils admin/__init__ admin/router admin/service credentials/__init__"
        " credentials/router credentials/service",
        "__init__ conftest test_api test_cli test_config test_dependencies test_email"
        " test_limits_and_logs test_me test_races test_roles test_router test_security"
        " test_token_cache",
        "alembic/versions/2026-11-24_0817_d001c364c102_create_auth_tables.py",
        "alembic/versions/2026-11-30_1430_e2a7c41f0b93_add_user_display_name.py",
        "alembic/versions/2026-11-30_1800_98d6807d7fcf_add_auth_roles.py",
        "alembic/versions/2026-11-30_1802_335da347934e_add_auth_email_tokens.py",
        "src/mail.py",
        "tests/smtp.py",
        "tests/test_mail.py",
    ),
    "posts": package_files(
        "posts",
        "__init__ constants dependencies exceptions models router schemas service",
        "__init__ conftest test_api test_moderation test_outage test_privacy test_router"
        " test_writes",
        "alembic/versions/2026-11-24_0824_d11e6024c23d_create_posts_tables.py",
        "alembic/versions/2026-11-30_1431_f38d92b6a105_database_side_post_defaults.py",
        "alembic/versions/2026-11-30_1801_015f4ee3c270_add_moderator_role.py",
    ),
    "files": package_files(
        "files",
        "__init__ client config constants dependencies exceptions router schemas service",
        "__init__ conftest test_api test_client test_config test_router",
    ),
}

# The worker's files (answer worker=true): the broker, its script and the jobs domain.
WORKER_FILES = package_files(
    "jobs",
    "__init__ constants dependencies exceptions router schemas service tasks utils",
    "__init__ conftest test_api test_router test_utils",
    "scripts/worker",
    "src/worker.py",
    "tests/real_redis.py",
    "tests/test_rate_limits_redis.py",
    "tests/test_worker.py",
    "tests/test_worker_logs.py",
    "tests/worker_tasks.py",
)

# What each choice of the deploy question adds (compose alone is the default).
DEPLOY_FILES = {
    "compose": {"compose.yaml", "deploy/compose/Caddyfile"},
    "kubernetes": {
        *(
            f"deploy/kubernetes/base/{name}.yaml"
            for name in ("app", "autoscaling", "ingress", "kustomization", "migrate", "service")
        ),
        "deploy/kubernetes/base/network-policy.yaml",
        "deploy/kubernetes/overlays/production/kustomization.yaml",
        "deploy/kubernetes/overlays/staging/kustomization.yaml",
        "deploy/kubernetes/rollout",
        "deploy/kubernetes/secret.env.example",
    },
}
KUBERNETES_WORKER_FILES = {"deploy/kubernetes/base/worker.yaml"}
# What client=true adds: the export and generation script and the test through the client.
CLIENT_FILES = {"scripts/client", "scripts/clients.py", "tests/test_client.py"}
# What each choice of the observability question adds.
OBSERVABILITY_FILES = {
    "metrics": {
        "src/observability/metrics.py",
        "tests/test_metrics.py",
        "grafana/dashboard.json",
    },
    "errors": {"src/observability/errors.py", "tests/sentry.py", "tests/test_errors.py"},
    "tracing": {"src/observability/tracing.py", "tests/test_tracing.py", "tests/tracing.py"},
}
# What each observability choice adds when the service has a worker too.
WORKER_OBSERVABILITY_FILES = {
    "metrics": {
        "src/observability/worker_metrics.py",
        "tests/test_worker_metrics.py",
        "grafana/worker.json",
    },
    "errors": {"tests/test_worker_errors.py"},
    "tracing": {"src/observability/tracing_tasks.py", "tests/test_tracing_tasks.py"},
}
# What tracing adds with files (the storage's calls).
TRACING_FILES_FILES = {"src/observability/tracing_storage.py", "tests/test_tracing_storage.py"}

ANSWER_SETS = [
    AnswerSet("defaults", deep=True),
    AnswerSet("auth", {"domains": ["auth"]}, deep=True),
    AnswerSet(
        "all",
        {
            "domains": ["auth", "posts", "files"],
            "worker": True,
            "observability": ["metrics", "errors", "tracing"],
            "deploy": ["compose", "kubernetes"],
            "client": True,
        },
        deep=True,
    ),
    AnswerSet(
        "worker-py313",
        {"worker": True, "python_version": "3.13", "observability": ["errors"]},
        deep=True,
    ),
    AnswerSet("files", {"domains": ["files"], "ci": "none", "observability": ["tracing"]}),
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
    AnswerSet(
        "kubernetes-only",
        {"domains": ["auth"], "deploy": ["kubernetes"], "hostname": "api.example.org"},
    ),
    AnswerSet("no-deploy", {"deploy": []}),
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


QUERY = """
import asyncio, sys, asyncpg
async def main(url, sql):
    connection = await asyncpg.connect(url, statement_cache_size=0)
    print(await connection.fetchval(sql))
    await connection.close()
asyncio.run(main(*sys.argv[1:]))
"""


def query(project: Path, url: str, sql: str) -> str:
    """The first value of ``sql`` on ``url`` (a statement without rows: "None"), run by the
    service's own asyncpg (the template's environment has no driver)."""
    python = str(project / ".venv" / "bin" / "python")
    return run([python, "-c", QUERY, url, sql], project).stdout.strip()


def server_database_url() -> str | None:
    """A PostgreSQL server for rendered suites: DATABASE_URL, else a local one if it answers."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return None
    return "postgresql://postgres@127.0.0.1:5432/postgres"


def service_env(answer_set: AnswerSet, purpose: str = "suite") -> dict[str, str]:
    """Environment for a rendered suite: a test database of its own, or none (embedded).

    ``purpose`` names the database too: tests of one answer set run on several xdist workers at
    once (pytest 9.2 ignores ``xdist_group``), and each suite drops and recreates its database.
    """
    env = {"UV_EXCLUDE_NEWER": DEPENDENCIES_AS_OF} if DEPENDENCIES_AS_OF != "latest" else {}
    env["DATABASE_URL"] = ""
    env["TEST_DATABASE_URL"] = ""
    server = server_database_url() if answer_set.database == "server" else None
    if server:
        base = server.rsplit("/", 1)[0]
        prefix = os.environ.get("TEMPLATE_TEST_DB_PREFIX", "cfp")
        name = re.sub(r"[^a-z0-9]+", "_", f"{prefix}_{answer_set.name}_{purpose}".lower())
        env["TEST_DATABASE_URL"] = f"{base}/{name[:63]}"
    return env
