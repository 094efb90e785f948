"""Recorded answers through an update: move a renamed question's answer, refuse lost ones.

Run by ``copier update`` before anything is written (``_migrations`` in ``copier.yml``). Copier
drops a recorded answer the new version cannot take (a choice it no longer offers, a question it
no longer asks) and, under ``--defaults``, uses the question's default instead: a domain would
vanish with its files and nobody would be told. ``check`` names the answer and the valid
choices and stops the update; ``rename`` moves an answer to a question's new name first.

    python answers.py check ANSWERS_FILE TEMPLATE_DIR DATA_JSON DEFAULTS
    python answers.py rename ANSWERS_FILE OLD_NAME NEW_NAME
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml


def choices_of(question: dict[str, Any]) -> list[Any] | None:
    """The values a question accepts (``choices`` as a list, or a label -> value mapping)."""
    choices = question.get("choices")
    if isinstance(choices, dict):
        return list(choices.values())
    if isinstance(choices, list):
        return choices
    return None


def unknown_questions(questions: dict[str, Any], recorded: dict[str, Any]) -> list[str]:
    """Recorded answers to questions this version no longer asks (a rename needs a migration)."""
    return [
        f"{name}: {value!r} answers a question this template version no longer has"
        for name, value in recorded.items()
        if not name.startswith("_") and not isinstance(questions.get(name), dict)
    ]


def invalid_choices(
    questions: dict[str, Any], recorded: dict[str, Any], data: dict[str, Any]
) -> list[str]:
    """Recorded answers that are not among their question's choices, unless answered again."""
    found = []
    for name, value in recorded.items():
        question = questions.get(name)
        if name in data or not isinstance(question, dict):
            continue
        valid = choices_of(question)
        if valid is None:
            continue
        values = value if question.get("multiselect") and isinstance(value, list) else [value]
        if unknown := [item for item in values if item not in valid]:
            found.append(
                f"{name}: {', '.join(map(repr, unknown))} is not a choice of this template "
                f"version (valid choices: {', '.join(map(repr, valid))})"
            )
    return found


def rename(answers_file: str, old: str, new: str) -> int:
    """Move the answer recorded under ``old`` to ``new`` (Copier rewrites the file afterwards)."""
    path = Path(answers_file)
    recorded = yaml.safe_load(path.read_text()) or {}
    if old in recorded and new not in recorded:
        recorded[new] = recorded.pop(old)
        path.write_text(yaml.safe_dump(recorded, sort_keys=False, allow_unicode=True))
    return 0


def check(answers_file: str, template: str, data: str, defaults: str) -> int:
    questions = yaml.safe_load((Path(template) / "copier.yml").read_text())
    recorded = yaml.safe_load(Path(answers_file).read_text()) or {}
    lost = unknown_questions(questions, recorded)
    invalid = invalid_choices(questions, recorded, json.loads(data))
    if not lost and not (invalid and defaults == "True"):
        for problem in invalid:  # asked again: say why the old answer is not proposed
            print(f"{answers_file}: {problem}; answer again.", file=sys.stderr)
        return 0
    print(f"{answers_file} holds answers this template version cannot apply:", file=sys.stderr)
    for problem in lost + invalid:
        print(f"  {problem}", file=sys.stderr)
    print(
        "Nothing was changed. Answer again with -d (for example -d 'domains=[\"auth\"]'), or "
        "update without --defaults to be asked."
        if not lost
        else "Nothing was changed: this template version misses a migration of its answers; "
        "please report it to the template's maintainers.",
        file=sys.stderr,
    )
    return 1


def main(argv: list[str]) -> int:
    command, *arguments = argv[1:]
    return {"check": check, "rename": rename}[command](*arguments)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
