"""Tier 0: every templated path and body parses, with the filters the template registers."""

from pathlib import Path

import jinja2
import pytest
import yaml

from extensions.context import NameFilters
from tests.helpers import TEMPLATE_ROOT

TEMPLATE_DIR = TEMPLATE_ROOT / "template"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    NameFilters(env)
    return env


def template_paths() -> list[Path]:
    return sorted(path for path in TEMPLATE_DIR.rglob("*") if path.is_file())


@pytest.mark.parametrize("path", template_paths(), ids=lambda p: str(p.relative_to(TEMPLATE_DIR)))
def test_path_and_body_parse(path: Path) -> None:
    env = environment()
    env.parse(str(path.relative_to(TEMPLATE_DIR)))
    if path.suffix == ".jinja":
        env.parse(path.read_text())


def test_copier_yml_templates_parse() -> None:
    config = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())
    env = environment()
    for text in _strings(config):
        env.parse(text)
    assert config["_envops"]["undefined"] == "jinja2.StrictUndefined"


def test_each_kind_has_an_answers_file_template() -> None:
    kinds = [path for path in TEMPLATE_DIR.iterdir() if path.is_dir()]

    assert kinds
    for kind in kinds:
        assert (kind / "{{_copier_conf.answers_file}}.jinja").is_file(), kind.name


def test_plain_python_files_need_no_jinja() -> None:
    """Files without the .jinja suffix are copied verbatim: they must not contain Jinja tags."""
    offenders = [
        str(path.relative_to(TEMPLATE_DIR))
        for path in template_paths()
        if path.suffix == ".py" and ("{%" in path.read_text() or "{{ " in path.read_text())
    ]

    assert offenders == []


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []
