"""Read-only looks at the destination service, for validators of the ``domain`` kind.

They only list files (no network, git or subprocess) and are unit-tested on temporary folders.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from copier.errors import UserMessageError

# Modules and folders of the core service: a domain with one of these names would shadow them.
CORE_NAMES = frozenset(
    {
        "alembic",
        "config",
        "constants",
        "database",
        "domains",
        "exceptions",
        "health",
        "main",
        "models",
        "pagination",
        "scripts",
        "src",
        "tests",
        "worker",
    }
)


def existing_domains(path: str | Path) -> list[str]:
    """The domain packages of the service at ``path`` (``src/<name>/__init__.py``)."""
    return sorted(init.parent.name for init in (Path(path) / "src").glob("*/__init__.py"))


def domain_collides(path: str | Path, name: str) -> bool:
    """``src/<name>/`` exists and is not this template's domain of that name.

    A domain generated earlier has ``.copier/domain-<name>.yml``: updating it is no collision.
    """
    root = Path(path)
    return (root / "src" / name).exists() and not (root / ".copier" / f"domain-{name}.yml").exists()


def refuse_unknown(answer: object, question: str, choices: list[str]) -> bool:
    """``True`` when ``answer`` (one value or a list) holds only ``choices``; else refuse it.

    An answers file written by an older template can hold a choice this one no longer has.
    Copier would drop that answer without a word and use the default instead (for ``domains``,
    none: an update would delete every domain); the message names the valid choices.
    """
    if isinstance(answer, str) and answer.lstrip().startswith("["):
        # A list given on the command line (-d 'domains=[auth]') is still YAML text here.
        try:
            answer = yaml.safe_load(answer)
        except yaml.YAMLError:
            return True  # Copier refuses it when it parses the question's answer
    items = answer if isinstance(answer, list) else [answer]
    unknown = [str(item) for item in items if item not in choices]
    if not unknown:
        return True
    example = f"[{choices[0]}]" if isinstance(answer, list) else choices[0]
    msg = (
        f"{question}: {', '.join(unknown)} is not a choice of this template.\n"
        f"Valid choices: {', '.join(choices)}. Answer it again, e.g. with\n"
        f"  -d '{question}={example}'"
    )
    raise UserMessageError(msg)
