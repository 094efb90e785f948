"""Contract fuzzing of the auth operations, logged in (tests/fuzz.py)."""

from httpx import AsyncClient

from tests import fuzz
from tests.auth.conftest import LoggedInUser

schema = fuzz.schema.include(tag="auth")


@schema.parametrize()
@fuzz.SETTINGS
async def test_auth_api(case: fuzz.Case, client: AsyncClient, user: LoggedInUser) -> None:
    await fuzz.call_and_validate(client, case, headers=user.headers)
