"""Registration of the template's filters and derived context.

Copier loads these classes by file path through
``copier_template_extensions.TemplateExtensionLoader`` (see ``_jinja_extensions`` in
``copier.yml``). They only wire the pure functions of ``extensions/names.py`` into Jinja.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from copier_template_extensions import ContextHook
from jinja2.ext import Extension

if TYPE_CHECKING:
    from types import ModuleType

    from jinja2 import Environment


def _load(name: str) -> ModuleType:
    # Copier imports this file by path, not as part of a package: load the sibling module the
    # same way so it works from a template checkout, a cached clone and the test suite alike.
    # An update runs the old and the new template's extensions in one process (the old first):
    # the module name carries a hash of the file's content, so each version runs its own code.
    path = Path(__file__).with_name(f"{name}.py")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    module_name = f"copier_fastapi_practices_{name}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        msg = f"cannot load {path}"
        raise ImportError(msg)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


names = _load("names")
project = _load("project")


class NameFilters(Extension):
    """Filters usable in ``copier.yml`` (defaults, validators) and in template files."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["slugify"] = names.slugify
        environment.filters["is_distribution_name"] = names.is_distribution_name
        environment.filters["is_email"] = names.is_email
        environment.filters["existing_domains"] = project.existing_domains
        environment.filters["domain_collides"] = project.domain_collides
        environment.filters["is_identifier"] = names.is_identifier
        environment.filters["name_clash"] = names.name_clash
        environment.filters["sort_imports"] = names.sort_imports
        environment.tests["core_name"] = project.CORE_NAMES.__contains__


class ContextUpdater(ContextHook):
    """Derive values from the answers once, so files do not repeat the computation."""

    def hook(self, context: dict[str, Any]) -> None:
        if "python_version" in context:
            context["python_tag"] = names.python_tag(context["python_version"])
        if context.get("kind") == "domain" and names.is_identifier(context.get("domain_name", "")):
            context.update(names.domain_names(context["domain_name"]))
