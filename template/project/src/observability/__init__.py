"""Observability the service was generated with (the ``observability`` answer): each module of
this package wires one concern into the app, found here as the domains are in src/domains.py."""

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from fastapi import FastAPI


def _modules() -> Iterator[ModuleType]:
    for module in pkgutil.iter_modules(__path__):
        yield importlib.import_module(f"{__name__}.{module.name}")


def instrument(app: FastAPI) -> None:
    """Call ``instrument(app)`` of every module in this package (none: nothing to wire)."""
    for module in _modules():
        module.instrument(app)


def worker_middlewares(config: Any) -> list[Any]:
    """The worker's taskiq middlewares, from the modules that watch it too (``src/worker.py``
    calls this with its ``WorkerConfig``; each such module has ``worker_middlewares(config)``)."""
    found: list[Any] = []
    for module in _modules():
        if hook := getattr(module, "worker_middlewares", None):
            found.extend(hook(config))
    return found
