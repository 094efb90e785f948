"""A throwaway git repository of the template with two release tags, for update tests.

``v1.1.0`` is the working tree as it is; ``v1.0.0`` is the same tree with the edits in
``OLD_TEXTS`` undone, standing for the previous release (until real releases exist).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.helpers import TEMPLATE_ROOT, run

OLD, NEW = "v1.0.0", "v1.1.0"
AUTH = "template/project/src/{% if 'auth' in domains %}auth{% endif %}"
DOMAIN = "template/domain/src/{{ domain_name }}"
# path -> (text in the current tree, text it had in the previous release)
OLD_TEXTS = {
    "template/project/src/health.py": (
        "answers; never checks dependencies, so a database outage never restarts it.",
        "answers.",
    ),
    f"{AUTH}/service.py": (
        '"""Store a new refresh token (a new family at login) and return its clear value."""',
        '"""Store a new refresh token."""',
    ),
    f"{DOMAIN}/router.py.jinja": (
        '"""One {{ item | replace(\'_\', \' \') }}."""',
        '"""Get one {{ item | replace(\'_\', \' \') }}."""',
    ),
}
GIT = ["git", "-c", "user.name=Template Tests", "-c", "user.email=tests@example.com"]


def template_files() -> list[str]:
    """Tracked and untracked (not ignored) files: the template as it would be committed."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=TEMPLATE_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [name for name in listed if (TEMPLATE_ROOT / name).is_file()]


def build_template_repo(destination: Path) -> Path:
    for name in template_files():
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(TEMPLATE_ROOT / name, destination / name)
    run(["git", "init", "-q", "-b", "main"], destination)
    current = {path: (destination / path).read_text() for path in OLD_TEXTS}
    for path, (new, old) in OLD_TEXTS.items():
        assert new in current[path], f"{path} changed: update OLD_TEXTS in tests/versions.py"
        (destination / path).write_text(current[path].replace(new, old))
    commit_and_tag(destination, OLD)
    for path, text in current.items():
        (destination / path).write_text(text)
    commit_and_tag(destination, NEW)
    return destination


def commit_and_tag(repo: Path, tag: str) -> None:
    run(["git", "add", "-A"], repo)
    run([*GIT, "commit", "-q", "-m", f"Release {tag}"], repo)
    run([*GIT, "tag", tag], repo)


def commit_all(project: Path, message: str) -> None:
    run(["git", "add", "-A"], project)
    run([*GIT, "commit", "-q", "--allow-empty", "-m", message], project)
