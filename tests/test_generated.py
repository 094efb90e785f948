"""Tier 2: deep answer sets are installed and pass their own strict checks and test suite.

The suites run on a real PostgreSQL: the server from DATABASE_URL or 127.0.0.1:5432 for
``database="server"`` sets, and the embedded one (no URL at all) for ``database="embedded"``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import DEEP_ANSWER_SETS, AnswerSet, run, service_env


def deep(test: Callable[..., None]) -> Callable[..., None]:
    params = [pytest.param(s, id=s.name, marks=[pytest.mark.deep]) for s in DEEP_ANSWER_SETS]
    return pytest.mark.parametrize("answer_set", params)(test)


@deep
def test_mypy_strict(answer_set: AnswerSet, installed: Callable[[AnswerSet], Path]) -> None:
    project = installed(answer_set)

    run([".venv/bin/mypy"], project)


@deep
def test_import_contracts(answer_set: AnswerSet, installed: Callable[[AnswerSet], Path]) -> None:
    project = installed(answer_set)

    result = run([".venv/bin/lint-imports"], project)
    assert "BROKEN" not in result.stdout


@deep
def test_own_suite_passes(answer_set: AnswerSet, installed: Callable[[AnswerSet], Path]) -> None:
    project = installed(answer_set)

    result = run(
        [".venv/bin/pytest", "-q", "-p", "no:cacheprovider"], project, service_env(answer_set)
    )
    assert " passed" in result.stdout
    assert "failed" not in result.stdout
    assert "skipped" not in result.stdout, result.stdout
