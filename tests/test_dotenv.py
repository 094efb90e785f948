"""The rendered suite never reads the developer's ``.env``: a hostile one (insecure cookies,
DEBUG, CORS for every site, another database) changes nothing, and the suite still passes."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import DEEP_ANSWER_SETS, SYSTEM_PATH, AnswerSet, run, service_env

AUTH = next(answer_set for answer_set in DEEP_ANSWER_SETS if answer_set.name == "auth")

HOSTILE_ENV = """\
ENVIRONMENT=production
DEBUG=true
DATABASE_URL=postgresql://nobody:wrong@127.0.0.1:9/somebody_elses_database
CORS_ORIGINS=["*"]
CORS_ALLOW_CREDENTIALS=true
AUTH_SECURE_COOKIES=false
AUTH_JWT_SECRET=short
AUTH_JWT_EXP=PT0S
"""


@pytest.mark.deep
def test_the_suite_ignores_a_hostile_dotenv(
    installed: Callable[[AnswerSet], Path], tmp_path: Path
) -> None:
    original = installed(AUTH)
    project = tmp_path / "service"
    shutil.copytree(original, project, ignore=shutil.ignore_patterns(".venv", ".*_cache"))
    (project / ".env").write_text(HOSTILE_ENV)
    venv = original / ".venv" / "bin"
    env = {**service_env(AUTH, purpose="dotenv"), "PATH": f"{venv}:{SYSTEM_PATH}"}

    result = run(
        [str(venv / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, env
    )

    assert " passed" in result.stdout
    assert "failed" not in result.stdout
