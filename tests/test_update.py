"""``copier update`` never loses work: user edits survive, template changes arrive, and the
result equals a fresh render with the same edits. Also for a domain's own answers file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import copier
import pytest

from tests.helpers import ANSWER_SETS, AnswerSet, run
from tests.versions import NEW, OLD, OLD_TEXTS, commit_all

AUTH = {"domains": ["auth"]}
INVOICES = {"kind": "domain", "domain_name": "invoices"}
ROUTE = '''

@router.get("/ping", status_code=status.HTTP_200_OK, summary="Ping the auth domain")
async def ping_auth() -> dict[str, str]:
    """Answer pong (added by the service's team)."""
    return {"ping": "pong"}
'''


def copy_at(template: Path, destination: Path, version: str, data: dict[str, Any]) -> Path:
    copier.run_copy(
        str(template),
        destination,
        data=data,
        vcs_ref=version,
        defaults=True,
        unsafe=True,
        quiet=True,
    )
    return destination


def update(project: Path, version: str, **options: Any) -> None:
    copier.run_update(
        project, vcs_ref=version, defaults=True, unsafe=True, overwrite=True, quiet=True, **options
    )


def replace(project: Path, path: str, old: str, new: str) -> None:
    file = project / path
    assert old in file.read_text(), f"{old!r} not in {path}"
    file.write_text(file.read_text().replace(old, new))


def user_edits(project: Path) -> None:
    """A changed service function, an added route, an edited .env."""
    replace(
        project,
        "src/auth/service.py",
        "AuthUser.email == email.lower()",
        "func.lower(AuthUser.email) == email.lower()",
    )
    with (project / "src/auth/router.py").open("a") as router:
        router.write(ROUTE)
    with (project / ".env").open("a") as env:
        env.write("TEAM_SETTING=kept\n")


def domain_edits(project: Path) -> None:
    replace(
        project,
        "src/invoices/service.py",
        "newest_first = (Invoice.created_at.desc(), Invoice.id)",
        "newest_first = (Invoice.name, Invoice.id)",
    )


def files(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def assert_clean_merge(project: Path) -> None:
    markers = [
        n for n, text in files(project).items() if re.search(r"^(<<<<<<<|>>>>>>>) ", text, re.M)
    ]
    assert markers == []
    assert list(project.rglob("*.rej")) == []


def without_commit(answers: str) -> str:
    return re.sub(r"^_commit: .*$", "", answers, flags=re.M)


def test_update_keeps_user_edits_and_brings_template_changes(
    template_repo: Path, tmp_path: Path
) -> None:
    project = copy_at(template_repo, tmp_path / "service", OLD, AUTH)
    run(["git", "init", "-q"], project)
    commit_all(project, "Generate")
    user_edits(project)
    commit_all(project, "Team work")

    update(project, NEW)

    assert_clean_merge(project)
    health = (project / "src/health.py").read_text()
    assert OLD_TEXTS["template/project/src/health.py"][0] in health  # the template's change
    assert "func.lower(AuthUser.email)" in (project / "src/auth/service.py").read_text()
    assert "async def ping_auth" in (project / "src/auth/router.py").read_text()
    assert "TEAM_SETTING=kept" in (project / ".env").read_text()
    fresh = copy_at(template_repo, tmp_path / "fresh", NEW, AUTH)
    user_edits(fresh)
    updated, expected = files(project), files(fresh)
    answers = ".copier-answers.yml"
    assert without_commit(updated.pop(answers)) == without_commit(expected.pop(answers))
    assert updated == expected


def test_domain_updates_from_its_own_answers_file(template_repo: Path, tmp_path: Path) -> None:
    project = copy_at(template_repo, tmp_path / "service", OLD, AUTH)
    run(["git", "init", "-q"], project)
    commit_all(project, "Generate")
    copy_at(template_repo, project, OLD, INVOICES)
    commit_all(project, "Add invoices")
    project_answers = (project / ".copier-answers.yml").read_text()
    domain_edits(project)
    commit_all(project, "Team work")

    update(project, NEW, answers_file=".copier/domain-invoices.yml")

    assert_clean_merge(project)
    router = (project / "src/invoices/router.py").read_text()
    assert '"""One invoice."""' in router
    assert '"""Get one invoice."""' not in router
    assert (
        "newest_first = (Invoice.name, Invoice.id)"
        in (project / "src/invoices/service.py").read_text()
    )
    assert (project / ".copier-answers.yml").read_text() == project_answers
    assert "_commit: v1.1.0" in (project / ".copier/domain-invoices.yml").read_text()
    # The project's own files did not move: its update is a separate step.
    assert OLD_TEXTS["template/project/src/health.py"][1] in (project / "src/health.py").read_text()


@pytest.mark.parametrize("answer_set", ANSWER_SETS, ids=lambda s: s.name)
def test_update_to_the_same_version_changes_nothing(
    answer_set: AnswerSet, template_repo: Path, tmp_path: Path
) -> None:
    project = copy_at(template_repo, tmp_path / "service", NEW, answer_set.answers)
    run(["git", "init", "-q"], project)
    commit_all(project, "Generate")

    update(project, NEW)

    assert run(["git", "status", "--porcelain"], project).stdout == ""


def test_adding_a_domain_through_update(template_repo: Path, tmp_path: Path) -> None:
    project = copy_at(template_repo, tmp_path / "service", NEW, AUTH)
    run(["git", "init", "-q"], project)
    commit_all(project, "Generate")

    update(project, NEW, data={"domains": ["auth", "posts"]})

    fresh = copy_at(template_repo, tmp_path / "fresh", NEW, {"domains": ["auth", "posts"]})
    assert files(project) == files(fresh)
