import pytest
from httpx import AsyncClient

from tests import access


@pytest.fixture
async def headers(client: AsyncClient) -> dict[str, str]:
    """What a write sends: a user's token when the service has auth (tests/access.py)."""
    return await access.write_headers(client)
