from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import AnswerSet, render, run, run_unchecked, service_env

# As root, a service's embedded PostgreSQL runs as an unprivileged user, which must reach the
# binaries in the installed services' .venv: pytest's own temporary root is private (0700) and
# pytest resets its mode, so root's runs use a directory of their own that others can traverse.
ROOT_BASETEMP = "_template_tests_root_basetemp"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if os.geteuid() != 0 or config.option.basetemp or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    base = Path(tempfile.mkdtemp(prefix="template-tests-"))
    base.chmod(0o755)
    config.option.basetemp = str(base)
    setattr(config, ROOT_BASETEMP, base)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    base = getattr(session.config, ROOT_BASETEMP, None)
    if base is not None and exitstatus == 0:  # a failed run's files stay for a look
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Callable[[AnswerSet], Path]:
    """Render each answer set once per session (per xdist worker) and reuse the tree."""
    cache: dict[str, Path] = {}

    def get(answer_set: AnswerSet) -> Path:
        if answer_set.name not in cache:
            destination = tmp_path_factory.mktemp(answer_set.name) / "service"
            cache[answer_set.name] = render(destination, answer_set.answers)
        return cache[answer_set.name]

    return get


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Callable[[AnswerSet], Path]:
    """Render and ``uv sync`` a deep answer set once per run, shared by the xdist workers.

    A render of its own: tier 1 inspects pristine renders, without ``.venv`` or ``uv.lock``.
    Tests that change files work on a copy (they use the virtualenv in place).
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = shared / "installed"
    root.mkdir(exist_ok=True)

    def get(answer_set: AnswerSet) -> Path:
        project = root / answer_set.name / "service"
        with (root / f"{answer_set.name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker waits for the first install
            done = project.parent / "installed"
            if not done.exists():  # a failed install is redone from scratch
                shutil.rmtree(project, ignore_errors=True)
                render(project, answer_set.answers)
                run(["git", "init", "-q"], project)
                command = ["uv", "sync", "--python", answer_set.python_version, "-q"]
                run(command, project, service_env(answer_set))
                if answer_set.answers.get("client"):  # the after-copy message's next step
                    # scripts/client without its `uv run`: the environment is synced already,
                    # and the generator's formatting hooks find ruff on PATH.
                    path = f"{project / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
                    command = [".venv/bin/python", "-m", "scripts.clients"]
                    run(command, project, {"PATH": path})
                # Fills .mypy_cache, which copies of this tree take along (a copy's mypy run then
                # checks only what changed). Its verdict is test_mypy_strict's: a module with
                # errors is never cached.
                run_unchecked([".venv/bin/mypy"], project)
                done.touch()
        return project

    return get


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository's history, then the working tree committed and tagged ``versions.NEW``."""
    from tests.versions import build_template_repo

    return build_template_repo(tmp_path_factory.mktemp("template-repo"))
