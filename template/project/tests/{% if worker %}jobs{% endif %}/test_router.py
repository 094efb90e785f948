"""The jobs API on the in-memory broker (tasks run in this process), and on Redis: down, hung,
and failing between the two steps of queueing. tests/test_worker.py runs real workers."""

import socket
import time
import uuid
from collections.abc import Callable

import pytest
from fastapi import status
from httpx import AsyncClient
from redis.asyncio import Redis
from taskiq import AsyncBroker, BrokerMessage, InMemoryBroker, TaskiqResult

from src.jobs.constants import ErrorCode, JobStatus
from src.main import app
from src.worker import WorkerConfig, broker, create_broker
from tests import real_redis
from tests.errors import error

UseBroker = Callable[[AsyncBroker], None]
# A broken Redis must give a 503 within about this long, never a hung request.
REDIS_TIMEOUT_SECONDS = 0.3


@pytest.fixture
def memory_broker() -> InMemoryBroker:
    assert isinstance(broker, InMemoryBroker), "tests run with ENVIRONMENT=testing"
    return broker


def redis_broker(url: str, queue: str = "jobs-test", *, results_url: str = "") -> AsyncBroker:
    """The service's Redis broker on ``url`` (its results on ``results_url``, if given)."""
    settings = {
        "ENVIRONMENT": "local",
        "REDIS_TIMEOUT_SECONDS": REDIS_TIMEOUT_SECONDS,
        "WORKER_POLL_SECONDS": REDIS_TIMEOUT_SECONDS / 2,
    }
    config = WorkerConfig.model_validate({**settings, "REDIS_URL": url, "WORKER_QUEUE": queue})
    queuing = create_broker(config)
    if results_url:
        elsewhere = config.model_copy(update={"REDIS_URL": results_url})
        queuing.result_backend = create_broker(elsewhere).result_backend
    return queuing


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there any more: refused


async def test_prime_count_is_accepted_then_succeeds(
    client: AsyncClient, memory_broker: InMemoryBroker, write_headers: dict[str, str]
) -> None:
    response = await client.post(
        app.url_path_for("create_prime_count"), json={"limit": 1_000_000}, headers=write_headers
    )

    assert response.status_code == status.HTTP_202_ACCEPTED
    job = response.json()
    assert job["status"] == JobStatus.PENDING
    await memory_broker.wait_all()
    done = await client.get(app.url_path_for("get_job", job_id=job["id"]))
    assert done.status_code == status.HTTP_200_OK
    assert done.json() == {"id": job["id"], "status": JobStatus.SUCCEEDED, "result": 78498}


async def test_queued_job_is_pending(
    client: AsyncClient,
    memory_broker: InMemoryBroker,
    write_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def queue_only(message: BrokerMessage) -> None:
        """Accept the task; no worker takes it yet."""

    monkeypatch.setattr(memory_broker, "kick", queue_only)
    job = await client.post(
        app.url_path_for("create_prime_count"), json={"limit": 10}, headers=write_headers
    )

    response = await client.get(app.url_path_for("get_job", job_id=job.json()["id"]))

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {"id": job.json()["id"], "status": JobStatus.PENDING, "result": None}


async def test_failed_job_reports_no_error_details(
    client: AsyncClient, memory_broker: InMemoryBroker
) -> None:
    job_id = uuid.uuid4().hex
    failure = TaskiqResult[None](
        is_err=True, return_value=None, execution_time=0.1, error=ValueError("secret detail")
    )
    await memory_broker.result_backend.set_result(job_id, failure)

    response = await client.get(app.url_path_for("get_job", job_id=job_id))

    assert response.json() == {"id": job_id, "status": JobStatus.FAILED, "result": None}
    assert "secret" not in response.text


async def test_unknown_job_is_404(client: AsyncClient) -> None:
    response = await client.get(app.url_path_for("get_job", job_id=uuid.uuid4().hex))

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert response.json() == error(ErrorCode.JOB_NOT_FOUND)


@pytest.mark.parametrize("job_id", ["not-a-job", "A" * 32, "f" * 33])
async def test_malformed_job_id_is_422(client: AsyncClient, job_id: str) -> None:
    response = await client.get(app.url_path_for("get_job", job_id=job_id))

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT


@pytest.mark.parametrize("limit", [1, 100_000_001, "many"])
async def test_limit_out_of_bounds_is_422(
    client: AsyncClient, write_headers: dict[str, str], limit: int | str
) -> None:
    response = await client.post(
        app.url_path_for("create_prime_count"), json={"limit": limit}, headers=write_headers
    )

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT


@pytest.mark.parametrize("redis", ["down", "hung"])
async def test_broken_redis_is_a_prompt_503(
    client: AsyncClient,
    write_headers: dict[str, str],
    use_broker: UseBroker,
    silent_server: str,
    redis: str,
) -> None:
    use_broker(redis_broker(closed_port_url() if redis == "down" else silent_server))
    started = time.monotonic()

    queued = await client.post(
        app.url_path_for("create_prime_count"), json={"limit": 10}, headers=write_headers
    )
    read = await client.get(app.url_path_for("get_job", job_id=uuid.uuid4().hex))

    assert (queued.status_code, read.status_code) == (status.HTTP_503_SERVICE_UNAVAILABLE,) * 2
    assert queued.json() == read.json() == error(ErrorCode.JOB_QUEUE_UNAVAILABLE)
    assert time.monotonic() - started < 10 * REDIS_TIMEOUT_SECONDS, "bounded by the timeout"


async def test_job_is_not_queued_when_its_state_cannot_be_stored(
    client: AsyncClient, write_headers: dict[str, str], use_broker: UseBroker
) -> None:
    url = await real_redis.redis_url()
    queue = f"test-{uuid.uuid4().hex}"
    use_broker(redis_broker(url, queue, results_url=closed_port_url()))
    try:
        response = await client.post(
            app.url_path_for("create_prime_count"), json={"limit": 10}, headers=write_headers
        )
        async with Redis.from_url(url) as redis:
            queued = await redis.exists(queue) and await redis.xlen(queue)

        # A 503 means "not queued": the client's retry must not run the job twice.
        assert response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE
        assert not queued
    finally:
        await real_redis.delete_queue(url, queue)
