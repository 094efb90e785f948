"""``copier update`` from real points of this repository's history to the working tree.

Each case renders an old commit with an answer set, applies a team's edits (tests/history.py),
commits, updates the service and then each generated domain to the working tree, and checks the
result against a three-way comparison: exit 0, every edit kept, conflicts exactly where the
template changed the lines the team changed (listed), .env and .git untouched, answers kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run
from tests.history import (
    SKIPPED_IF_EXISTS,
    Edit,
    answers,
    conflicted,
    copy_at,
    git_state,
    take_theirs,
    team_edits,
    three_way,
    tree,
    update,
)
from tests.versions import NEW, POINTS, commit_all

INVOICES = {"kind": "domain", "domain_name": "invoices"}
DOMAIN_ANSWERS = ".copier/domain-invoices.yml"


@dataclass(frozen=True)
class Case:
    point: str
    name: str
    answers: dict[str, Any]

    @property
    def new_domain(self) -> bool:
        return POINTS[self.point]["new_domain"]

    def __str__(self) -> str:
        return f"{self.point}-{self.name}"


def cases() -> list[Case]:
    """Every point with no domains; with auth and posts, and the worker, where it had them."""
    result = []
    for point, has in POINTS.items():
        result.append(Case(point, "no-domains", {}))
        if has["domains"]:
            result.append(Case(point, "auth-posts", {"domains": ["auth", "posts"]}))
        if has["worker"]:
            result.append(Case(point, "files-worker", {"domains": ["files"], "worker": True}))
    return result


def check_update(
    project: Path,
    base: dict[str, bytes],
    theirs: dict[str, bytes],
    edits: list[Edit],
    report: list[str],
) -> set[str]:
    """Compare ``project`` after an update with the three-way expectation; return conflicts."""
    actual = tree(project)
    expected = three_way(base, committed(project), theirs)
    assert expected.lost == set(), (
        f"the new version deletes files the team changed: {sorted(expected.lost)}; "
        "Copier would delete them with the team's work (add a _migrations step, or keep them)"
    )
    conflicts = conflicted(project)
    report.append(f"conflicts: {sorted(conflicts) or 'none'}")
    assert conflicts == expected.conflicts, (
        "conflicts where the template did not change the team's lines, or missing ones"
    )
    wrong = [
        path
        for path, content in expected.files.items()
        if path not in conflicts and actual.get(path) != content
    ]
    assert wrong == [], "files that differ from a three-way merge of base, team and new version"
    for edit in edits:
        assert edit.marker in (project / edit.path).read_text(), f"lost: {edit}"
    return conflicts


def committed(project: Path) -> dict[str, bytes]:
    """The team's tree as committed (HEAD), and the files Copier never touches (.env)."""
    listed = run(["git", "ls-tree", "-r", "--name-only", "-z", "HEAD"], project).stdout
    files = {
        path: run(["git", "show", f"HEAD:{path}"], project).stdout.encode()
        for path in listed.split("\0")
        if path
    }
    return files | {path: (project / path).read_bytes() for path in SKIPPED_IF_EXISTS}


@pytest.mark.parametrize("case", cases(), ids=str)
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

        update(project, answers_file=DOMAIN_ANSWERS)

        fresh = copy_at(template_repo, tmp_path / "theirs-domain", NEW, INVOICES)
        check_update(project, domain_base, tree(fresh), edits, report)
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
