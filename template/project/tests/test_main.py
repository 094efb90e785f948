from fastapi import status
from httpx import ASGITransport, AsyncClient

from src.config import Config
from src.constants import ErrorCode
from src.main import create_app


async def test_liveness(client: AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {"status": "ok"}


async def test_readiness_checks_the_database(client: AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == status.HTTP_200_OK
    # The suite counts rate limits in memory: no Redis to check (a Redis outage:
    # tests/test_rate_limits_redis.py, with the worker).
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


async def test_readiness_fails_without_database() -> None:
    # Port 9 (discard) refuses connections: the database is "down".
    unreachable = "postgresql://postgres@127.0.0.1:9/postgres"
    app = create_app(Config(DATABASE_URL=unreachable))
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get("/readyz")
        liveness = await client.get("/healthz")

    assert response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE
    code = ErrorCode.SERVICE_UNAVAILABLE
    assert response.json() == {"detail": code, "code": code.name}
    assert liveness.status_code == status.HTTP_200_OK


async def test_cors_allows_only_configured_origins() -> None:
    app = create_app(Config(_env_file=None, CORS_ORIGINS=["https://app.example.com"]))

    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        allowed = await client.get("/healthz", headers={"Origin": "https://app.example.com"})
        refused = await client.get("/healthz", headers={"Origin": "https://evil.example.com"})

    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in refused.headers
