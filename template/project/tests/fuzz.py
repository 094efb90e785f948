"""Contract fuzzing with Schemathesis over the service's own OpenAPI schema.

Each domain fuzzes its operations in ``tests/<domain>/test_api.py`` through the ``client``
fixture (one rolled-back transaction per operation), with a bearer token so protected routes run
past authentication. The checks are Schemathesis' defaults: no 5xx, documented status codes,
content types and headers, responses valid against their schema, schema-invalid requests
rejected and schema-valid ones accepted. Bounded (``max_examples``) and deterministic
(``derandomize``): the same cases on every run.
"""

import uuid
from collections.abc import Mapping
from typing import Any

import schemathesis
from httpx import AsyncClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.checks import CheckFunction

from src.main import app

# The schema the service serves (built here even where /openapi.json is hidden).
schema = schemathesis.openapi.from_dict(app.openapi())

# EmailStr refuses addresses that cannot receive mail (x@host.test, x@localhost), which
# "format: email" does not say: valid cases use deliverable-looking addresses. (st.emails() would
# do too, at ten times the cost: it draws domains from the whole IANA list.)
LOCAL_PARTS = st.from_regex(r"[a-z0-9]{1,12}(\.[a-z0-9_+-]{1,12}){0,2}", fullmatch=True)
schemathesis.openapi.format("email", LOCAL_PARTS.map(lambda local: f"{local}@example.com"))

Case = schemathesis.Case[Any]

# Examples share the test's client and session on purpose: their writes roll back together.
SETTINGS = settings(
    max_examples=20,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def call_and_validate(
    client: AsyncClient,
    case: Case,
    *,
    headers: Mapping[str, str] | None = None,
    path_parameters: Mapping[str, str] | None = None,
    excluded_checks: list[CheckFunction] | None = None,
) -> None:
    """Send ``case`` through ``client`` and run every check on the response.

    ``path_parameters`` replace generated ids (but not invalid ones), so cases reach existing
    resources instead of stopping at a 404.
    """
    for name, value in (path_parameters or {}).items():
        if _is_uuid(case.path_parameters.get(name)):
            case.path_parameters[name] = value
    kwargs = case.as_transport_kwargs(headers=dict(headers or {}))
    # httpx deprecates per-request cookies: send them as the header they become.
    if cookies := kwargs.pop("cookies", None):
        kwargs["headers"]["Cookie"] = "; ".join(f"{key}={value}" for key, value in cookies.items())
    # Raw bodies (malformed JSON, other media types) are httpx's content=, not data=.
    if isinstance(kwargs.get("data"), bytes | str):
        kwargs["content"] = kwargs.pop("data")
    # Multipart parts (name, (filename, value, ...)): httpx sends text or bytes, requests (whose
    # format these are) also a number, as its text.
    excluded = list(excluded_checks or [])
    if files := kwargs.get("files"):
        kwargs["files"] = [(name, _text_or_bytes(*part)) for name, part in files]
        # A multipart part is text: a "wrong type" (a number) arrives as the valid text "9".
        if any(not isinstance(part[1], str | bytes) for _name, part in files):
            excluded.append(checks.negative_data_rejection)
    response = await client.request(**kwargs)
    await response.request.aread()  # a multipart body is streamed: the checks read it again
    case.validate_response(response, excluded_checks=excluded)


def _text_or_bytes(filename: str | None, value: object, *rest: Any) -> tuple[Any, ...]:
    return (filename, value if isinstance(value, str | bytes) else str(value), *rest)


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
