"""Rate limits with real values (the suite's own defaults are high, see src/rate_limits.py): a
limit trips at its count with a JSON 429 and Retry-After, lifts after its window, counts per
client address, and believes X-Forwarded-For only from a trusted proxy."""

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI, status
from httpx import ASGITransport, AsyncClient
from pydantic import ValidationError

from src.config import Config
from src.constants import Environment, ErrorCode
from src.main import create_app
from src.rate_limits import TESTING_LIMIT, RateLimitConfig, rate_limit
from tests.errors import error

PROXY = "10.0.0.9"


def limited_app(limits: RateLimitConfig, config: Config | None = None) -> FastAPI:
    app = create_app(config or Config(), limits)

    @app.get("/items", dependencies=[rate_limit("default")])
    async def list_items() -> list[str]:
        return []

    return app


def client_of(app: FastAPI, address: str = "192.0.2.1") -> AsyncClient:
    return AsyncClient(
        transport=ASGITransport(app=app, client=(address, 1234)), base_url="https://test"
    )


async def statuses(client: AsyncClient, count: int, **kwargs: Any) -> list[int]:
    return [(await client.get("/items", **kwargs)).status_code for _ in range(count)]


async def test_the_limit_trips_at_its_count_and_lifts_after_its_window() -> None:
    app = limited_app(RateLimitConfig(RATE_LIMIT_DEFAULT="3 per 2 seconds"))
    async with client_of(app) as client:
        assert await statuses(client, 3) == [200, 200, 200]

        response = await client.get("/items")

        assert response.status_code == status.HTTP_429_TOO_MANY_REQUESTS
        assert response.json() == error(ErrorCode.TOO_MANY_REQUESTS)
        assert 1 <= int(response.headers["retry-after"]) <= 2
        assert "x-request-id" in response.headers

        await asyncio.sleep(2.1)
        assert await statuses(client, 1) == [200]


async def test_several_limits_all_apply() -> None:
    app = limited_app(RateLimitConfig(RATE_LIMIT_DEFAULT="5/minute;2/10 seconds"))
    async with client_of(app) as client:
        assert await statuses(client, 3) == [200, 200, 429]


async def test_each_client_address_has_its_own_count() -> None:
    app = limited_app(RateLimitConfig(RATE_LIMIT_DEFAULT="2/minute"))
    async with client_of(app, "192.0.2.1") as one, client_of(app, "192.0.2.2") as other:
        assert await statuses(one, 3) == [200, 200, 429]
        assert await statuses(other, 2) == [200, 200]


async def test_forwarded_addresses_count_only_from_a_trusted_proxy() -> None:
    limits = RateLimitConfig(RATE_LIMIT_DEFAULT="2/minute")
    app = limited_app(limits, Config(FORWARDED_ALLOW_IPS=PROXY))
    async with client_of(app, PROXY) as proxy, client_of(app, "192.0.2.7") as spoofer:
        for client in ("198.51.100.1", "198.51.100.2"):
            forwarded = {"X-Forwarded-For": client}
            assert await statuses(proxy, 2, headers=forwarded) == [200, 200]
        # Anyone else claiming other addresses is still one client.
        claims = [{"X-Forwarded-For": f"198.51.100.{n}"} for n in range(3, 6)]
        assert [(await spoofer.get("/items", headers=claim)).status_code for claim in claims] == [
            200,
            200,
            429,
        ]


async def test_disabled_limits_never_trip() -> None:
    app = limited_app(RateLimitConfig(RATE_LIMIT_DEFAULT="1/minute", RATE_LIMIT_ENABLED=False))
    async with client_of(app) as client:
        assert await statuses(client, 3) == [200, 200, 200]


def test_limits_are_real_outside_tests_and_high_under_tests() -> None:
    deployed = RateLimitConfig(ENVIRONMENT=Environment.PRODUCTION, REDIS_URL=None)
    testing = RateLimitConfig()

    assert deployed.RATE_LIMIT_LOGIN == "20/minute"
    assert testing.RATE_LIMIT_LOGIN == TESTING_LIMIT
    assert deployed.storage_url == "memory://"


def test_redis_url_is_the_storage_when_set() -> None:
    config = RateLimitConfig(ENVIRONMENT=Environment.PRODUCTION, REDIS_URL="redis://cache:6379/1")

    assert config.storage_url == "redis://cache:6379/1"


@pytest.mark.parametrize(
    "settings",
    [
        {"RATE_LIMIT_LOGIN": "20 a minute"},
        {"RATE_LIMIT_DEFAULT": "0/minute;x"},
        {"RATE_LIMIT_STORAGE_URL": "memcached://localhost"},
        {"RATE_LIMIT_KEY_PREFIX": ""},
    ],
)
def test_invalid_settings_are_refused(settings: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match=next(iter(settings))):
        RateLimitConfig(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "settings",
    [
        {"REDIS_URL": "redis://:s3cret-password@cache:port/0"},
        {"REDIS_URL": "http://:s3cret-password@cache/0"},
        {"RATE_LIMIT_STORAGE_URL": "redis://:s3cret-password@cache:port/0"},
    ],
)
def test_a_bad_redis_url_is_refused_without_its_password(settings: dict[str, str]) -> None:
    """Refused by the settings, before the storage's driver quotes the URL in its error."""
    with pytest.raises(ValidationError, match=next(iter(settings))) as refused:
        RateLimitConfig(**settings)  # type: ignore[arg-type]
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize("addresses", ["10.0.0.1,nonsense", "10.0.0.0/33"])
def test_invalid_proxy_addresses_are_refused(addresses: str) -> None:
    with pytest.raises(ValidationError, match="FORWARDED_ALLOW_IPS"):
        Config(FORWARDED_ALLOW_IPS=addresses)


def test_a_limit_without_its_setting_fails_at_import() -> None:
    with pytest.raises(ValueError, match="RATE_LIMIT_PASSWORD_RESET"):
        rate_limit("password_reset")
