"""``kind=domain``: a domain generated inside a service writes only its own files, cleanly, and
passes the service's whole suite once its migration exists."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import copier
import pytest

from tests.helpers import (
    DEEP_ANSWER_SETS,
    SYSTEM_PATH,
    TEMPLATE_ROOT,
    AnswerSet,
    run,
    service_env,
)
from tests.versions import NEW, commit_all

AUTH = next(answer_set for answer_set in DEEP_ANSWER_SETS if answer_set.name == "auth")


def add_domain(
    project: Path, name: str, template: Path = TEMPLATE_ROOT, version: str = "HEAD"
) -> None:
    copier.run_copy(
        str(template),
        project,
        data={"kind": "domain", "domain_name": name},
        defaults=True,
        unsafe=True,
        vcs_ref=version,
        quiet=True,
    )


@pytest.fixture
def service(tmp_path: Path, template_repo: Path) -> Path:
    """A service generated from the tagged template repository (updates need its history)."""
    project = tmp_path / "service"
    copier.run_copy(
        str(template_repo),
        project,
        data={"domains": ["auth"]},
        defaults=True,
        unsafe=True,
        vcs_ref=NEW,
        quiet=True,
    )
    run(["git", "init", "-q"], project)
    commit_all(project, "Generate")
    return project


def changed(project: Path) -> list[str]:
    status = run(["git", "status", "--porcelain", "--untracked-files=all"], project).stdout
    return sorted(line[3:] for line in status.splitlines())


@pytest.mark.parametrize("name", ["invoices", "x", "people", "customer_support_tickets"])
def test_domain_writes_only_its_files_clean(service: Path, name: str) -> None:
    answers = (service / ".copier-answers.yml").read_bytes()

    add_domain(service, name)

    modules = ["__init__", "constants", "dependencies", "exceptions", "models", "router"]
    modules += ["schemas", "service"]
    assert changed(service) == sorted(
        [
            f".copier/domain-{name}.yml",
            *(f"src/{name}/{module}.py" for module in modules),
            f"tests/{name}/__init__.py",
            f"tests/{name}/conftest.py",
            f"tests/{name}/test_api.py",
            f"tests/{name}/test_router.py",
            f"tests/{name}/test_writes.py",
        ]
    )
    assert (service / ".copier-answers.yml").read_bytes() == answers
    recorded = (service / f".copier/domain-{name}.yml").read_text()
    assert f"domain_name: {name}" in recorded
    assert "kind: domain" in recorded
    assert "project_name" not in recorded
    run(["ruff", "check", "--no-fix", "--no-cache", "."], service)
    run(["ruff", "format", "--check", "--no-cache", "."], service)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Invoices", "domain_name must be a lowercase identifier"),
        ("1invoices", "domain_name must be a lowercase identifier"),
        ("order-items", "domain_name must be a lowercase identifier"),
        ("a" * 25, "at most 24 characters"),
        ("returns", "'returns' would name code after 'return' is a Python keyword"),
        ("properties", "'property' is a Python builtin"),
        ("types", "'type' is a Python builtin"),
        ("match", "'match' is a Python soft keyword"),
        ("config", "'config' is a core module"),
        ("database", "'database' is a core module"),
        ("auth", "src/auth/ exists already"),
    ],
)
def test_invalid_domain_names_are_refused(service: Path, name: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        add_domain(service, name)

    assert changed(service) == []


def update_answers(service: Path, answers_file: str, data: dict[str, str]) -> None:
    copier.run_update(
        service,
        answers_file=answers_file,
        data=data,
        defaults=True,
        unsafe=True,
        overwrite=True,
        vcs_ref=NEW,
        quiet=True,
    )


def test_a_project_answers_file_cannot_become_a_domain(service: Path) -> None:
    with pytest.raises(ValueError, match="holds the project's answers"):
        update_answers(
            service, ".copier-answers.yml", {"kind": "domain", "domain_name": "invoices"}
        )

    assert changed(service) == []


def test_a_domain_answers_file_cannot_become_a_project(service: Path, template_repo: Path) -> None:
    add_domain(service, "invoices", template_repo, NEW)
    commit_all(service, "Add invoices")

    with pytest.raises(ValueError, match="holds a domain's answers"):
        update_answers(service, ".copier/domain-invoices.yml", {"kind": "project"})

    assert changed(service) == []


@pytest.mark.deep
def test_generated_domain_passes_the_whole_suite(
    installed: Callable[[AnswerSet], Path], tmp_path: Path
) -> None:
    """After the documented migration command, every practice test passes with the new domain."""
    original = installed(AUTH)
    project = tmp_path / "service"
    # With the original's caches: mypy and lint-imports check again only what the domain changed.
    shutil.copytree(original, project, ignore=shutil.ignore_patterns(".venv", ".pytest_cache"))
    add_domain(project, "order_items")
    venv = original / ".venv" / "bin"
    env = {**service_env(AUTH, purpose="domain"), "PATH": f"{venv}:{SYSTEM_PATH}"}

    # The documented command, on the embedded PostgreSQL (scripts/local_db migrates it first).
    revision = ["alembic", "revision", "--autogenerate", "-m", "create order_items tables"]
    run([str(venv / "python"), "-m", "scripts.local_db", *revision], project, env)

    migrations = list((project / "alembic" / "versions").glob("*_create_order_items_tables.py"))
    assert len(migrations) == 1
    run([str(venv / "ruff"), "check", "--no-fix", "--no-cache", "."], project)
    run([str(venv / "ruff"), "format", "--check", "--no-cache", "."], project)
    run([str(venv / "mypy")], project)
    run([str(venv / "lint-imports")], project)
    result = run(
        [str(venv / "python"), "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider"], project, env
    )
    summary = result.stdout.strip().splitlines()[-1]  # "N passed in ...s"
    assert " passed" in summary
    assert "failed" not in summary
    assert "skipped" not in summary
    assert "PASSED tests/order_items/test_router.py::" in result.stdout  # -rA lists each test
