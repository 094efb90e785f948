"""The README's quick start works as written (answering the questions with their defaults)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.helpers import TEMPLATE_ROOT, run
from tests.versions import commit_all


def quick_start_commands() -> list[str]:
    readme = (TEMPLATE_ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the quick start has no sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_has_two_commands() -> None:
    scaffold, test = quick_start_commands()

    assert scaffold.startswith("uvx --with copier-template-extensions copier copy --trust")
    assert test == "uv run pytest"
    assert "uv run pytest" in (TEMPLATE_ROOT / ".ci" / "run").read_text().splitlines()


def test_scaffold_command_as_written(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(TEMPLATE_ROOT), str(clone)], tmp_path)
    scaffold = quick_start_commands()[0]

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
