"""The OpenAPI document that clients are generated from (src/openapi.py): operation IDs named
after routes, the error bodies the service sends, links between operations, a valid document."""

import re
from typing import Any

from fastapi import FastAPI, status
from fastapi.exceptions import RequestValidationError
from httpx import ASGITransport, AsyncClient
from openapi_spec_validator import validate

from src import exceptions, openapi
from src.main import app
from tests.routes import api_routes

# Routes are verb phrases (get_post, list_user_posts) that double as url_path_for keys and
# operation IDs. A new verb is welcome here when the name reads as an action.
VERBS = {
    "add", "approve", "cancel", "change", "check", "complete", "confirm", "count", "create",
    "deactivate", "delete", "download", "export", "get", "grant", "import", "invite", "like",
    "list", "publish", "reactivate", "refresh", "register", "reject", "remove", "replace",
    "request", "reset", "resend", "restore", "revoke", "search", "send", "set", "start", "stop",
    "unlike", "update", "upload", "verify",
}  # fmt: skip
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+")


def naming_violations(names: list[str]) -> list[str]:
    """Names that are not unique snake_case verb phrases (``<verb>_<object>``)."""
    violations = [
        f"{name}: not a snake_case verb phrase such as get_post"
        for name in names
        if not SNAKE_CASE.fullmatch(name) or name.split("_")[0] not in VERBS
    ]
    violations += [
        f"{name}: {names.count(name)} routes have this name: rename one"
        for name in sorted(set(names))
        if names.count(name) > 1
    ]
    return violations


def operations(document: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        operation["operationId"]: (f"{method.upper()} {path}", operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


DOCUMENT = app.openapi()
OPERATIONS = operations(DOCUMENT)


def test_document_is_valid_openapi() -> None:
    validate(DOCUMENT)


def test_operation_ids_are_the_route_names() -> None:
    routes = {
        f"{method} {path}": route.name
        for path, route in api_routes(app)
        if route.include_in_schema  # not GET /metrics: a scraper's, not a client's
        for method in route.methods or ()
    }

    assert {label: operation_id for operation_id, (label, _op) in OPERATIONS.items()} == routes


def test_route_names_are_unique_verb_phrases() -> None:
    assert naming_violations([route.name for _path, route in api_routes(app)]) == []


def test_naming_check_catches_nouns_camel_case_and_duplicates() -> None:
    assert naming_violations(["post_list", "getPost", "get_post", "get_post", "list_posts"]) == [
        "post_list: not a snake_case verb phrase such as get_post",
        "getPost: not a snake_case verb phrase such as get_post",
        "get_post: 2 routes have this name: rename one",
    ]


def test_validation_errors_are_documented_with_their_code() -> None:
    schema = DOCUMENT.get("components", {}).get("schemas", {}).get("HTTPValidationError")
    documented = [
        label for label, operation in OPERATIONS.values() if "422" in operation["responses"]
    ]

    assert schema is None or set(schema["required"]) == set(schema["properties"]) == {
        "detail",
        "code",
    }
    assert (schema is None) == (documented == [])


async def test_a_422_body_is_what_the_document_says() -> None:
    sample = FastAPI(generate_unique_id_function=openapi.operation_id)
    sample.add_exception_handler(RequestValidationError, exceptions.validation_error_handler)

    @sample.get("/things/{thing_id}")
    async def get_thing(thing_id: int) -> int:
        return thing_id

    document = openapi.complete(sample.openapi())
    schemas = document["components"]["schemas"]
    async with AsyncClient(transport=ASGITransport(app=sample), base_url="https://test") as client:
        response = await client.get("/things/x")

    body = response.json()
    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
    assert document["paths"]["/things/{thing_id}"]["get"]["operationId"] == "get_thing"
    assert set(body) == set(schemas["HTTPValidationError"]["required"])
    assert body["code"] == "VALIDATION_ERROR"
    item = schemas["ValidationError"]
    for error in body["detail"]:
        assert set(item["required"]) <= set(error) <= set(item["properties"])


def test_links_name_existing_operations_and_their_path_parameters() -> None:
    for source, (_label, operation) in OPERATIONS.items():
        for response in operation["responses"].values():
            for link in response.get("links", {}).values():
                target_label, target = OPERATIONS[link["operationId"]]
                names = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
                assert set(link["parameters"]) == names, f"{source} → {target_label}"


def test_creating_operations_link_to_their_resource() -> None:
    sample: dict[str, tuple[str, dict[str, Any]]] = {
        "create_thing": ("/things", {"responses": {"201": {}}}),
        "get_thing": ("/things/{thing_id}", {"responses": {"200": {}}}),
        "like_thing": ("/things/{thing_id}/likes", {"responses": {"204": {}}}),
        "list_things": ("/things", {"responses": {"200": {}}}),
        "create_part": ("/things/{thing_id}/parts", {"responses": {"201": {}}}),
        "get_part": ("/things/{thing_id}/parts/{part_id}", {"responses": {"200": {}}}),
    }

    assert openapi.resource_links(sample) == {
        "create_thing": {
            "201": {
                "get_thing": {"thing_id": "$response.body#/id"},
                "like_thing": {"thing_id": "$response.body#/id"},
                "create_part": {"thing_id": "$response.body#/id"},
            }
        },
        "create_part": {
            "201": {
                "get_part": {
                    "thing_id": "$request.path.thing_id",
                    "part_id": "$response.body#/id",
                }
            }
        },
    }
