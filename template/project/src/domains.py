"""Discovery of domain packages, so adding a domain never requires editing a wiring file.

A domain is a package directly under ``src/``. ``main.py`` includes every ``router.py`` found
here and ``alembic/env.py`` imports every ``models.py`` so the metadata knows all tables.
"""

import importlib
from pathlib import Path
from types import ModuleType

from fastapi import APIRouter

SRC = Path(__file__).parent


def domain_names() -> list[str]:
    return sorted(path.parent.name for path in SRC.glob("*/__init__.py"))


def import_domain_modules(module: str) -> list[ModuleType]:
    """Import ``src.<domain>.<module>`` for every domain that has that module."""
    return [
        importlib.import_module(f"src.{domain}.{module}")
        for domain in domain_names()
        if (SRC / domain / f"{module}.py").is_file()
    ]


def domain_routers() -> list[APIRouter]:
    routers = []
    for module in import_domain_modules("router"):
        router = module.router
        if not isinstance(router, APIRouter):
            msg = f"{module.__name__}.router must be a fastapi.APIRouter"
            raise TypeError(msg)
        routers.append(router)
    return routers
