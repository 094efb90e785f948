"""The OpenAPI document as clients and fuzzers read it: operation IDs named after the routes,
the error bodies the service really sends, and links from the operation that creates a resource
to the operations that use it.

Generated clients name their functions after operation IDs (``create_post`` rather than FastAPI's
``create_post_posts_post``), so these IDs are part of the API: renaming a route renames a client
function. ``scripts/client --check`` fails when the committed document falls behind
(docs/clients.md).
"""

import re
from typing import Any

from fastapi.routing import APIRoute

# Links that the shape of the paths does not give (see ``resource_links``): from an operation's
# response to the path parameters of another, by operation ID. An entry whose operations are not
# in the service (a domain left out) is skipped.
#   {source: {status: {target: {parameter: runtime expression}}}}
LINKS: dict[str, dict[str, dict[str, dict[str, str]]]] = {
    "register_user": {"201": {"list_user_posts": {"user_id": "$response.body#/id"}}},
    "get_my_user": {"200": {"list_user_posts": {"user_id": "$response.body#/id"}}},
    "get_post": {"200": {"list_user_posts": {"user_id": "$response.body#/creator/id"}}},
    "create_prime_count": {"202": {"get_job": {"job_id": "$response.body#/id"}}},
}

# Operations that also answer without a token (an anonymous reader sees what is public): their
# security requirement is optional in the document ({} among the alternatives), so clients and
# fuzzers know a 2xx without a token is right there, and a wrong one everywhere else.
ANONYMOUS = {"list_posts", "get_post", "list_user_posts"}

# The body of a 422, as src/exceptions.py's validation handler sends it (FastAPI's default
# schema, HTTPValidationError, has no ``code``).
VALIDATION_ERROR_CODE = {
    "type": "string",
    "title": "Code",
    "description": "VALIDATION_ERROR: the request does not match the operation's parameters.",
}

PATH_PARAMETER = re.compile(r"\{([^}]+)\}")
CREATED = ("201", "202")


def operation_id(route: APIRoute) -> str:
    """The route function's name: a verb phrase (``create_post``), also its ``url_path_for`` key.

    Route names are unique in the service (tests/test_openapi.py), so no prefix is needed; a
    ``<tag>-<name>`` fallback would rename a client function whenever another domain adds a route
    of the same name, which is worse than a failing test that asks for another name.
    """
    return route.name


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """Add what FastAPI cannot know to its ``document``, in place (so twice is like once)."""
    schemas = document.get("components", {}).get("schemas", {})
    if validation_error := schemas.get("HTTPValidationError"):
        validation_error["properties"]["code"] = VALIDATION_ERROR_CODE
        validation_error["required"] = ["detail", "code"]
    operations = {
        operation["operationId"]: (path, operation)
        for path, methods in document.get("paths", {}).items()
        for operation in methods.values()
    }
    for operation_id in ANONYMOUS & operations.keys():
        security = operations[operation_id][1].get("security")
        if security and {} not in security:
            security.append({})
    for source, responses in links(operations).items():
        for status_code, targets in responses.items():
            response = operations[source][1]["responses"].get(status_code)
            if response is None:
                continue
            response["links"] = {
                target: {"operationId": target, "parameters": parameters}
                for target, parameters in sorted(targets.items())
            }
    return document


def links(
    operations: dict[str, tuple[str, dict[str, Any]]],
) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
    """``LINKS`` plus ``resource_links``, for the operations the service has."""
    found = resource_links(operations)
    for source, responses in LINKS.items():
        if source not in operations:
            continue
        for status_code, targets in responses.items():
            for target, parameters in targets.items():
                if target in operations:
                    found.setdefault(source, {}).setdefault(status_code, {})[target] = parameters
    return found


def resource_links(
    operations: dict[str, tuple[str, dict[str, Any]]],
) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
    """An operation that creates (201/202) at ``/posts`` links to every operation at
    ``/posts/{post_id}...``: the ``id`` of its response body fills the new path parameter, its
    own path parameters (if any) carry over."""
    found: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
    for source, (path, operation) in operations.items():
        own = PATH_PARAMETER.findall(path)
        for status_code in (code for code in CREATED if code in operation["responses"]):
            for target, (target_path, _target) in operations.items():
                if not target_path.startswith(path.rstrip("/") + "/{"):
                    continue
                new = [name for name in PATH_PARAMETER.findall(target_path) if name not in own]
                if len(new) != 1:
                    continue
                parameters = {name: f"$request.path.{name}" for name in own}
                parameters[new[0]] = "$response.body#/id"
                found.setdefault(source, {}).setdefault(status_code, {})[target] = parameters
    return found
