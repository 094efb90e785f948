"""Contract fuzzing with Schemathesis over the service's own OpenAPI document.

Each operation is one pytest test named after its operation ID
(``tests/posts/test_api.py::test_posts_api[update_post]``); ``tests/test_api.py`` adds the
stateful run over the document's links (create → read → update → delete chains) and a no-token
and bad-token request to every secured operation.

Requests reach a second instance of the app in-process (Schemathesis' ASGI transport), with its
own pool on the test database: writes commit for real, as in production, and every table is
emptied after each test. Every check Schemathesis has runs on every response (its CLI's
``--checks all``): no 5xx; documented status codes, content types and headers; bodies valid
against their schema; schema-invalid requests refused and valid ones accepted; a secured
operation that answers 2xx is asked again without its token and with a bad one (both must be
refused); missing required headers and unsupported methods; in the stateful run, a deleted
resource must be gone and a created one readable.

Profiles (``FUZZ_PROFILE``):
- ``fast`` (default, the local loop): a few examples per operation, derandomized (the same
  cases every run), no coverage phase, a short stateful run;
- ``ci`` (the generated CI sets it): 500 examples per operation (``FUZZ_EXAMPLES``),
  the coverage phase's boundary values and unsupported methods, 200 stateful scenarios, and a new
  random seed every run, printed with any failure; ``FUZZ_SEED=<seed>`` replays it.
"""

import asyncio
import os
import random
import sys
import uuid
import zlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.checks import CheckFunction, negative_data_rejection
from schemathesis.core.transport import Response
from schemathesis.generation.stateful.state_machine import APIStateMachine
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.specs.openapi.schemas import OpenApiSchema
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from src import openapi
from src.main import app, create_app
from tests.routes import api_routes, tagged_routes

Case = schemathesis.Case[Any]

PROFILE = os.environ.get("FUZZ_PROFILE", "fast")
if PROFILE not in {"fast", "ci"}:
    msg = f"FUZZ_PROFILE must be fast or ci, got {PROFILE!r}"
    raise ValueError(msg)
CI = PROFILE == "ci"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "500" if CI else "4"))
STATEFUL_SCENARIOS = 200 if CI else 3
# A fixed seed replays a run; the fast profile is derandomized unless one is given.
SEED = int(os.environ["FUZZ_SEED"]) if os.environ.get("FUZZ_SEED") else None
if CI and SEED is None:
    SEED = random.SystemRandom().randrange(2**32)


def reproduce() -> str:
    replay = f"FUZZ_SEED={SEED} " if SEED is not None else ""
    return f"reproduce with: {replay}FUZZ_PROFILE={PROFILE} uv run pytest <this test>"


SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=SEED is None,
    database=None,
    deadline=None,
    # Shrinking a failure costs more requests than it is worth here: the failing case is
    # reported as found, with its curl command.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# EmailStr refuses addresses that cannot receive mail (x@host.test, x@localhost), which
# "format: email" does not say: valid cases use deliverable-looking addresses. (st.emails() would
# do too, at ten times the cost: it draws domains from the whole IANA list.)
LOCAL_PARTS = st.from_regex(r"[a-z0-9]{1,12}(\.[a-z0-9_+-]{1,12}){0,2}", fullmatch=True)
schemathesis.openapi.format("email", LOCAL_PARTS.map(lambda local: f"{local}@example.com"))


def operation_ids(tag: str) -> list[str]:
    """The operation IDs of ``tag``'s routes, read from the route table: collecting the tests
    neither builds the document nor generates a case."""
    return sorted(openapi.operation_id(route) for route in tagged_routes(app, tag))


@dataclass
class Stats:
    """Responses the fuzzed app sent, by status code."""

    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


STATS = Stats()


class Counted:
    """The app, counting the status of every response it sends."""

    def __init__(self, application: ASGIApp) -> None:
        self.application = application

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = int(message["status"])
                STATS.statuses[status] = STATS.statuses.get(status, 0) + 1
            await send(message)

        await self.application(scope, receive, counting_send)


@cache
def service() -> FastAPI:
    """The app that is fuzzed: its own pool on the test database, opened on first request."""
    return create_app()


@cache
def schema() -> OpenApiSchema:
    """The document the service serves (built even where /openapi.json is hidden), built on
    first use rather than at collection."""
    loaded = schemathesis.openapi.from_dict(service().openapi())
    loaded.app = Counted(service())
    loaded.config.phases.coverage.enabled = CI
    if SEED is not None:
        loaded.config.seed = SEED
    return loaded


def call(operation_id: str, headers: Mapping[str, str] | None = None, **parts: Any) -> Response:
    """One request to the fuzzed app that must succeed (a test's own data, not a case)."""
    case = schema().find_operation_by_id(operation_id).Case(**parts)
    response = case.call(headers=dict(headers or {}))
    assert response.status_code < 300, f"{operation_id}: {response.status_code} {response.text}"
    return response


@dataclass
class Target:
    """What a module's tests fuzz with: a token's headers, and existing values for path
    parameters. The first value of each is kept for the token checks (never fuzzed, so never
    deleted); cases use the others, or a generated value unknown to the service."""

    headers: dict[str, str] = field(default_factory=dict)
    path_parameters: dict[str, list[str]] = field(default_factory=dict)


def has_auth() -> bool:
    return "register_user" in {route.name for _path, route in api_routes(app)}


def sign_up() -> dict[str, str]:
    """Headers with the token of a new user (none when the service has no auth)."""
    if not has_auth():
        return {}
    email, password = f"fuzz-{uuid.uuid4().hex[:12]}@example.com", "Str0ng!Passw0rd"
    call("register_user", body={"email": email, "password": password})
    tokens = call(
        "create_tokens",
        body={"username": email, "password": password},
        media_type="application/x-www-form-urlencoded",
    )
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


def choose(case: Case, path_parameters: Mapping[str, Sequence[str]]) -> None:
    """Point a well-formed path ID at one of the existing ones, or leave it unknown, by a hash of
    the generated value (so a seed replays the same choice)."""
    for name, values in path_parameters.items():
        existing = values[1:]
        value = case.path_parameters.get(name) if case.path_parameters else None
        if value is None or not existing or not _is_uuid(value):
            continue
        pick = zlib.crc32(str(value).encode()) % (len(existing) + 1)
        if pick < len(existing):
            case.path_parameters[name] = existing[pick]


def excluded_checks(case: Case) -> list[CheckFunction]:
    """Checks that cannot hold for this case. A multipart part is text on the wire: the "wrong
    type" Schemathesis puts in a file field (``false``, ``{}``, a number) arrives as a valid
    file, so the request it calls schema-violating is not."""
    if case.media_type and case.media_type.startswith("multipart/"):
        return [negative_data_rejection]
    return []


def fuzz(operation_id: str, target: Target) -> None:
    """Every phase Schemathesis runs for ``@schema.parametrize()`` (explicit examples, the
    coverage phase in CI, generated cases), built now rather than at collection."""
    operation = schema().find_operation_by_id(operation_id)

    def check(case: Case) -> None:
        choose(case, target.path_parameters)
        response = case.call(headers=target.headers)
        case.validate_response(
            response, headers=target.headers, excluded_checks=excluded_checks(case)
        )

    test = build_operation_test(
        config=schema().config,
        operation=operation,
        test_func=check,
        given_kwargs={},
        feedback=_no_feedback(),
        explicit_settings=SETTINGS,
    )
    test()


# Scenarios run in batches: a scenario's rules depend on the service's answers (a bundle fills
# with what was created), and when replaying a prefix meets another answer, Hypothesis stops the
# batch (FlakyStrategyDefinition); the next batch goes on.
STATEFUL_BATCH = 20


def follow_links(target: Target, tags: Sequence[str]) -> None:
    """The stateful run: scenarios that follow the links among ``tags``' operations."""
    machine: type[APIStateMachine] = schema().include(tag=list(tags)).as_state_machine()

    class Scenarios(machine):  # type: ignore[valid-type, misc]
        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"headers": target.headers}

        def validate_response(
            self,
            response: Response,
            case: Case,
            additional_checks: list[CheckFunction] | None = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=excluded_checks(case),
                headers=target.headers,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    for batch in range(0, STATEFUL_SCENARIOS, STATEFUL_BATCH):
        if SEED is not None:
            seed(SEED + batch)(Scenarios)
        scenarios = min(STATEFUL_BATCH, STATEFUL_SCENARIOS - batch)
        try:
            Scenarios.run(
                settings=settings(
                    SETTINGS, max_examples=scenarios, stateful_step_count=10 if CI else 5
                )
            )
        except FlakyStrategyDefinition as error:
            print(f"stateful batch {batch // STATEFUL_BATCH} stopped: {error}", file=sys.stderr)


async def run(work: Callable[[], None], *, label: str) -> None:
    """Run ``work`` (blocking: Schemathesis is synchronous); a failure says how to replay it."""
    before = STATS.requests, STATS.server_errors
    try:
        await asyncio.to_thread(work)
    except BaseException as error:
        error.add_note(reproduce())
        raise
    finally:
        requests, errors = STATS.requests - before[0], STATS.server_errors - before[1]
        print(f"fuzz {label}: {requests} requests, {errors} 5xx ({reproduce()})", file=sys.stderr)


async def fuzz_operation(operation_id: str, prepare: Callable[[], Target] | None = None) -> None:
    """Fuzz ``operation_id`` with what ``prepare`` creates first (users, resources); then, if it
    is secured, send it without a token and with a malformed one."""
    answers: dict[str, str] = {}

    def work() -> None:
        target = prepared(prepare)
        if expected_token_answers(operation_id):
            answers.update(token_answers(operation_id, target))
        fuzz(operation_id, target)

    await run(work, label=operation_id)

    # Every secured operation: a malformed token is refused, and a missing one unless the
    # document says anonymous requests are answered (then it must answer them).
    expected = expected_token_answers(operation_id) or {}
    assert answers == expected, f"{operation_id} answered {answers}, expected {expected}"


async def fuzz_links(*tags: str, prepare: Callable[[], Target] | None = None) -> None:
    """Scenarios over the links among ``tags``' operations (create → read → update → delete →
    read again), with what ``prepare`` creates first."""

    def work() -> None:
        follow_links(prepared(prepare), tags)

    await run(work, label=f"links of {', '.join(tags)}")


def tables_emptied_after_module() -> Any:
    """A fixture for a fuzzing module: the test database exists (migrated) before its first
    test, and the rows its tests committed are deleted after its last one."""

    @pytest.fixture(scope="module", autouse=True)
    async def tables_emptied(engine: AsyncEngine) -> AsyncIterator[None]:
        from tests.conftest import empty_tables

        yield
        await empty_tables(engine)
        TARGETS.clear()

    return tables_emptied


# What each module's ``prepare`` created, made once per module (its rows go with the module).
TARGETS: dict[Callable[[], Target], Target] = {}


def prepared(prepare: Callable[[], Target] | None) -> Target:
    if prepare is None:
        return Target()
    if prepare not in TARGETS:
        TARGETS[prepare] = prepare()
    return TARGETS[prepare]


def _no_feedback() -> Any:
    from schemathesis.generation.feedback import FeedbackSources

    return FeedbackSources()


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def token_answers(operation_id: str, target: Target) -> dict[str, str]:
    """How the operation answers without a token and with a malformed one, on the target's first
    existing resources: "2xx", "401" (with ``WWW-Authenticate: Bearer``) or the status."""
    operation = schema().find_operation_by_id(operation_id)
    path = {
        name: (target.path_parameters.get(name) or [str(uuid.uuid4())])[0]
        for name in openapi.PATH_PARAMETER.findall(operation.path)
    }
    answers = {}
    for name, headers in (("no token", {}), ("bad token", {"Authorization": "Bearer not-a-jwt"})):
        response = operation.Case(path_parameters=path or None).call(headers=headers)
        status = response.status_code
        answers[name] = (
            "2xx"
            if 200 <= status < 300
            else "401"
            if status == 401 and response.headers.get("www-authenticate") == ["Bearer"]
            else str(status)
        )
    return answers


def expected_token_answers(operation_id: str) -> dict[str, str] | None:
    """What a secured operation answers without a token and with a malformed one: 401 both,
    unless the document makes its security optional (``{}``); None when it is not secured."""
    security = schema().find_operation_by_id(operation_id).definition.raw.get("security", [])
    if not security:
        return None
    return {"no token": "2xx" if {} in security else "401", "bad token": "401"}
