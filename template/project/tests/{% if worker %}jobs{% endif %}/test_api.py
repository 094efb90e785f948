"""Contract fuzzing of the jobs operations (tests/fuzz.py); queued tasks are not run here."""

import pytest
from httpx import AsyncClient
from taskiq import BrokerMessage

from src.main import app
from src.worker import broker
from tests import fuzz

schema = fuzz.schema.include(tag="jobs")


@schema.parametrize()
@fuzz.SETTINGS
async def test_jobs_api(
    case: fuzz.Case,
    client: AsyncClient,
    write_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def queue_only(message: BrokerMessage) -> None:
        """Accept the task; counting primes up to 10^8 per example is the worker's job."""

    monkeypatch.setattr(broker, "kick", queue_only)
    job = await client.post(
        app.url_path_for("create_prime_count"), json={"limit": 10}, headers=write_headers
    )
    await fuzz.call_and_validate(
        client, case, headers=write_headers, path_parameters={"job_id": job.json()["id"]}
    )
