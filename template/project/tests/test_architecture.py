"""Explicit cross-domain imports and async dependencies, checked on the source."""

import ast
import inspect
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant

from src.database import DbDep, ReadDbDep, get_db, get_read_db
from src.domains import SRC, domain_names
from src.main import app
from tests.routes import api_routes

# Sync dependencies run in the thread pool (40 threads by default): list each exception here with
# the reason it must block.
SYNC_DEPENDENCIES_ALLOWED: dict[str, str] = {}


def cross_domain_import_violations(source: str, domain: str, domains: list[str]) -> list[str]:
    """``from src.other.module import name`` inside ``domain``; import the module instead."""
    violations = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] == "src" and len(parts) > 2 and parts[1] in domains and parts[1] != domain:
                other = parts[1]
                violations.append(
                    f"line {node.lineno}: from {node.module} import ... -> "
                    f"from src.{other} import {parts[2]} as {other}_{parts[2]}"
                )
    return violations


def test_domains_import_each_other_by_module() -> None:
    domains = domain_names()
    violations = {
        str(path.relative_to(SRC)): found
        for domain in domains
        for path in (SRC / domain).rglob("*.py")
        if (found := cross_domain_import_violations(path.read_text(), domain, domains))
    }

    assert violations == {}


def test_cross_domain_check_catches_name_imports() -> None:
    source = (
        "from src.auth import service as auth_service\n"
        "from src.auth.service import get_user\n"
        "from src.posts.schemas import PostResponse\n"
    )

    assert cross_domain_import_violations(source, "posts", ["auth", "posts"]) == [
        "line 2: from src.auth.service import ... -> from src.auth import service as auth_service"
    ]


def dependency_calls(application: FastAPI) -> Iterator[Callable[..., Any]]:
    def walk(dependant: Any) -> Iterator[Callable[..., Any]]:
        for sub in dependant.dependencies:
            if sub.call is not None:
                yield sub.call
            yield from walk(sub)

    for _path, route in api_routes(application):
        yield from walk(route.dependant)


def dependency_name(call: Callable[..., Any]) -> str:
    return f"{call.__module__}.{getattr(call, '__qualname__', type(call).__qualname__)}"


def sync_dependencies(application: FastAPI) -> set[str]:
    sync = set()
    for call in dependency_calls(application):
        target = call if inspect.isroutine(call) else type(call).__call__
        if not (inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)):
            sync.add(dependency_name(call))
    return sync


def test_dependencies_are_async() -> None:
    checked = {dependency_name(call) for call in dependency_calls(app)}

    assert dependency_name(get_db) in checked  # the walk reaches nested routers
    assert sync_dependencies(app) - set(SYNC_DEPENDENCIES_ALLOWED) == set()


def test_sync_dependency_check_catches_sync_dependencies() -> None:
    def blocking_dependency() -> int:
        return 1

    async def async_dependency() -> int:
        return 1

    sample = FastAPI()

    @sample.get("/")
    async def route(
        a: Annotated[int, Depends(blocking_dependency)],
        b: Annotated[int, Depends(async_dependency)],
    ) -> int:
        return a + b

    assert sync_dependencies(sample) == {
        f"{__name__}.test_sync_dependency_check_catches_sync_dependencies.<locals>.blocking_dependency"
    }


def routes_on_two_connections(application: FastAPI) -> list[str]:
    """Routes that take both ``DbDep`` and ``ReadDbDep``: the unit of work holds a connection
    while a read waits for a second one, and a burst of such requests empties the pool (503s)."""
    found = []
    for path, route in api_routes(application):
        calls = set(route_dependency_calls(route.dependant))
        if get_db in calls and get_read_db in calls:
            found.append(f"{sorted(route.methods or ())} {path}")
    return found


def route_dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from route_dependency_calls(sub)


def test_no_route_reads_and_writes_on_two_connections() -> None:
    assert routes_on_two_connections(app) == []


def test_two_connection_check_catches_a_mixed_route() -> None:
    sample = FastAPI()

    @sample.get("/mixed")
    async def mixed(db: DbDep, reads: ReadDbDep) -> None:
        return None

    assert routes_on_two_connections(sample) == ["['GET'] /mixed"]
