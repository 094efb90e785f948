"""One path variable name per resource, declared return types and documented
routes, checked over the whole route table and OpenAPI document of the service."""

import re
from typing import Any

import pytest
from fastapi import FastAPI, status
from fastapi.routing import APIRoute
from httpx import ASGITransport, AsyncClient
from pydantic import model_validator

from src.main import app
from src.models import CustomModel
from tests.routes import api_routes

RESOURCE = re.compile(r"/([a-z][a-z0-9-]*)/\{([a-z_]+)\}")


def path_variable_violations(paths: list[str]) -> list[str]:
    """Collections whose item is named differently across routes: ``{id}`` and ``{post_id}``."""
    names: dict[str, set[str]] = {}
    for path in paths:
        for collection, variable in RESOURCE.findall(path):
            names.setdefault(collection, set()).add(variable)
    return [
        f"/{collection}/{{...}} uses {sorted(variables)}: pick one name"
        for collection, variables in sorted(names.items())
        if len(variables) > 1
    ]


ROUTES = api_routes(app)


def test_route_table_is_read() -> None:
    assert "/healthz" in [path for path, _route in ROUTES]


def test_one_path_variable_name_per_resource() -> None:
    assert path_variable_violations([path for path, _route in ROUTES]) == []


def test_path_variable_check_catches_two_names() -> None:
    paths = ["/posts/{post_id}", "/posts/{id}/likes", "/users/{user_id}/posts"]

    assert path_variable_violations(paths) == ["/posts/{...} uses ['id', 'post_id']: pick one name"]


@pytest.mark.parametrize("route", [route for _path, route in ROUTES], ids=lambda route: route.name)
def test_routes_declare_status_and_return_model(route: APIRoute) -> None:
    assert route.status_code is not None, "declare status_code"
    if route.status_code != status.HTTP_204_NO_CONTENT:
        assert route.response_model is not None, "annotate the return type"


def documentation_gaps(openapi: dict[str, Any]) -> list[str]:
    """Operations without summary, description or tags, or with undocumented error responses."""
    gaps = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for key in ("summary", "description", "tags"):
                if not operation.get(key):
                    gaps.append(f"{where}: no {key}")
            responses = operation["responses"]
            if "{" in path and "404" not in responses:
                gaps.append(f"{where}: 404 not documented")
            if operation.get("security") and "401" not in responses:
                gaps.append(f"{where}: 401 not documented")
    return gaps


def test_every_operation_is_documented() -> None:
    assert documentation_gaps(app.openapi()) == []


def test_documentation_check_catches_gaps() -> None:
    sample = FastAPI()

    @sample.get("/things/{thing_id}")
    async def get_thing(thing_id: int) -> int:
        return thing_id

    assert documentation_gaps(sample.openapi()) == [
        "GET /things/{thing_id}: no description",
        "GET /things/{thing_id}: no tags",
        "GET /things/{thing_id}: 404 not documented",
    ]


async def test_returned_data_is_validated_once_and_models_twice() -> None:
    """FastAPI dumps a returned model and validates it again; returned data (an ORM object,
    a row mapping) is validated once. Hot routes return data with ``response_model=``."""
    built: list[str] = []

    class Probe(CustomModel):
        value: str

        @model_validator(mode="after")
        def count(self) -> "Probe":
            built.append(self.value)
            return self

    probe = FastAPI()

    @probe.get("/model")
    async def get_model() -> Probe:
        return Probe(value="model")

    @probe.get("/data", response_model=Probe)
    async def get_data() -> dict[str, Any]:
        return {"value": "data"}

    async with AsyncClient(transport=ASGITransport(app=probe), base_url="https://test") as client:
        model = await client.get("/model")
        data = await client.get("/data")

    assert model.json() == {"value": "model"}
    assert data.json() == {"value": "data"}
    assert built.count("model") == 2
    assert built.count("data") == 1
