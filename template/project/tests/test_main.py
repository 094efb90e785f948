import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi import status
from httpx import ASGITransport, AsyncClient

from src.config import Config
from src.constants import ErrorCode
from src.main import create_app
from src.rate_limits import RateLimitConfig


class OwnRedis:
    """A redis-server of the test's own (never a shared one, which a test must not stop), on a
    free port, keeping nothing on disk; stopped, restarted and frozen at will."""

    def __init__(self, binary: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.02)
        msg = f"redis-server did not listen on {self.port}"
        raise RuntimeError(msg)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def freeze(self, *, frozen: bool) -> None:
        """SIGSTOP: a Redis that accepts connections and never answers."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP if frozen else signal.SIGCONT)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    # Redis comes with the worker (its client is a dependency of the worker only).
    pytest.importorskip("redis", reason="no worker, so no Redis: the rate limits count in memory")
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server on PATH: the Redis outage test starts and stops its own")
    redis = OwnRedis(binary)
    redis.start()
    yield redis
    redis.stop()


async def test_liveness(client: AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {"status": "ok"}


async def test_readiness_checks_the_database(client: AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == status.HTTP_200_OK
    # The suite counts rate limits in memory: no Redis to check.
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.usefixtures("engine")  # the test database exists
async def test_a_redis_outage_degrades_readiness_without_failing_it(
    own_redis: OwnRedis,
) -> None:
    """Redis backs features that fail on their own (rate limits pass, jobs answer 503): a 503
    here would take every replica out of the load balancer for them."""
    limits = RateLimitConfig(
        RATE_LIMIT_STORAGE_URL=own_redis.url, RATE_LIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}"
    )
    app = create_app(Config(), limits)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        up = await client.get("/readyz")
        own_redis.stop()
        down = await client.get("/readyz")
        own_redis.start()
        back = await client.get("/readyz")
        own_redis.freeze(frozen=True)
        started = time.monotonic()
        hung = await client.get("/readyz")
        waited = time.monotonic() - started
        own_redis.freeze(frozen=False)

    ready = {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    degraded = {"status": "degraded", "checks": {"database": "ok", "redis": "unavailable"}}
    assert (up.status_code, up.json()) == (status.HTTP_200_OK, ready)
    assert (down.status_code, down.json()) == (status.HTTP_200_OK, degraded)
    assert (back.status_code, back.json()) == (status.HTTP_200_OK, ready)
    assert (hung.status_code, hung.json()) == (status.HTTP_200_OK, degraded)
    # Well within the probe's 3 s timeout (deploy/kubernetes): a hung Redis reads as down.
    assert waited < 2


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
