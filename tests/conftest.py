from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import AnswerSet, render, run, service_env


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
    """Render and ``uv sync`` a deep answer set once per session (per xdist worker).

    A render of its own: tier 1 inspects pristine renders, without ``.venv`` or ``uv.lock``.
    """
    cache: dict[str, Path] = {}

    def get(answer_set: AnswerSet) -> Path:
        if answer_set.name not in cache:
            project = render(
                tmp_path_factory.mktemp(answer_set.name) / "service", answer_set.answers
            )
            run(["git", "init", "-q"], project)
            command = ["uv", "sync", "--python", answer_set.python_version, "-q"]
            run(command, project, service_env(answer_set))
            cache[answer_set.name] = project
        return cache[answer_set.name]

    return get


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository of the template tagged v1.0.0 (previous) and v1.1.0 (current)."""
    from tests.versions import build_template_repo

    return build_template_repo(tmp_path_factory.mktemp("template-repo"))
