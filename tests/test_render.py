"""Tier 1: every answer set renders clean, as it stands, with the expected tree and answers."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import copier
import pytest
import yaml

from tests.helpers import (
    ANSWER_SETS,
    CLIENT_FILES,
    DEPLOY_FILES,
    DOMAIN_FILES,
    KUBERNETES_WORKER_FILES,
    OBSERVABILITY_FILES,
    TEMPLATE_ROOT,
    TRACING_FILES_FILES,
    WORKER_FILES,
    WORKER_OBSERVABILITY_FILES,
    AnswerSet,
    render,
    run,
)

CORE_FILES = {
    ".copier-answers.yml",
    ".dockerignore",
    ".env",
    ".env.example",
    ".github/workflows/ci.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".python-version",
    "Dockerfile",
    "README.md",
    "alembic.ini",
    "alembic/env.py",
    "alembic/script.py.mako",
    "alembic/versions/.gitkeep",
    "logging.ini",
    "pyproject.toml",
    "scripts/__init__.py",
    "scripts/dev_database.py",
    "scripts/lint",
    "scripts/local_db.py",
    "scripts/new-domain",
    "scripts/start",
    "scripts/start-local",
    "scripts/update-all",
    "src/__init__.py",
    "src/config.py",
    "src/constants.py",
    "src/database/__init__.py",
    "src/database/connections.py",
    "src/database/errors.py",
    "src/database/queries.py",
    "src/database/tables.py",
    "src/database/unit_of_work.py",
    "src/domains.py",
    "src/env_file.py",
    "src/exceptions.py",
    "src/health.py",
    "src/access.py",
    "src/logs.py",
    "src/main.py",
    "src/middleware.py",
    "src/models.py",
    "src/openapi.py",
    "src/observability/__init__.py",
    "src/pagination.py",
    "src/rate_limits.py",
    "tests/__init__.py",
    "tests/access.py",
    "tests/committed.py",
    "tests/conftest.py",
    "tests/errors.py",
    "tests/fuzz.py",
    "tests/migrations.py",
    "tests/naming.py",
    "tests/outage.py",
    "tests/routes.py",
    "tests/test_api.py",
    "tests/test_architecture.py",
    "tests/test_config.py",
    "tests/test_database.py",
    "tests/test_dev_database.py",
    "tests/test_docs.py",
    "tests/test_hot_reads.py",
    "tests/test_isolation.py",
    "tests/test_logs.py",
    "tests/test_main.py",
    "tests/test_unit_of_work.py",
    "tests/test_migrations.py",
    "tests/test_models.py",
    "tests/test_openapi.py",
    "tests/test_outage.py",
    "tests/test_rate_limits.py",
    "tests/test_requests.py",
    "tests/test_routes.py",
    "tests/test_secrets.py",
}
ANSWER_KEYS = {
    "_commit",
    "_src_path",
    "author_email",
    "author_name",
    "ci",
    "client",
    "deploy",
    "description",
    "docs_environments",
    "domains",
    "observability",
    "project_name",
    "project_slug",
    "python_version",
    "worker",
}
LEFTOVER_JINJA = re.compile(r"\{\{\s*[A-Za-z_][^}]*\}\}|\{%-?\s|\s-?%\}|\.jinja\b")

Rendered = Callable[[AnswerSet], Path]
answer_sets = pytest.mark.parametrize("answer_set", ANSWER_SETS, ids=lambda s: s.name)


def tree(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.parts
    }


@answer_sets
def test_no_leftover_jinja(answer_set: AnswerSet, rendered: Rendered) -> None:
    project = rendered(answer_set)
    leftovers = {
        name: match.group(0)
        for name in tree(project)
        if (match := LEFTOVER_JINJA.search(name + "\n" + (project / name).read_text()))
    }

    assert leftovers == {}


@answer_sets
def test_ruff_clean_as_rendered(answer_set: AnswerSet, rendered: Rendered) -> None:
    project = rendered(answer_set)
    cache = ["--cache-dir", str(project.parent / ".ruff_cache")]

    run(["ruff", "check", "--no-fix", *cache, "."], project)
    run(["ruff", "format", "--check", *cache, "."], project)


@answer_sets
def test_expected_tree(answer_set: AnswerSet, rendered: Rendered) -> None:
    """P01: the core modules, plus each selected domain's package, tests and migration only."""
    expected = CORE_FILES.union(*(DOMAIN_FILES[domain] for domain in answer_set.domains))
    if answer_set.answers.get("ci", "github") != "github":
        expected -= {".github/workflows/ci.yml"}
    if answer_set.answers.get("worker", False):
        expected |= WORKER_FILES
    # Write routes of domains without users of their own, when auth decides who may write.
    if "auth" in answer_set.domains:
        for folder in ("tests/files", "tests/jobs"):
            if f"{folder}/__init__.py" in expected:
                expected.add(f"{folder}/test_access.py")
    expected = expected.union(*(DEPLOY_FILES[choice] for choice in answer_set.deploy))
    if "kubernetes" in answer_set.deploy and answer_set.answers.get("worker", False):
        expected |= KUBERNETES_WORKER_FILES
    if answer_set.answers.get("client", False):
        expected |= CLIENT_FILES
    observability = answer_set.observability
    expected = expected.union(*(OBSERVABILITY_FILES[choice] for choice in observability))
    if answer_set.answers.get("worker", False):
        expected = expected.union(*(WORKER_OBSERVABILITY_FILES[c] for c in observability))
    if "tracing" in observability and "files" in answer_set.domains:
        expected |= TRACING_FILES_FILES

    assert tree(rendered(answer_set)) == expected


@answer_sets
def test_answers_file(answer_set: AnswerSet, rendered: Rendered) -> None:
    answers = yaml.safe_load((rendered(answer_set) / ".copier-answers.yml").read_text())

    hostname = {"hostname"} if "kubernetes" in answer_set.deploy else set()  # the Ingress's
    assert set(answers) == ANSWER_KEYS | hostname
    for key, value in answer_set.answers.items():
        assert answers[key] == value
    assert Path(answers["_src_path"]).is_absolute()


@answer_sets
def test_scripts_are_executable(answer_set: AnswerSet, rendered: Rendered) -> None:
    scripts = rendered(answer_set) / "scripts"

    for name in ("lint", "new-domain", "start", "start-local", "update-all"):
        assert (scripts / name).stat().st_mode & 0o111, name
    if answer_set.answers.get("worker", False):
        assert (scripts / "worker").stat().st_mode & 0o111
    if answer_set.answers.get("client", False):
        assert (scripts / "client").stat().st_mode & 0o111


def test_answers_reach_the_service(rendered: Rendered) -> None:
    answer_set = next(s for s in ANSWER_SETS if s.name == "py313-docs-everywhere")
    project = rendered(answer_set)

    constants = (project / "src" / "constants.py").read_text()
    pyproject = (project / "pyproject.toml").read_text()
    assert 'PROJECT_NAME = "Caf\\u00e9 Orders API"' in constants
    assert '["local", "staging", "production"]' in constants
    assert 'name = "cafe-orders-api"' in pyproject
    assert 'requires-python = ">=3.13"' in pyproject
    assert 'target-version = "py313"' in pyproject


def test_render_is_deterministic(tmp_path: Path, rendered: Rendered) -> None:
    """No random or time-based value in a tracked file (it would conflict on every update)."""
    first = rendered(ANSWER_SETS[0])
    second = render(tmp_path / "again", ANSWER_SETS[0].answers)

    assert tree(first) == tree(second)
    for name in tree(first) - {".copier-answers.yml"}:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


COPIER_YML = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())


def assigned(module: ast.Module, name: str) -> ast.expr:
    """The value assigned to ``name`` at the top of ``module``."""
    for node in module.body:
        if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == [name]:
            return node.value
    raise AssertionError(f"{name} is not assigned")


@answer_sets
def test_docs_environments_are_written_out(answer_set: AnswerSet, rendered: Rendered) -> None:
    """P16: the answer reaches the code's constant and the service's own expectations."""
    project = rendered(answer_set)
    chosen = answer_set.answers.get("docs_environments", COPIER_YML["docs_environments"]["default"])

    constant = assigned(
        ast.parse((project / "src/constants.py").read_text()), "SHOW_DOCS_ENVIRONMENTS"
    )
    assert ast.unparse(constant) == f"frozenset(map(Environment, {chosen!r}))"
    expected = assigned(ast.parse((project / "tests/test_docs.py").read_text()), "EXPECTED_STATUS")
    assert isinstance(expected, ast.Dict)
    served = {
        ast.unparse(key).removeprefix("Environment.").lower(): ast.unparse(value)
        for key, value in zip(expected.keys, expected.values, strict=True)
        if key is not None
    }
    assert served == {
        environment: "status.HTTP_200_OK" if environment in chosen else "status.HTTP_404_NOT_FOUND"
        for environment in ("local", "testing", "staging", "production")
    }


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        pytest.param({"project_slug": "My_Service"}, "project_slug must be lowercase", id="slug"),
        pytest.param({"project_name": "   "}, "project_name must not be empty", id="name"),
        pytest.param({"author_email": "nobody"}, "author_email must look like", id="email"),
        pytest.param({"domains": ["posts"]}, "posts needs auth: select auth too.", id="posts"),
        pytest.param({"python_version": "3.9"}, "Invalid choice for 'python_version'", id="py"),
        pytest.param(
            {"domains": ["auth", "blog"]},
            "Invalid choice for 'domains': 'blog' is not in ['auth', 'posts', 'files']",
            id="domains",
        ),
        pytest.param(
            {"docs_environments": ["qa"]}, "Invalid choice for 'docs_environments'", id="docs"
        ),
    ],
)
def test_invalid_answers_are_refused(
    tmp_path: Path, answers: dict[str, object], message: str
) -> None:
    destination = tmp_path / "service"

    with pytest.raises(ValueError, match=re.escape(message)):
        copier.run_copy(
            str(TEMPLATE_ROOT),
            destination,
            data=answers,
            defaults=True,
            unsafe=True,
            vcs_ref="HEAD",
            quiet=True,
        )
    assert not destination.exists() or not any(destination.iterdir())


# The prompt starts with an emoji and a space; checkbox rows with a pointer and a mark.
PROMPT_WIDTH = 80 - 3
CHOICE_WIDTH = 80 - 5


@pytest.mark.parametrize(
    "question", ["python_version", "domains", "worker", "docs_environments", "ci"]
)
def test_help_reads_at_80_columns(question: str) -> None:
    """Each line of the help fits an 80-column terminal, and each choice says what it is."""
    config = COPIER_YML[question]

    assert all(len(line) <= PROMPT_WIDTH for line in config["help"].splitlines()), config["help"]
    choices = config.get("choices", [])
    if isinstance(choices, dict):
        assert all(len(label) <= CHOICE_WIDTH for label in choices)
        assert all(label.startswith(value) and label != value for label, value in choices.items())


def test_domains_validator_message_fits_one_line() -> None:
    """Copier shows a refused answer on one line: "Validation error for question 'domains': ..."."""
    import jinja2

    message = jinja2.Template(COPIER_YML["domains"]["validator"]).render(domains=["posts"]).strip()

    assert message
    assert len(f"Validation error for question 'domains': {message}") <= 80
