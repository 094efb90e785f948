"""A throwaway git repository of the template for update tests: this repository's real history,
then the working tree as one more commit (uncommitted work is what gets tested).

Tags are made here, never read from the clone: each release on its known commit, and ``NEW`` on the
working tree, above any real release, so ``copier update`` without ``-r`` goes there as it goes
to the newest release for a user.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import TEMPLATE_ROOT, run, run_unchecked

NEW = "v99.0.0"
# Release tags and the commits they name (git tag -l): recreated in the throwaway repository.
RELEASES = {
    "v0.1.0": "e4b4153",
    "v0.2.0": "f1dc131",
    "v0.3.0": "5916d38",
    "v0.4.0": "b82f74f",
}
# Points of main's history the update tests start from, oldest first, with the answer sets each
# is rendered with (tests/test_history.py): one per point, more where a point brought something
# new (auth and posts at dbf1e37; scripts/new-domain at f4ec18d; the worker and files at
# 4f4f541). c0c15ad shipped auth and posts, but its domains question had no choices: Copier
# dropped any answer silently (domains: []), so a service of that commit has no domains.
POINTS = {
    "98e6f46": ("no-domains",),  # the first commit; the extension loader's old module name
    "c0c15ad": ("no-domains",),
    "dbf1e37": ("auth-posts",),  # the ci question
    "f4ec18d": ("no-domains",),  # kind=domain: the tests add a domain as scripts/new-domain does
    "4f4f541": ("files-worker",),
    "e4b4153": ("auth-posts",),  # v0.1.0
    "f1dc131": ("everything",),  # v0.2.0: roles, the worker's pool, rate limits, metrics
    "5916d38": ("operations",),  # v0.3.0: error reports, tracing, worker metrics, the client
}
# Commits from which scripts/new-domain exists (its services get a generated domain too).
NEW_DOMAIN_SINCE = ("f4ec18d", "4f4f541", "e4b4153", "f1dc131", "5916d38")
GIT = ["git", "-c", "user.name=Template Tests", "-c", "user.email=tests@example.com"]
SHALLOW_HELP = (
    "The update tests start from commits of this repository's history ({missing}), which this "
    "clone lacks (a shallow clone?) and which could not be fetched from its 'origin' remote. "
    "Fetch them with `git fetch --unshallow` (GitHub Actions: actions/checkout with "
    "fetch-depth: 0), then run the tests again."
)


def template_files(root: Path = TEMPLATE_ROOT) -> list[str]:
    """Tracked and untracked (not ignored) files: the template as it would be committed."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [name for name in listed if (root / name).is_file()]


def missing_commits(repo: Path, commits: list[str]) -> list[str]:
    return [
        commit
        for commit in commits
        if run_unchecked(["git", "cat-file", "-e", f"{commit}^{{commit}}"], repo).returncode
    ]


def fetch_history(repo: Path, source: Path, commits: list[str]) -> None:
    """Make ``commits`` (and their history) present in ``repo``, fetched from ``source``.

    A shallow ``source`` lacks them: fetch the rest from its ``origin`` remote, or fail with
    what to do. Never a skip: a silent skip would hide every update test.
    """
    run(["git", "fetch", "-q", "--no-tags", str(source), "HEAD"], repo)
    if not (missing := missing_commits(repo, commits)):
        return
    origin = run_unchecked(["git", "remote", "get-url", "origin"], source).stdout.strip()
    if origin:
        shallow = (repo / ".git" / "shallow").exists()
        unshallow = ["--unshallow"] if shallow else []
        refs = "+refs/heads/*:refs/remotes/origin/*"
        run_unchecked(["git", "fetch", "-q", "--no-tags", *unshallow, origin, refs], repo)
        missing = missing_commits(repo, commits)
    if missing:
        pytest.fail(SHALLOW_HELP.format(missing=", ".join(missing)), pytrace=False)


def build_template_repo(destination: Path, source: Path = TEMPLATE_ROOT) -> Path:
    """History of ``source``'s HEAD, then its working tree committed and tagged ``NEW``."""
    destination.mkdir(parents=True, exist_ok=True)
    run(["git", "init", "-q", "-b", "main"], destination)
    fetch_history(destination, source, [*POINTS, *RELEASES.values()])
    run(["git", "reset", "-q", "FETCH_HEAD"], destination)  # HEAD's index, an empty work tree
    for name in template_files(source):
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, destination / name)
    run(["git", "add", "-A"], destination)
    run([*GIT, "commit", "-q", "--allow-empty", "-m", "The working tree"], destination)
    for tag, commit in RELEASES.items():
        run([*GIT, "tag", tag, commit], destination)
    run([*GIT, "tag", NEW], destination)
    return destination


def commit_all(project: Path, message: str) -> None:
    run(["git", "add", "-A"], project)
    run([*GIT, "commit", "-q", "--allow-empty", "-m", message], project)
