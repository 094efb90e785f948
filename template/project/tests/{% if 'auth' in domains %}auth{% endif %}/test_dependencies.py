"""Dependencies are cached per request: one JWT decode however many dependencies use it."""

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from src.auth import security
from src.auth.dependencies import ActiveUserDep, JWTDataDep, OptionalJWTDataDep
from src.auth.schemas import JWTData
from src.main import app
from tests.auth.conftest import LoggedInUser


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens ``decode_access_token`` is asked to decode during the test."""
    tokens: list[str] = []
    real_decode = security.decode_access_token

    def counting_decode(token: str) -> JWTData | None:
        tokens.append(token)
        return real_decode(token)

    monkeypatch.setattr(security, "decode_access_token", counting_decode)
    return tokens


async def test_one_decode_per_request(
    client: AsyncClient, user: LoggedInUser, decoded: list[str]
) -> None:
    probe = FastAPI()
    probe.dependency_overrides = app.dependency_overrides

    @probe.get("/probe")
    async def uses_the_token_four_times(
        jwt_data: JWTDataDep,
        active_user: ActiveUserDep,
        again: JWTDataDep,
        maybe: OptionalJWTDataDep,
    ) -> str:
        assert jwt_data is again is maybe
        return str(active_user.id)

    transport = ASGITransport(app=probe)
    async with AsyncClient(transport=transport, base_url="https://test") as probe_client:
        response = await probe_client.get("/probe", headers=user.headers)

    assert response.status_code == 200, response.text
    assert decoded == [user.access_token]


async def test_require_permission_decodes_the_token_once(
    client: AsyncClient, admin: LoggedInUser, decoded: list[str]
) -> None:

    response = await client.get(app.url_path_for("list_users"), headers=admin.headers)

    assert response.status_code == 200, response.text
    assert decoded == [admin.access_token]
