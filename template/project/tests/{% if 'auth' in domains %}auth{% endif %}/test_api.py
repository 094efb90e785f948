"""Contract fuzzing of the auth operations, logged in (tests/fuzz.py)."""

import pytest

from tests import fuzz

tables_emptied = fuzz.tables_emptied_after_module()


def logged_in() -> fuzz.Target:
    fuzz.sign_up()  # someone else, registered already
    return fuzz.Target(headers=fuzz.sign_up())


@pytest.mark.parametrize("operation_id", fuzz.operation_ids("auth"))
async def test_auth_api(operation_id: str) -> None:
    await fuzz.fuzz_operation(operation_id, logged_in)
