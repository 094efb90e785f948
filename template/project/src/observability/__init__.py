"""Observability the service was generated with (the ``observability`` answer): each module of
this package wires one concern into the app, found here as the domains are in src/domains.py."""

import importlib
import pkgutil

from fastapi import FastAPI


def instrument(app: FastAPI) -> None:
    """Call ``instrument(app)`` of every module in this package (none: nothing to wire)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}").instrument(app)
