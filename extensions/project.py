"""Read-only looks at the destination service, for validators of the ``domain`` kind.

They only list files (no network, git or subprocess) and are unit-tested on temporary folders.
"""

from __future__ import annotations

from pathlib import Path

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
        "logs",
        "main",
        "middleware",
        "models",
        "pagination",
        "rate_limits",
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
