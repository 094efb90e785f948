"""``copier update`` machinery: two template versions in one process, no churn, adding a domain
by answer, answers an update cannot apply. Updates from real history: tests/test_history.py."""

from __future__ import annotations

import itertools
import json
import shutil
import sys
from pathlib import Path

import jinja2
import pytest
import yaml

from extensions import answers
from tests.helpers import (
    ANSWER_SETS,
    TEMPLATE_ROOT,
    AnswerSet,
    render,
    run,
    run_unchecked,
    service_env,
)
from tests.history import (
    check_update,
    conflicted,
    copy_at,
    forget_old_extensions,
    heads_of,
    revision_of,
    take_theirs,
    team_edits,
    tree,
    update,
)
from tests.versions import (
    NEW,
    POINTS,
    RELEASES,
    build_template_repo,
    commit_all,
    missing_commits,
)

AUTH = {"domains": ["auth"]}


def load_extensions(root: Path) -> jinja2.Environment:
    """A Jinja environment with ``root``'s extensions, loaded by path as Copier loads them."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(root),
        extensions=[
            "copier_template_extensions.TemplateExtensionLoader",
            "extensions/context.py:NameFilters",
        ],
    )


def test_two_versions_of_the_extensions_run_their_own_code(tmp_path: Path) -> None:
    """A later version changes a function's body only: each version must still run its own."""
    first, second = tmp_path / "first", tmp_path / "second"
    for root in (first, second):
        shutil.copytree(TEMPLATE_ROOT / "extensions", root / "extensions")
    with (second / "extensions" / "names.py").open("a") as names:
        names.write('\n\ndef slugify(text: str) -> str:\n    return "second version"\n')

    older, newer, older_again = (load_extensions(root) for root in (first, second, first))

    assert older.filters["slugify"]("My Service") == "my-service"
    assert newer.filters["slugify"]("My Service") == "second version"
    assert older_again.filters["slugify"]("My Service") == "my-service"


def test_an_old_versions_extensions_do_not_replace_the_new_ones(
    template_repo: Path, tmp_path: Path
) -> None:
    """What ``copier update`` from 98e6f46 does: the old version's extensions load first."""
    old = tmp_path / "old"
    run(["git", "worktree", "add", "-q", "--detach", str(old), "98e6f46"], template_repo)
    forget_old_extensions()
    try:
        older = load_extensions(old)
        newer = load_extensions(TEMPLATE_ROOT)
    finally:
        forget_old_extensions()

    assert "is_identifier" not in older.filters
    assert newer.filters["is_identifier"]("order_items")
    assert not newer.filters["is_identifier"]("Order-Items")


@pytest.mark.parametrize("answer_set", ANSWER_SETS, ids=lambda s: s.name)
def test_update_to_the_same_version_changes_nothing(
    answer_set: AnswerSet, template_repo: Path, tmp_path: Path
) -> None:
    project = copy_at(template_repo, tmp_path / "service", NEW, answer_set.answers)
    run(["git", "init", "-q"], project)
    commit_all(project, "Generate")

    update(project, vcs_ref=NEW)

    assert run(["git", "status", "--porcelain"], project).stdout == ""


def test_adding_a_domain_through_update(template_repo: Path, tmp_path: Path) -> None:
    project = copy_at(template_repo, tmp_path / "service", NEW, AUTH)
    run(["git", "init", "-q"], project)
    commit_all(project, "Generate")

    update(project, vcs_ref=NEW, data={"domains": ["auth", "posts"]})

    fresh = copy_at(template_repo, tmp_path / "fresh", NEW, {"domains": ["auth", "posts"]})
    assert tree(project) == tree(fresh)


def test_an_answer_the_new_version_cannot_apply_is_refused(
    template_repo: Path, tmp_path: Path
) -> None:
    """c0c15ad accepted any domains (its question had no choices): an update names the valid
    ones and writes nothing, instead of rendering a service without the unknown domain."""
    project = copy_at(template_repo, tmp_path / "service", "c0c15ad", {})
    answers_file = project / ".copier-answers.yml"
    answers_file.write_text(answers_file.read_text().replace("domains: []", "domains:\n- blog"))
    run(["git", "init", "-q"], project)
    commit_all(project, "Generate, with an answer of a version that checked none")
    copier = Path(sys.executable).with_name("copier")

    result = run_unchecked([str(copier), "update", "--trust", "--defaults", "-r", NEW], project)

    assert result.returncode != 0, result.stdout
    assert "'blog'" in result.stdout
    for choice in ("auth", "posts", "files"):
        assert f"'{choice}'" in result.stdout, result.stdout
    assert "Traceback" not in result.stdout, "a message, not a crash"
    assert run(["git", "status", "--porcelain"], project).stdout == ""


def domain_selections() -> list[list[str]]:
    """Every selection of the ``domains`` question its validator accepts."""
    question = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())["domains"]
    choices = answers.choices_of(question) or []
    validator = jinja2.Environment().from_string(question.get("validator", ""))
    selections = [
        list(selection)
        for size in range(len(choices) + 1)
        for selection in itertools.combinations(choices, size)
        if not validator.render(domains=list(selection)).strip()
    ]
    assert [] in selections, "the default, no domains, must be a selection"
    assert len(selections) > len(choices), selections
    return selections


def shipped_migrations(domains: list[str]) -> dict[str, tuple[str, ...]]:
    """Revision -> parents of the migrations a service with ``domains`` gets."""
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return dict(
        revision_of(path)
        for path in (TEMPLATE_ROOT / "template/project/alembic/versions").iterdir()
        if environment.from_string(path.name).render(domains=domains).endswith(".py")
    )


@pytest.mark.parametrize("domains", domain_selections(), ids=lambda d: "+".join(d) or "none")
def test_shipped_migrations_form_one_line_for_every_selection(domains: list[str]) -> None:
    """A shipped migration's parents exist whatever else was selected, and the template's
    migrations have one head, so a fresh service upgrades with ``alembic upgrade head``.
    (A team's own migrations branch off this line; scripts/update-all joins the heads.)"""
    revisions = shipped_migrations(domains)
    parents = {parent for down in revisions.values() for parent in down}

    assert parents - revisions.keys() == set(), "parents missing when these domains are chosen"
    assert len(heads_of(revisions)) <= 1, "several heads: ship a merge migration"


def test_shipped_migrations_do_not_depend_on_answers() -> None:
    """A migration's content (its parents) never changes with the answers: adding a domain
    later must not rewrite history a database already went through."""
    versions = TEMPLATE_ROOT / "template/project/alembic/versions"

    assert [path.name for path in versions.iterdir() if path.name.endswith(".jinja")] == []


def next_release(template_repo: Path, destination: Path, changes: dict[str, list[str]]) -> Path:
    """A clone of the template with one more release, v100.0.0: ``[old, new]`` in each path."""
    run(["git", "clone", "-q", str(template_repo), str(destination)], template_repo)
    for path, (old, new) in changes.items():
        file = destination / path
        assert old in file.read_text(), f"{old!r} not in {path}"
        file.write_text(file.read_text().replace(old, new))
    commit_all(destination, "Next release")
    run(["git", "tag", "v100.0.0"], destination)
    return destination


def test_update_all_names_the_conflicts_and_stops(template_repo: Path, tmp_path: Path) -> None:
    """A bare ``copier update`` exits 0 with conflict markers; scripts/update-all must not."""
    title = "# {{ project_name }}\n"
    badge = "![CI](../../actions/workflows/ci.yml/badge.svg)\n"
    readme = {"template/project/README.md.jinja": [title, f"{title}\n{badge}"]}
    repo = next_release(template_repo, tmp_path / "template", readme)
    project = copy_at(repo, tmp_path / "service", NEW, {})
    base = tree(project)
    run(["git", "init", "-q"], project)
    commit_all(project, "Generate")
    edits = team_edits(project)
    commit_all(project, "Team work")
    head = run(["git", "rev-parse", "HEAD"], project).stdout
    copier = str(Path(sys.executable).with_name("copier"))

    result = run_unchecked(["scripts/update-all"], project, {"COPIER": copier})

    assert result.returncode == 1, result.stdout
    assert "Conflicts with the template's changes in:\n  README.md\n" in result.stdout
    unmerged = run(["git", "diff", "--name-only", "--diff-filter=U"], project).stdout
    assert unmerged == "README.md\n", "docs/update.md: how to list conflicts after copier update"
    assert run(["git", "rev-parse", "HEAD"], project).stdout == head, "nothing committed"
    fresh = tree(copy_at(repo, tmp_path / "fresh", "v100.0.0", {}))
    assert check_update(project, base, fresh, edits, []) == {"README.md"}
    take_theirs(project, {"README.md"})
    assert conflicted(project) == set()
    assert "badge.svg" in (project / "README.md").read_text()


@pytest.mark.deep
def test_a_new_services_first_ci_run_passes_and_a_stale_lock_fails_it(tmp_path: Path) -> None:
    """A fresh render has no uv.lock and CI installs with ``uv sync --locked``: the rendered
    workflow locks first (with a warning) until uv.lock is committed, never after."""
    answer_set = AnswerSet("first-ci")
    project = render(tmp_path / "service", answer_set.answers)
    assert not (project / "uv.lock").exists()
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    scripts = [step["run"] for step in workflow["jobs"]["lint"]["steps"] if "run" in step]
    env = {**service_env(answer_set), "UV_PYTHON": answer_set.python_version}
    github_shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]

    outputs = [run([*github_shell, script], project, env).stdout for script in scripts]

    assert "::warning::commit uv.lock" in outputs[0]
    assert (project / "uv.lock").exists()
    run(["uv", "add", "--frozen", "humanize>=4.9,<5"], project, env)  # and no uv lock after
    first = run_unchecked([*github_shell, scripts[0]], project, env)
    stale = run_unchecked([*github_shell, scripts[1]], project, env)
    assert first.returncode == 0
    assert "::warning::" not in first.stdout
    assert stale.returncode != 0, stale.stdout


@pytest.mark.parametrize(
    ("recorded", "data", "defaults", "code", "message"),
    [
        ({"domains": ["auth"], "ci": "github"}, {}, "True", 0, ""),
        (
            {"domains": ["auth", "blog"]},
            {},
            "True",
            1,
            "domains: 'blog' is not a choice of this template version "
            "(valid choices: 'auth', 'posts', 'files')",
        ),
        ({"domains": ["blog"]}, {"domains": ["auth"]}, "True", 0, ""),
        ({"ci": "gitlab"}, {}, "False", 0, "ci: 'gitlab' is not a choice"),
        ({"tracing": True}, {"tracing": True}, "False", 1, "no longer has"),
    ],
    ids=["valid", "unknown-choice", "answered-again", "asked-again", "dropped-question"],
)
def test_answers_an_update_cannot_apply(
    recorded: dict[str, object],
    data: dict[str, object],
    defaults: str,
    code: int,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers_file = tmp_path / ".copier-answers.yml"
    answers_file.write_text(yaml.safe_dump({"_commit": "v0.1.0", **recorded}))
    arguments = [str(answers_file), str(TEMPLATE_ROOT), json.dumps(data), defaults]

    assert answers.main(["answers.py", "check", *arguments]) == code
    assert message in capsys.readouterr().err


def test_a_renamed_question_keeps_its_answer(template_repo: Path, tmp_path: Path) -> None:
    """How a release renames a question (docs/develop.md): a ``rename`` migration first."""
    rename = """_migrations:
  - command:
      - "{{ _copier_python }}"
      - "{{ _copier_conf.src_path }}/extensions/answers.py"
      - rename
      - "{{ _copier_conf.answers_file }}"
      - author_name
      - team_name
    when: "{{ _stage == 'before' }}"
"""
    repo = next_release(
        template_repo,
        tmp_path / "template",
        {
            "copier.yml": ["author_name:", "team_name:"],
            "template/project/pyproject.toml.jinja": ["author_name", "team_name"],
        },
    )
    copier_yml = repo / "copier.yml"
    copier_yml.write_text(copier_yml.read_text().replace("_migrations:\n", rename, 1))
    commit_all(repo, "Next release: the rename migration")
    run(["git", "tag", "-f", "v100.0.0"], repo)
    project = copy_at(template_repo, tmp_path / "service", NEW, {"author_name": "Payments Team"})
    run(["git", "init", "-q"], project)
    commit_all(project, "Generate")
    answers_file = project / ".copier-answers.yml"
    answers_file.write_text(answers_file.read_text().replace(str(template_repo), str(repo)))
    commit_all(project, "Point to the clone")

    update(project)

    recorded = yaml.safe_load(answers_file.read_text())
    assert recorded["_commit"] == "v100.0.0"
    assert recorded["team_name"] == "Payments Team"
    assert "author_name" not in recorded
    assert "Payments Team" in (project / "pyproject.toml").read_text()


def test_a_shallow_clone_fetches_the_history_or_says_how(tmp_path: Path) -> None:
    """CI clones with fetch-depth 0; a shallow clone fetches from its origin, or fails clearly
    (the update tests never skip silently)."""
    shallow = tmp_path / "shallow"
    url = f"file://{TEMPLATE_ROOT}"
    run(["git", "clone", "-q", "--depth", "1", url, str(shallow)], tmp_path)
    assert missing_commits(shallow, list(POINTS)), "the clone should lack the history"

    build_template_repo(tmp_path / "fetched", shallow)

    assert missing_commits(tmp_path / "fetched", [*POINTS, *RELEASES.values()]) == []
    run(["git", "remote", "remove", "origin"], shallow)
    with pytest.raises(pytest.fail.Exception, match=r"git fetch --unshallow"):
        build_template_repo(tmp_path / "unfetched", shallow)
