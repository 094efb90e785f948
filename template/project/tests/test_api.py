"""Contract fuzzing of the core operations (the domains fuzz theirs in tests/<domain>/)."""

from httpx import AsyncClient

from tests import fuzz

schema = fuzz.schema.include(tag="health")


@schema.parametrize()
@fuzz.SETTINGS
async def test_health_api(case: fuzz.Case, client: AsyncClient) -> None:
    await fuzz.call_and_validate(client, case)
