"""``copier update`` from real points of this repository's history to the working tree.

Each case renders an old commit with an answer set, applies a team's edits (tests/history.py),
commits, updates the service and then each generated domain to the working tree, and checks the
result against a three-way comparison: exit 0, every edit kept, conflicts exactly where the
template changed the lines the team changed (listed), .env and .git untouched, answers kept.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import AnswerSet, query, run, server_database_url, service_env
from tests.history import (
    ANSWERS,
    Edit,
    answers,
    check_update,
    copy_at,
    git_state,
    redo_dropped,
    take_theirs,
    team_edits,
    tree,
    update,
)
from tests.versions import NEW, NEW_DOMAIN_SINCE, POINTS, RELEASES, commit_all

INVOICES = {"kind": "domain", "domain_name": "invoices"}
DOMAIN_ANSWERS = ".copier/domain-invoices.yml"


@dataclass(frozen=True)
class Case:
    point: str
    name: str
    answers: dict[str, Any]

    @property
    def new_domain(self) -> bool:
        return self.point in NEW_DOMAIN_SINCE

    def __str__(self) -> str:
        return f"{self.point}-{self.name}"


ANSWER_SETS = {
    "no-domains": {},
    "auth-posts": {"domains": ["auth", "posts"]},
    "files-worker": {"domains": ["files"], "worker": True},
    "everything": {
        "domains": ["auth", "posts", "files"],
        "worker": True,
        "observability": ["metrics"],
        "deploy": ["compose", "kubernetes"],
    },
    "operations": {
        "domains": ["auth", "posts", "files"],
        "worker": True,
        "observability": ["metrics", "errors", "tracing"],
        "deploy": ["compose", "kubernetes"],
        "client": True,
    },
}
CASES = [Case(point, name, ANSWER_SETS[name]) for point, names in POINTS.items() for name in names]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_update_from_history(case: Case, template_repo: Path, tmp_path: Path) -> None:
    project = copy_at(template_repo, tmp_path / "service", case.point, case.answers)
    base = tree(project)
    run(["git", "init", "-q"], project)
    commit_all(project, "Generate")
    domain_base: dict[str, bytes] = {}
    if case.new_domain:  # what scripts/new-domain does: the service's version, kind=domain
        copy_at(template_repo, project, answers(project)["_commit"], INVOICES)
        domain_base = {path: content for path, content in tree(project).items() if path not in base}
        commit_all(project, "Add invoices")
    old_answers = answers(project)
    edits = team_edits(project)
    commit_all(project, "Team work")
    env, git = (project / ".env").read_bytes(), git_state(project)
    report: list[str] = [f"{case}:"]

    update(project)

    fresh = copy_at(template_repo, tmp_path / "theirs", NEW, old_answers_data(old_answers))
    conflicts = check_update(project, base, tree(fresh), edits, report)
    assert (project / ".env").read_bytes() == env
    assert git_state(project) == git
    assert_answers_migrated(old_answers, answers(project), answers(fresh))
    if case.new_domain:
        take_theirs(project, conflicts)
        commit_all(project, "Update from the template")
        domain_answers = answers(project, DOMAIN_ANSWERS)
        project_answers = (project / ANSWERS).read_bytes()

        update(project, answers_file=DOMAIN_ANSWERS)

        fresh = copy_at(template_repo, tmp_path / "theirs-domain", NEW, INVOICES)
        # The service's conflicts were resolved with the template's side, dropping the team's
        # lines there (checked above, before): the domain's update must keep every other edit.
        kept = [edit for edit in edits if edit.path not in conflicts]
        check_update(project, domain_base, tree(fresh), kept, report, "invoices domain")
        assert (project / ANSWERS).read_bytes() == project_answers
        assert (project / ".env").read_bytes() == env
        new_answers = answers(project, DOMAIN_ANSWERS)
        assert_answers_migrated(domain_answers, new_answers, answers(fresh, DOMAIN_ANSWERS))
    print(" ".join(report))


def old_answers_data(recorded: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in recorded.items() if not key.startswith("_")}


def assert_answers_migrated(
    old: dict[str, Any], new: dict[str, Any], fresh: dict[str, Any]
) -> None:
    """Every answer the old version recorded is kept, and the file is a fresh render's."""
    assert new["_commit"] == NEW
    assert new["_src_path"] == old["_src_path"]
    changed = {
        key: (value, new.get(key, "<dropped>"))
        for key, value in old_answers_data(old).items()
        if new.get(key) != value
    }
    assert changed == {}, (
        "answers the old version recorded and the update lost or changed: rename them with a "
        "_migrations entry in copier.yml, or refuse them with a validator (docs/update.md)"
    )
    assert old_answers_data(new) == old_answers_data(fresh)


# The tables of the database's public schema, space-separated.
TABLES = "SELECT string_agg(tablename, ' ') FROM pg_tables WHERE schemaname = 'public'"
DEEP = AnswerSet("history", {"domains": ["auth"]})
# Tables the update brings to the last release's service through new template migrations (the
# posts it adds), the release's own migrations untouched. Older releases: the POINTS tests.
NEW_TABLES = {"post", "post_like"}


@pytest.mark.deep
def test_update_from_the_last_release_passes_every_check(
    template_repo: Path, tmp_path: Path
) -> None:
    """The last release with auth, a domain added with scripts/new-domain, a column, both with
    their autogenerated migrations, a dependency from ``uv add``, the team's edits; then an
    update that adds posts (a template migration next to the team's: two Alembic heads).
    Conflicts resolved with the template's side (the team's column and route made again where
    that dropped them), ``scripts/update-all`` locks and joins the heads; the database upgrades
    and every check of the service passes."""
    server = server_database_url()
    assert server, "the deep tier runs on a PostgreSQL server (DATABASE_URL or 127.0.0.1:5432)"
    release = list(RELEASES)[-1]
    project = copy_at(template_repo, tmp_path / "service", release, DEEP.answers)
    base = tree(project)
    run(["git", "init", "-q"], project)
    commit_all(project, "Generate")
    env = service_env(DEEP)
    database = re.sub(r"_suite$", "_dev", env["TEST_DATABASE_URL"].rsplit("/", 1)[1])
    env["DATABASE_URL"] = f"{server.rsplit('/', 1)[0]}/{database}"
    run(["uv", "sync", "-q", "--python", DEEP.python_version], project, env)
    query(project, server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    query(project, server, f'CREATE DATABASE "{database}"')
    alembic = [str(project / ".venv/bin/alembic")]

    before = tree(project)
    copy_at(template_repo, project, answers(project)["_commit"], INVOICES)
    domain_base = {path: data for path, data in tree(project).items() if path not in before}
    run([*alembic, "upgrade", "head"], project, env)
    released_tables = set(query(project, env["DATABASE_URL"], TABLES).split())
    assert not released_tables & NEW_TABLES
    run([*alembic, "revision", "--autogenerate", "-m", "create invoices tables"], project, env)
    commit_all(project, "Add invoices")
    edits = team_edits(project, installed=True)
    run([*alembic, "upgrade", "head"], project, env)
    run([*alembic, "revision", "--autogenerate", "-m", "add auth user nickname"], project, env)
    run([*alembic, "upgrade", "head"], project, env)
    run(["uv", "add", "-q", "humanize>=4.9,<5"], project, env)
    commit_all(project, "Team work")
    for name, marker in (
        ("create_invoices_tables", '"invoice"'),
        ("add_auth_user_nickname", "nickname"),
    ):
        migration = next((project / "alembic/versions").glob(f"*_{name}.py"))
        assert marker in migration.read_text()
        edits.append(Edit(name, migration.relative_to(project).as_posix(), marker))
    edits.append(Edit("dependency", "pyproject.toml", "humanize>=4.9,<5"))
    report = [f"{release}-auth, adding posts:"]

    new_answers = {**old_answers_data(answers(project)), "domains": ["auth", "posts"]}
    update(project, data={"domains": ["auth", "posts"]})

    fresh = tree(copy_at(template_repo, tmp_path / "theirs", NEW, new_answers))
    take_theirs(project, check_update(project, base, fresh, edits, report))
    redo_dropped(project, edits)
    commit_all(project, "Update from the template")
    update(project, answers_file=DOMAIN_ANSWERS)
    fresh = tree(copy_at(template_repo, tmp_path / "theirs-domain", NEW, INVOICES))
    take_theirs(project, check_update(project, domain_base, fresh, edits, report, "invoices"))
    redo_dropped(project, edits)
    commit_all(project, "Update the invoices domain")
    print(" ".join(report))

    copier = str(Path(sys.executable).with_name("copier"))
    result = run(["scripts/update-all"], project, {**env, "COPIER": copier})

    assert run(["git", "status", "--porcelain"], project).stdout == ""
    assert len(run([*alembic, "heads"], project, env).stdout.splitlines()) == 1, result.stdout
    run(["uv", "lock", "--check"], project, env)
    run(["uv", "sync", "--locked", "-q"], project, env)
    run([*alembic, "upgrade", "head"], project, env)
    tables = set(query(project, env["DATABASE_URL"], TABLES).split())
    assert tables >= NEW_TABLES | released_tables
    released_migrations = {path for path in base if path.startswith("alembic/versions/")}
    assert released_migrations
    for path in released_migrations:  # updates add migrations, never edit one
        assert (project / path).read_bytes() == base[path], path
    for check in (
        ["ruff", "check", "--no-fix", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
        ["lint-imports"],
        ["pytest", "-q", "-p", "no:cacheprovider"],
    ):
        run([str(project / ".venv/bin" / check[0]), *check[1:]], project, env, timeout=900)
    # The development database goes with the test (a failed run's stays for a look).
    query(project, server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
