"""The jobs API on the in-memory broker: tasks run in this process (tests/test_worker.py runs a
real worker on Redis)."""

import uuid

import pytest
from fastapi import status
from httpx import AsyncClient
from redis.exceptions import ConnectionError as RedisConnectionError
from taskiq import BrokerMessage, InMemoryBroker, TaskiqResult

from src.jobs.constants import ErrorCode, JobStatus
from src.main import app
from src.worker import broker
from tests.errors import error


@pytest.fixture
def memory_broker() -> InMemoryBroker:
    assert isinstance(broker, InMemoryBroker), "tests run with ENVIRONMENT=testing"
    return broker


async def test_prime_count_is_accepted_then_succeeds(
    client: AsyncClient, memory_broker: InMemoryBroker
) -> None:
    response = await client.post(app.url_path_for("create_prime_count"), json={"limit": 1_000_000})

    assert response.status_code == status.HTTP_202_ACCEPTED
    job = response.json()
    assert job["status"] == JobStatus.PENDING
    await memory_broker.wait_all()
    done = await client.get(app.url_path_for("get_job", job_id=job["id"]))
    assert done.status_code == status.HTTP_200_OK
    assert done.json() == {"id": job["id"], "status": JobStatus.SUCCEEDED, "result": 78498}


async def test_queued_job_is_pending(
    client: AsyncClient, memory_broker: InMemoryBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def queue_only(message: BrokerMessage) -> None:
        """Accept the task; no worker takes it yet."""

    monkeypatch.setattr(memory_broker, "kick", queue_only)
    job = await client.post(app.url_path_for("create_prime_count"), json={"limit": 10})

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


@pytest.mark.parametrize("job_id", ["not-a-job", "A" * 32, uuid.uuid4().hex + "0"])
async def test_malformed_job_id_is_422(client: AsyncClient, job_id: str) -> None:
    response = await client.get(app.url_path_for("get_job", job_id=job_id))

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT


@pytest.mark.parametrize("limit", [1, 100_000_001, "many"])
async def test_limit_out_of_bounds_is_422(client: AsyncClient, limit: int | str) -> None:
    response = await client.post(app.url_path_for("create_prime_count"), json={"limit": limit})

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT


async def test_queue_down_is_503(
    client: AsyncClient, memory_broker: InMemoryBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(message: BrokerMessage) -> None:
        raise RedisConnectionError

    monkeypatch.setattr(memory_broker, "kick", refuse)

    response = await client.post(app.url_path_for("create_prime_count"), json={"limit": 10})

    assert response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE
    assert response.json() == error(ErrorCode.JOB_QUEUE_UNAVAILABLE)


async def test_results_down_is_503(
    client: AsyncClient, memory_broker: InMemoryBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(task_id: str) -> bool:
        raise RedisConnectionError

    monkeypatch.setattr(memory_broker.result_backend, "is_result_ready", refuse)

    response = await client.get(app.url_path_for("get_job", job_id=uuid.uuid4().hex))

    assert response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE
    assert response.json() == error(ErrorCode.JOB_QUEUE_UNAVAILABLE)
