"""What a team does to its service between updates, and what ``copier update`` must make of it.

The expectation is computed, never written down: a three-way comparison of the render the
service started from (base), the team's committed tree (ours) and a fresh render of the new
version (theirs), file by file, the way ``git merge-file`` merges. So the tests hold while the
template changes: conflicts are expected exactly where the template changed lines the team
changed too, and each test lists them.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import copier
import yaml

from tests.helpers import run

# Versions before the loader fix (extensions/context.py) cached their helper modules under these
# fixed names. A user runs one copier command per process, where the old version loads first
# and the new one keys its modules by content; only this suite runs several old versions in one
# process, so it drops theirs before each run.
OLD_EXTENSION_MODULES = ("copier_fastapi_practices_names", "copier_fastapi_practices_project")
START, MIDDLE, END = "<<<<<<< before updating", "=======", ">>>>>>> after updating"
CONFLICT = re.compile(
    rf"^{START}\n(?P<ours>.*?)^{MIDDLE}\n(?P<theirs>.*?)^{END}\n", re.MULTILINE | re.DOTALL
)
ANSWERS = ".copier-answers.yml"
# Files Copier renders once and never touches again (``_skip_if_exists`` in copier.yml).
SKIPPED_IF_EXISTS = frozenset({".env"})


def forget_old_extensions() -> None:
    for name in OLD_EXTENSION_MODULES:
        sys.modules.pop(name, None)


def copy_at(template: Path, destination: Path, version: str, data: dict[str, Any]) -> Path:
    forget_old_extensions()
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


def update(project: Path, **options: Any) -> None:
    """``copier update --trust --defaults`` (to the newest release unless ``vcs_ref``)."""
    forget_old_extensions()
    copier.run_update(project, defaults=True, unsafe=True, overwrite=True, quiet=True, **options)


# Folders of git and of the tools, never the template's or the team's files.
NOT_FILES = frozenset(
    {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` but git's and the tools' own, by relative path."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and NOT_FILES.isdisjoint(path.relative_to(root).parts)
    }


def answers(project: Path, answers_file: str = ANSWERS) -> dict[str, Any]:
    loaded = yaml.safe_load((project / answers_file).read_text())
    assert isinstance(loaded, dict)
    return loaded


# -- What the team does ------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """One change of the team's, and a line of it that proves it is still there.

    ``redo`` makes it again on the template's new code where taking the template's side of a
    conflict dropped it (as a team would), when other code depends on it.
    """

    name: str
    path: str
    marker: str
    redo: Callable[[Path], None] | None = field(default=None, compare=False)


def redo_dropped(project: Path, edits: list[Edit]) -> None:
    for edit in edits:
        if edit.redo is not None:
            edit.redo(project)


def replace_once(project: Path, path: str, old: str, new: str) -> None:
    file = project / path
    text = file.read_text()
    assert text.count(old) == 1, f"{old!r} is not exactly once in {path}"
    file.write_text(text.replace(old, new))


def append(project: Path, path: str, text: str) -> None:
    with (project / path).open("a") as file:
        file.write(text)


ROUTE = '''

@router.get("/team-status", status_code=status.HTTP_200_OK, summary="Team status")
async def get_team_status() -> TeamStatusResponse:
    """Who is on call for this service (added by the team)."""
    return TeamStatusResponse(on_call="payments")
'''
SCHEMA = """

class TeamStatusResponse(CustomModel):
    on_call: str
"""
COLUMN = "    nickname: Mapped[str | None] = mapped_column(String(64))  # added by the team\n"
MIGRATION = '''"""add {table} nickname

Revision ID: {revision}
Revises: {down_revision}
Create Date: 2026-11-25 12:00:00.000000+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "{revision}"
down_revision: str | Sequence[str] | None = {down_revision!r}
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("{table}", sa.Column("nickname", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("{table}", "nickname")
'''


def revision_of(migration: Path) -> tuple[str, tuple[str, ...]]:
    """A migration file's revision and parents, read as text (no install needed)."""
    text = migration.read_text()
    revision = re.search(r'^revision(?:: str)? = "(\w+)"', text, re.MULTILINE)
    down = re.search(r"^down_revision[^=]*= (.+)$", text, re.MULTILINE)
    assert revision, f"no revision in {migration.name}"
    assert down, f"no down_revision in {migration.name}"
    return revision[1], tuple(re.findall(r'"(\w+)"', down[1]))


def heads_of(revisions: dict[str, tuple[str, ...]]) -> set[str]:
    return set(revisions) - {parent for parents in revisions.values() for parent in parents}


def heads(project: Path) -> list[str]:
    """Alembic heads of ``project``, read from its migration files."""
    return sorted(heads_of(dict(map(revision_of, (project / "alembic/versions").glob("*.py")))))


def ensure_column(project: Path, package: str, table: str) -> None:
    """The team's column on ``table``'s model, right after its table name, with its import."""
    path = project / f"src/{package}/models.py"
    text = path.read_text()
    if COLUMN not in text:
        tablename = f'    __tablename__ = "{table}"\n'
        assert tablename in text, f"no model of {table} in {path}"
        text = import_name(text.replace(tablename, tablename + COLUMN, 1), "sqlalchemy", "String")
        path.write_text(text)


def add_column(
    project: Path, package: str, table: str, after: str, *, migration: bool
) -> list[Edit]:
    """A new model column (after ``after``), and the migration autogenerate writes for it.

    The migration is written as autogenerate would (the deep test runs the real command).
    """
    replace_once(project, f"src/{package}/models.py", after, after + COLUMN)
    column = Edit(
        "model column",
        f"src/{package}/models.py",
        COLUMN.strip(),
        partial(ensure_column, package=package, table=table),
    )
    if not migration:
        return [column]
    revision = "7ea3c0de0001" if package == "auth" else "7ea3c0de0002"
    current = heads(project)
    down_revision = current[0] if len(current) == 1 else None
    path = f"alembic/versions/2026-11-25_1200_{revision}_add_{table}_nickname.py"
    (project / path).write_text(
        MIGRATION.format(table=table, revision=revision, down_revision=down_revision)
    )
    return [column, Edit("its migration", path, f'op.add_column("{table}"')]


def import_name(text: str, module: str, name: str) -> str:
    """``text`` with ``name`` added to its ``from <module> import ...``, sorted as ruff sorts."""
    statement = re.search(
        rf"^from {re.escape(module)} import (\((?P<many>[^)]*)\)|(?P<one>.*))$", text, re.MULTILINE
    )
    if statement is None:  # no import from there yet: after the first one from src
        first = re.search(r"^from src\..*$", text, re.MULTILINE)
        assert first, "no import from src to put it after"
        return text[: first.end()] + f"\nfrom {module} import {name}" + text[first.end() :]
    names = re.findall(r"\w+", statement["many"] or statement["one"])
    if name in names:
        return text
    names = sorted({*names, name})
    line = f"from {module} import {', '.join(names)}"
    if len(line) > 100:
        line = f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"
    return text[: statement.start()] + line + text[statement.end() :]


def ensure_route(project: Path, router: str, schemas: str) -> None:
    """The team's route in ``router`` and its response schema in ``schemas`` (may be one)."""
    if "class TeamStatusResponse(" not in (project / schemas).read_text():
        append(project, schemas, SCHEMA)
    text = (project / router).read_text()
    if router != schemas:
        module = schemas.removesuffix(".py").replace("/", ".")
        (project / router).write_text(import_name(text, module, "TeamStatusResponse"))
    if "async def get_team_status(" not in text:
        append(project, router, ROUTE)


def add_route(project: Path, router: str, schemas: str) -> list[Edit]:
    """A new route with its response schema, in an existing router and schemas module."""
    ensure_route(project, router, schemas)
    redo = partial(ensure_route, router=router, schemas=schemas)
    return [
        Edit("route", router, "async def get_team_status() -> TeamStatusResponse:", redo),
        Edit("its schema", schemas, "class TeamStatusResponse(CustomModel):", redo),
    ]


def team_edits(project: Path, *, installed: bool = False) -> list[Edit]:
    """What a team does to a service in its first weeks, on whatever the render contains.

    Edits are anchored on the old render (history never changes), in places a template is
    unlikely to rewrite, yet realistic: where the template did rewrite them, a conflict is right.
    An ``installed`` service gets its dependency and its migration from uv and Alembic (by the
    caller); otherwise they are written here as those tools would.
    """
    edits = []
    title, rest = (project / "README.md").read_text().split("\n", 1)
    (project / "README.md").write_text(f"{title}\n\nOn call: the payments team.\n{rest}")
    edits.append(Edit("README", "README.md", "On call: the payments team."))
    append(project, ".env", "TEAM_SETTING=kept\n")
    edits.append(Edit(".env", ".env", "TEAM_SETTING=kept"))
    if not installed:
        run(["uv", "add", "--frozen", "humanize>=4.9,<5"], project)
        edits.append(Edit("dependency", "pyproject.toml", '"humanize>=4.9,<5"'))
    src = project / "src"
    if (src / "auth").is_dir():
        old = "and return its clear value."
        replace_once(project, "src/auth/service.py", old, "and return it in clear, once.")
        edits.append(Edit("service body", "src/auth/service.py", "return it in clear, once."))
        edits += add_route(project, "src/auth/router.py", "src/auth/schemas.py")
        edits += add_column(
            project, "auth", "auth_user", "onupdate=func.now()\n    )\n", migration=not installed
        )
    elif (src / "invoices").is_dir():
        old = "newest_first = (Invoice.created_at.desc(), Invoice.id)"
        replace_once(project, "src/invoices/service.py", old, "newest_first = (Invoice.name,)")
        edits.append(Edit("service body", "src/invoices/service.py", "(Invoice.name,)"))
        edits += add_route(project, "src/invoices/router.py", "src/invoices/schemas.py")
        after = "updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))\n"
        edits += add_column(project, "invoices", "invoice", after, migration=not installed)
    else:
        edits += add_route(project, "src/health.py", "src/health.py")
    return edits


# -- What the update must do -------------------------------------------------------------------


def merge_file(ours: bytes, base: bytes, theirs: bytes) -> tuple[bytes, bool]:
    """``git merge-file -p``, as Copier runs it on the hunks ``git apply`` rejects."""
    with tempfile.TemporaryDirectory() as directory:
        paths = []
        for name, content in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(directory) / name
            path.write_bytes(content)
            paths.append(str(path))
        labels = ["-L", "before updating", "-L", "last update", "-L", "after updating"]
        result = subprocess.run(
            ["git", "merge-file", "-p", *labels, *paths], capture_output=True, check=False
        )
    assert result.returncode >= 0, result.stderr
    return result.stdout, result.returncode > 0


@dataclass
class Expected:
    """The tree an update must leave, file by file (``None``: no such file)."""

    files: dict[str, bytes | None] = field(default_factory=dict)
    conflicts: set[str] = field(default_factory=set)
    # Files the team changed and the new version deletes: Copier would delete them too.
    lost: set[str] = field(default_factory=set)


def three_way(base: dict[str, bytes], ours: dict[str, bytes], theirs: dict[str, bytes]) -> Expected:
    expected = Expected()
    for path in sorted(base.keys() | ours.keys() | theirs.keys()):
        if path in SKIPPED_IF_EXISTS and path in ours:
            expected.files[path] = ours[path]
            continue
        if path.endswith(ANSWERS):  # rewritten by Copier, checked on its own
            continue
        old, mine, new = base.get(path), ours.get(path), theirs.get(path)
        if mine is None:  # the team deleted it, or never had it: Copier adds only new files
            expected.files[path] = new if old is None else None
        elif old == new or mine == new:
            expected.files[path] = mine
        elif new is None:
            expected.files[path] = None
            if mine != old:
                expected.lost.add(path)
        elif mine == old:
            expected.files[path] = new
        else:
            merged, conflict = merge_file(mine, old or b"", new)
            expected.files[path] = merged
            if conflict:
                expected.conflicts.add(path)
    return expected


def conflicted(project: Path) -> set[str]:
    """Files with Copier's conflict markers, and ``*.rej`` leftovers."""
    return {
        path
        for path, content in tree(project).items()
        if path.endswith(".rej") or START.encode() in content.splitlines()
    }


def take_theirs(project: Path, paths: set[str]) -> None:
    """Resolve every conflict with the template's side, as a team trusting the template would."""
    for path in paths:
        file = project / path
        file.write_text(CONFLICT.sub(lambda match: match["theirs"], file.read_text()))


def git_state(project: Path) -> dict[str, str]:
    """What an update must never touch in ``.git``: commits, refs, configuration, hooks."""
    git = project / ".git"
    return {
        "HEAD": run(["git", "rev-parse", "HEAD"], project).stdout,
        "refs": run(["git", "for-each-ref"], project).stdout,
        "config": (git / "config").read_text(),
        "hooks": " ".join(sorted(path.name for path in (git / "hooks").iterdir())),
        "log": run(["git", "log", "--format=%H %s"], project).stdout,
    }


def check_update(
    project: Path,
    base: dict[str, bytes],
    theirs: dict[str, bytes],
    edits: list[Edit],
    report: list[str],
    label: str = "service",
) -> set[str]:
    """Compare ``project`` after an update with the three-way expectation; return conflicts."""
    actual = tree(project)
    expected = three_way(base, committed(project), theirs)
    assert expected.lost == set(), (
        f"the new version deletes files the team changed: {sorted(expected.lost)}; "
        "Copier would delete them with the team's work (add a _migrations step, or keep them)"
    )
    conflicts = conflicted(project)
    report.append(f"{label} conflicts: {', '.join(sorted(conflicts)) or 'none'};")
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
