"""Jobs are taskiq tasks: queued through the broker, their state read from its result backend."""

from collections.abc import Awaitable
from typing import Any

from redis.exceptions import RedisError
from taskiq import AsyncTaskiqTask
from taskiq.depends.progress_tracker import TaskProgress
from taskiq.exceptions import SendTaskError

from src.jobs.constants import QUEUED, JobStatus
from src.jobs.exceptions import JobQueueUnavailable
from src.jobs.schemas import JobResponse
from src.worker import broker


async def queue_job(kick: Awaitable[AsyncTaskiqTask[Any]]) -> JobResponse:
    """Send a task (``tasks.count_primes.kiq(limit)``) and record it, so its status reads
    pending, not unknown, until it finishes."""
    try:
        task = await kick
        progress = TaskProgress[None](state=QUEUED, meta=None)
        await broker.result_backend.set_progress(task.task_id, progress)
    except (SendTaskError, RedisError) as error:
        raise JobQueueUnavailable from error
    return JobResponse(id=task.task_id, status=JobStatus.PENDING)


async def get_job(job_id: str) -> JobResponse | None:
    """A job's status and result; ``None`` when it was never queued or has expired."""
    results = broker.result_backend
    try:
        if await results.is_result_ready(job_id):
            result = await results.get_result(job_id)
            if result.is_err:
                return JobResponse(id=job_id, status=JobStatus.FAILED)
            return JobResponse(id=job_id, status=JobStatus.SUCCEEDED, result=result.return_value)
        if await results.get_progress(job_id) is None:
            return None
    except RedisError as error:
        raise JobQueueUnavailable from error
    return JobResponse(id=job_id, status=JobStatus.PENDING)
