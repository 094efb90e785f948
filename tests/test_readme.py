"""The READMEs work as written: the template's quick start, and the rendered service's commands
on a laptop without PostgreSQL and against a server whose database does not exist yet."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import copier
import pytest

from tests.helpers import (
    DEPENDENCIES_AS_OF,
    TEMPLATE_ROOT,
    query,
    run,
    run_unchecked,
    server_database_url,
)
from tests.versions import NEW, commit_all


def sh_blocks(readme: str, heading: str) -> list[list[str]]:
    """The ``sh`` blocks of the section ``heading``: their commands, without comments."""
    section = readme.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
    return [
        [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]
        for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    ]


def template_readme() -> str:
    return (TEMPLATE_ROOT / "README.md").read_text()


def test_quick_start_is_unambiguous() -> None:
    """One command generates, the next block works in the service, and the template's own
    tests have a section of their own (not "the second" command of a list)."""
    generate, service = sh_blocks(template_readme(), "## Quick start")
    (template_tests,) = sh_blocks(template_readme(), "## Test the template")

    assert generate == [
        'uvx --with copier-template-extensions copier copy --trust "$PWD" ../my-service'
    ]
    assert service[0] == "cd ../my-service"
    assert {"uv sync", "uv run pytest -n auto", "scripts/start"} <= set(service)
    assert template_tests == ["uv run pytest"]
    assert "uv run pytest" in (TEMPLATE_ROOT / ".ci" / "run").read_text().splitlines()


def test_scaffold_command_as_written(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(TEMPLATE_ROOT), str(clone)], tmp_path)
    (scaffold,) = sh_blocks(template_readme(), "## Quick start")[0]

    run([*shlex.split(scaffold.replace('"$PWD"', str(clone))), "--defaults"], clone)

    service = tmp_path / "my-service"
    assert (service / "src" / "main.py").is_file()
    assert f"_src_path: {clone}" in (service / ".copier-answers.yml").read_text()

    # The service's own commands for the other two generations, as the README shows them.
    run(["git", "init", "-q"], service)
    commit_all(service, "Generate")
    run(["scripts/new-domain", "invoices"], service)
    assert (service / "src" / "invoices" / "router.py").is_file()
    assert (service / ".copier" / "domain-invoices.yml").is_file()
    commit_all(service, "Add invoices")
    head = run(["git", "rev-parse", "HEAD"], service).stdout

    run(["scripts/update-all"], service)

    assert run(["git", "rev-parse", "HEAD"], service).stdout == head  # same version: no change
    assert run(["git", "status", "--porcelain"], service).stdout == ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, timeout: float) -> int:
    """The status of the first answer from ``url`` within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def start_and_stop(project: Path, command: str, env: dict[str, str]) -> str:
    """Run ``scripts/start`` until the service is ready, then Ctrl-C it; return its output."""
    port = free_port()
    with subprocess.Popen(
        [*shlex.split(command), "--port", str(port)],
        cwd=project,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as in a terminal
    ) as server:
        try:
            assert wait_for(f"http://127.0.0.1:{port}/readyz", timeout=180) == 200
            assert wait_for(f"http://127.0.0.1:{port}/docs", timeout=5) == 200
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                assert answer.headers["server"] is None  # uvicorn's --no-server-header
            time.sleep(3)  # the embedded server writes its files meanwhile
        finally:
            os.killpg(server.pid, signal.SIGINT)  # Ctrl-C reaches the whole group
            output, _ = server.communicate(timeout=60)
    assert server.returncode in {0, 130}, output  # 130: ended by Ctrl-C (SIGINT)
    return output


def server_databases(project: Path, server: str, prefix: str) -> set[str]:
    """Names of the databases on ``server`` that start with ``prefix``."""
    listed = query(project, server, "SELECT string_agg(datname, ' ') FROM pg_database").split()
    return {name for name in listed if name.startswith(prefix)}


@pytest.mark.deep
@pytest.mark.parametrize("database", ["embedded", "server"])
def test_service_commands_as_documented(database: str, template_repo: Path, tmp_path: Path) -> None:
    """Sync, migrate (revision + upgrade), start, add a domain, test: the commands of the
    service's README, with no DATABASE_URL and no server (``embedded``), then with a URL to a
    server whose database does not exist yet (``server``)."""
    project = tmp_path / "service"
    copier.run_copy(
        str(template_repo), project, defaults=True, unsafe=True, vcs_ref=NEW, quiet=True
    )
    run(["git", "init", "-q"], project)
    commit_all(project, "Generate")
    readme = (project / "README.md").read_text()
    env = {"DATABASE_URL": "", "TEST_DATABASE_URL": ""}
    if DEPENDENCIES_AS_OF != "latest":
        env["UV_EXCLUDE_NEWER"] = DEPENDENCIES_AS_OF
    server = server_database_url() if database == "server" else None
    name = f"{os.environ.get('TEMPLATE_TEST_DB_PREFIX', 'cfp')}_readme_{uuid.uuid4().hex[:8]}"
    if database == "server":
        if server is None:
            assert not os.environ.get("CI"), "CI needs a PostgreSQL server for this test"
            pytest.skip("no PostgreSQL server at DATABASE_URL or 127.0.0.1:5432")
        env["DATABASE_URL"] = f"{server.rsplit('/', 1)[0]}/{name}"
    else:
        assert "\nDATABASE_URL=" not in (project / ".env").read_text()

    (sync, test, start) = sh_blocks(readme, "## Quick start")[0]
    try:
        run(shlex.split(sync), project, env)
        version = run([".venv/bin/python", "--version"], project).stdout
        assert version.startswith(f"Python {(project / '.python-version').read_text().strip()}.")
        revision, upgrade = sh_blocks(readme, "## Migrations")[0]
        run(shlex.split(revision), project, env)
        run(shlex.split(upgrade), project, env)
        output = start_and_stop(project, start, env)
        assert f"Will watch for changes in these directories: ['{project / 'src'}']" in output
        assert "change detected" not in output
        domain = sh_blocks(readme, "## Add a domain")[0]
        assert domain[-1] == test  # the suite runs once, with the new domain
        for command in domain:
            run(shlex.split(command), project, env, timeout=900)
        again = run_unchecked(shlex.split(domain[0]), project, env)  # the same domain again
        assert again.returncode == 1, again.stdout
        assert "exists already" in again.stdout
        run(shlex.split(upgrade), project, env)
        assert "(head)" in run(["uv", "run", "alembic", "current"], project, env).stdout
    finally:
        if server is not None and (project / ".venv").is_dir():
            left = server_databases(project, server, name)
            query(project, server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if server is None:
        assert (project / ".postgres" / "PG_VERSION").is_file()
        assert not (project / ".postgres" / "postmaster.pid").exists()  # stopped with the command
    else:
        assert not (project / ".postgres").exists()
        assert left == {name}  # created by the commands; the suite left none of its own
