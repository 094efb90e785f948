"""Contract fuzzing of the jobs operations (tests/fuzz.py): two queued jobs; path IDs are
theirs, or unknown. Queued tasks are not run here (counting primes is the worker's job)."""

import pytest
from taskiq import BrokerMessage

from src.worker import broker
from tests import fuzz

tables_emptied = fuzz.tables_emptied_after_module()


def two_jobs() -> fuzz.Target:
    headers = fuzz.sign_up()
    jobs = [
        fuzz.call("create_prime_count", headers=headers, body={"limit": limit}).json()["id"]
        for limit in (10, 20)
    ]
    return fuzz.Target(headers=headers, path_parameters={"job_id": jobs})


@pytest.fixture(autouse=True)
def queue_only(monkeypatch: pytest.MonkeyPatch) -> None:
    async def kick(message: BrokerMessage) -> None:
        """Accept the task without running it."""

    monkeypatch.setattr(broker, "kick", kick)


@pytest.mark.parametrize("operation_id", fuzz.operation_ids("jobs"))
async def test_jobs_api(operation_id: str) -> None:
    await fuzz.fuzz_operation(operation_id, two_jobs)


async def test_jobs_links() -> None:
    """create_prime_count → get_job, with other jobs around."""
    await fuzz.fuzz_links("jobs", prepare=two_jobs)
