"""Each practice test of the rendered service fails when its practice is broken.

A copy of an installed service runs the practice's own check first as it is (it must pass),
then again, the same command in the same copy, after one violation: it must fail with
``FAILED <node id>`` of the test that guards the practice and that test's own reason. A failure
anywhere else (an error at setup, an unreachable database) is not a catch.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import DEEP_ANSWER_SETS, SYSTEM_PATH, AnswerSet, run_unchecked, service_env

DEEP = {answer_set.name: answer_set for answer_set in DEEP_ANSWER_SETS}

WIDGET_MODELS = """\
from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, mapped_column

from src.database import Base


class Widget(Base):
    __tablename__ = "widgets"

    id: Mapped[int] = mapped_column(primary_key=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
"""

IRREVERSIBLE_MIGRATION = '''\
"""create probe

Revision ID: 0badc0de
Revises:
Create Date: 2026-01-01 00:00:00
"""

import sqlalchemy as sa

from alembic import op

revision = "0badc0de"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("probe", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    pass
'''


def replace(path: str, old: str, new: str) -> Callable[[Path], None]:
    def mutate(project: Path) -> None:
        file = project / path
        text = file.read_text()
        assert old in text, f"{old!r} not in {path}: the mutation is stale"
        file.write_text(text.replace(old, new))

    return mutate


def both(*mutations: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(project: Path) -> None:
        for mutation in mutations:
            mutation(project)

    return mutate


def write(files: dict[str, str]) -> Callable[[Path], None]:
    def mutate(project: Path) -> None:
        for path, text in files.items():
            (project / path).parent.mkdir(parents=True, exist_ok=True)
            (project / path).write_text(text)

    return mutate


@dataclass(frozen=True)
class Violation:
    practice: str
    mutate: Callable[[Path], None]
    command: list[str]
    # The pytest node id that must fail (None for a linter) and what its output must say.
    failed: str | None
    reasons: tuple[str, ...]
    answer_set: str = "defaults"


PYTEST = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"]
ONE_TRACE_TEST = "test_one_trace_from_the_request_to_its_sql_and_its_task"

VIOLATIONS = {
    "P02-name-import-across-domains": Violation(
        "P02",
        write(
            {
                "src/alpha/__init__.py": "",
                "src/alpha/service.py": "VALUE = 1\n",
                "src/beta/__init__.py": "",
                "src/beta/service.py": "from src.alpha.service import VALUE\n\nTWICE = 2 * VALUE\n",
            }
        ),
        [*PYTEST, "tests/test_architecture.py"],
        "tests/test_architecture.py::test_domains_import_each_other_by_module",
        ("beta/service.py", "line 1: from src.alpha.service import"),
    ),
    "P02-contract-domain-imports-router": Violation(
        "P02",
        write(
            {
                "src/alpha/__init__.py": "",
                "src/alpha/router.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
                "src/beta/__init__.py": "",
                "src/beta/service.py": "from src.alpha import router as alpha_router\n",
            }
        ),
        ["lint-imports"],
        None,
        ("Domains are independent BROKEN", "src.beta is not allowed to import src.alpha"),
    ),
    "P03-blocking-call-in-async-route": Violation(
        "P03",
        write({"src/slow.py": "import time\n\n\nasync def wait() -> None:\n    time.sleep(1)\n"}),
        ["ruff", "check", "--no-cache", "src"],
        None,
        ("ASYNC251", "src/slow.py:5:5"),
    ),
    "P06-datetime-format": Violation(
        "P06",
        replace(
            "src/models.py",
            'return to_utc(value).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"',
            "return value.isoformat()",
        ),
        [*PYTEST, "tests/test_models.py"],
        "tests/test_models.py::test_datetimes_serialize_in_one_utc_format",
        ("'happened_at': '2024-05-01T12:30:15+00:00'",),
    ),
    "P07-cors-wildcard-with-credentials": Violation(
        "P07",
        replace("src/config.py", 'and "*" in self.CORS_ORIGINS', 'and "*" in self.CORS_HEADERS'),
        [*PYTEST, "tests/test_config.py"],
        "tests/test_config.py::test_wildcard_origin_with_credentials_is_refused",
        ("DID NOT RAISE",),
    ),
    "P16-docs-always-shown": Violation(
        "P16",
        replace("src/main.py", '"/openapi.json" if config.show_docs else None', '"/openapi.json"'),
        [*PYTEST, "tests/test_docs.py"],
        "tests/test_docs.py::test_docs_served_only_in_chosen_environments[testing-/docs]",
        ("assert 200 == 404",),
    ),
    "P16-docs-in-production": Violation(
        "P16",
        replace("src/constants.py", '["local", "staging"]', '["local", "staging", "production"]'),
        [*PYTEST, "tests/test_docs.py"],
        "tests/test_docs.py::test_docs_served_only_in_chosen_environments[production-/docs]",
        ("assert 200 == 404",),
    ),
    "P17-fuzzing-finds-a-server-error": Violation(
        "P17",
        both(
            replace(
                "src/health.py",
                "from src.exceptions import error_responses",
                "from src.exceptions import DetailedHTTPException, error_responses",
            ),
            # A 500 the document does not announce, without a logged traceback.
            replace(
                "src/health.py",
                'return HealthResponse(status="ok")',
                "raise DetailedHTTPException",
            ),
        ),
        [*PYTEST, "tests/test_api.py"],
        "tests/test_api.py::test_health_api[get_liveness]",
        ("Server error", "reproduce with: FUZZ_PROFILE=fast"),
    ),
    "P18-guide-unique-pattern": Violation(
        "P18",
        replace(
            "src/database/tables.py",
            '"uq": "%(table_name)s_%(column_0_N_name)s_key"',
            '"uq": "%(table_name)s_%(column_0_name)s_key"',
        ),
        [*PYTEST, "tests/test_database.py"],
        "tests/test_database.py::test_conventions_name_multi_column_constraints_apart",
        ("Extra items in the right set", "'post_like_profile_id_post_id_key'"),
    ),
    "P19-model-without-migration": Violation(
        "P19",
        write(
            {
                "src/widget/__init__.py": "",
                "src/widget/models.py": WIDGET_MODELS.replace('"widgets"', '"widget"').replace(
                    "created:", "created_at:"
                ),
            }
        ),
        [*PYTEST, "tests/test_migrations.py::test_models_and_migrations_do_not_drift"],
        "tests/test_migrations.py::test_models_and_migrations_do_not_drift",
        ("New upgrade operations detected", "add_table"),
    ),
    "P19-irreversible-migration": Violation(
        "P19",
        write(
            {"alembic/versions/2026-01-01_0000_0badc0de_create_probe.py": IRREVERSIBLE_MIGRATION}
        ),
        [*PYTEST, "tests/test_migrations.py::test_stairway"],
        "tests/test_migrations.py::test_stairway",
        ('relation "probe" already exists',),
    ),
    "P19-migration-file-name": Violation(
        "P19",
        write(
            {
                "alembic/versions/create_probe.py": IRREVERSIBLE_MIGRATION.replace(
                    "pass", 'op.drop_table("probe")'
                )
            }
        ),
        [*PYTEST, "tests/test_migrations.py::test_migration_file_names_are_date_first"],
        "tests/test_migrations.py::test_migration_file_names_are_date_first",
        ("create_probe.py",),
    ),
    "P20-plural-table-and-bare-datetime-name": Violation(
        "P20",
        write({"src/widget/__init__.py": "", "src/widget/models.py": WIDGET_MODELS}),
        [*PYTEST, "tests/test_database.py::test_service_tables_follow_naming_rules"],
        "tests/test_database.py::test_service_tables_follow_naming_rules",
        ("widgets: table names are singular",),
    ),
    "P22-no-rollback-between-tests": Violation(
        "P22",
        replace(
            "tests/conftest.py",
            "        await transaction.rollback()",
            "        await transaction.commit()",
        ),
        [*PYTEST, "tests/test_isolation.py"],
        "tests/test_isolation.py::test_committed_work_is_gone_in_the_next_test",
        ("isolation_probe",),
    ),
    "P04-sync-tasks-in-threads": Violation(
        "P04",
        replace("scripts/worker", " --receiver src.worker:ProcessPoolReceiver", ""),
        [*PYTEST, "tests/test_worker.py::test_sync_task_runs_in_a_pool_process"],
        "tests/test_worker.py::test_sync_task_runs_in_a_pool_process",
        ("the task ran in the worker's own process, not in its pool",),
        answer_set="all",
    ),
    "P14-sync-sdk-on-the-event-loop": Violation(
        "P14",
        replace(
            "src/files/client.py",
            "await run_in_threadpool(_put_object, key, content, content_type)",
            "_put_object(key, content, content_type)",
        ),
        [*PYTEST, "tests/files/test_client.py"],
        "tests/files/test_client.py::test_event_loop_serves_requests_while_s3_is_slow",
        ("the event loop was blocked while S3 was slow",),
        answer_set="all",
    ),
    "tracing-trace-continues-into-tasks": Violation(
        "a request's trace continues into the tasks it queues",
        # No broker gets taskiq's OpenTelemetry middleware (the traceparent label).
        replace(
            "src/observability/tracing_tasks.py",
            "return [OpenTelemetryMiddleware(tracer_provider=tracing.provider())]",
            "return []",
        ),
        [*PYTEST, f"tests/test_tracing_tasks.py::{ONE_TRACE_TEST}"],
        f"tests/test_tracing_tasks.py::{ONE_TRACE_TEST}",
        ("no span for the task: the trace did not continue into the worker",),
        answer_set="all",
    ),
    "tracing-sampled-out-requests-run-uninstrumented": Violation(
        "a request sampled out pays for no span (docs: Operate the service, Overhead)",
        # The request's non-recording span without suppress_instrumentation()'s key: its SQL
        # is instrumented again (span objects built to be dropped).
        replace(
            "src/observability/tracing.py",
            "context.attach(context.set_value(_SUPPRESS_INSTRUMENTATION_KEY, True, sampled_out))",
            "context.attach(sampled_out)",
        ),
        [*PYTEST, "tests/test_tracing.py"],
        "tests/test_tracing.py::test_a_request_the_caller_sampled_out_runs_untraced",
        ("instrumentation ran for a request sampled out",),
        answer_set="all",
    ),
    "P07-domain-secret-not-required": Violation(
        "P07",
        replace(
            "src/auth/config.py",
            "if not local and self.JWT_SECRET == LOCAL_JWT_SECRET:",
            "if not local and self.JWT_SECRET is None:",
        ),
        [*PYTEST, "tests/auth/test_config.py"],
        "tests/auth/test_config.py::test_missing_secret_fails_outside_local",
        ("DID NOT RAISE",),
        answer_set="auth",
    ),
    "P10-token-dependency-not-cached": Violation(
        "P10",
        replace(
            "src/auth/dependencies.py",
            "Depends(parse_optional_jwt_data)]",
            "Depends(parse_optional_jwt_data, use_cache=False)]",
        ),
        [*PYTEST, "tests/auth/test_dependencies.py"],
        "tests/auth/test_dependencies.py::test_one_decode_per_request",
        # Verified tokens are cached (the same JWTData comes back): the second decode shows.
        ("assert decoded == [user.access_token]",),
        answer_set="auth",
    ),
    "auth-me-serves-inactive-users": Violation(
        "hot read of the current user",
        replace(
            "src/auth/service.py",
            "json_row(ONE_USER.where(AuthUser.is_active))",
            "json_row(ONE_USER)",
        ),
        [*PYTEST, "tests/auth/test_me.py"],
        "tests/auth/test_me.py::test_an_inactive_user_is_403",
        ("assert 200 == 403",),
        answer_set="auth",
    ),
    "auth-me-deleted-user-is-403": Violation(
        "hot read of the current user",
        replace(
            "src/auth/dependencies.py",
            "is None:\n            raise InvalidToken\n        raise UserInactive",
            "is None:\n            raise UserInactive\n        raise UserInactive",
        ),
        [*PYTEST, "tests/auth/test_me.py"],
        "tests/auth/test_me.py::test_a_token_of_a_deleted_user_is_401",
        ("assert 403 == 401",),
        answer_set="auth",
    ),
    "auth-cheap-hashes-deployed": Violation(
        "cheap password hashes only under testing",
        replace(
            "src/auth/security.py",
            "if environment is Environment.TESTING:",
            "if environment in {Environment.TESTING, Environment.STAGING}:",
        ),
        [*PYTEST, "tests/auth/test_security.py"],
        "tests/auth/test_security.py::"
        "test_every_other_environment_hashes_with_production_parameters[staging]",
        ("cheap hashes in staging",),
        answer_set="auth",
    ),
    "P15-no-password-strength": Violation(
        "P15",
        replace(
            "src/auth/schemas.py", "if not STRONG_PASSWORD.match(password):", "if not password:"
        ),
        [*PYTEST, "tests/auth/test_router.py"],
        "tests/auth/test_router.py::test_weak_password_is_a_422_with_the_message_and_no_echo",
        ("assert 201 == 422",),
        answer_set="auth",
    ),
    "errors-reported-unscrubbed": Violation(
        "error reports carry no request data",
        replace("src/observability/errors.py", "        before_send=scrub,\n", ""),
        # Without the captured log: its "ERROR" line (the 500's) would read as a test error.
        [*PYTEST, "--show-capture=no", "tests/test_errors.py"],
        "tests/test_errors.py::test_an_unexpected_error_is_reported_without_secrets",
        ("secrets in the error report: ['correct-horse-battery-staple-3e9'",),
        answer_set="all",
    ),
    "worker-failures-counted-as-successes": Violation(
        "worker metrics count each task's outcome",
        replace(
            "src/observability/worker_metrics.py",
            'outcome = "failed" if result.is_err else "succeeded"',
            'outcome = "succeeded"',
        ),
        [*PYTEST, "tests/test_worker_metrics.py"],
        "tests/test_worker_metrics.py::test_queue_depth_and_task_outcomes",
        ("task outcomes: {", "('jobs.count_primes', 'succeeded'): 1.0"),
        answer_set="all",
    ),
}


def summary(output: str) -> list[str]:
    """pytest's short test summary: one ``FAILED``/``ERROR`` line per test that did not pass."""
    return [line for line in output.splitlines() if line.startswith(("FAILED ", "ERROR "))]


@pytest.mark.parametrize(
    "name",
    [pytest.param(name, marks=[pytest.mark.deep]) for name, violation in VIOLATIONS.items()],
)
def test_practice_check_catches_violation(
    name: str, installed: Callable[[AnswerSet], Path], tmp_path: Path
) -> None:
    violation = VIOLATIONS[name]
    answer_set = DEEP[violation.answer_set]
    original = installed(answer_set)
    project = tmp_path / "service"
    shutil.copytree(original, project, ignore=shutil.ignore_patterns(".venv", ".*_cache"))
    venv_bin = original / ".venv" / "bin"
    command = [str(venv_bin / violation.command[0]), *violation.command[1:]]
    env = {**service_env(answer_set, purpose=name), "PATH": f"{venv_bin}:{SYSTEM_PATH}"}

    unbroken = run_unchecked(command, project, env)
    assert unbroken.returncode == 0, f"the check fails before any violation:\n{unbroken.stdout}"

    violation.mutate(project)
    result = run_unchecked(command, project, env)

    assert result.returncode != 0, (
        f"{violation.practice} broken, yet the check passed:\n{result.stdout}"
    )
    if violation.failed is not None:
        failures = summary(result.stdout)
        assert failures, result.stdout
        assert failures[0].startswith(f"FAILED {violation.failed}"), result.stdout
        assert not [line for line in failures if line.startswith("ERROR ")], result.stdout
    for reason in violation.reasons:
        assert reason in result.stdout, result.stdout
