"""Contract fuzzing of the core operations (tests/fuzz.py); the domains fuzz their own
operations, links and tokens in tests/<domain>/test_api.py."""

import pytest

from src.main import app
from tests import fuzz

tables_emptied = fuzz.tables_emptied_after_module()


@pytest.mark.parametrize("operation_id", fuzz.operation_ids("health"))
async def test_health_api(operation_id: str) -> None:
    await fuzz.fuzz_operation(operation_id)


def test_every_operation_is_fuzzed_under_its_tags() -> None:
    """The route table gives each tag the operations the document lists under it, so each
    domain's test_api.py, fuzzing ``operation_ids(<its tag>)``, misses none: a route of a nested
    router has its includer's tags in the document only."""
    missed = [
        (tag, operation["operationId"])
        for path in app.openapi()["paths"].values()
        for operation in path.values()
        for tag in operation["tags"]
        if operation["operationId"] not in fuzz.operation_ids(tag)
    ]

    assert missed == []
