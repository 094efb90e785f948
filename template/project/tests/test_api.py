"""Contract fuzzing of the core operations (tests/fuzz.py); the domains fuzz their own
operations, links and tokens in tests/<domain>/test_api.py."""

import pytest

from tests import fuzz

tables_emptied = fuzz.tables_emptied_after_module()


@pytest.mark.parametrize("operation_id", fuzz.operation_ids("health"))
async def test_health_api(operation_id: str) -> None:
    await fuzz.fuzz_operation(operation_id)
