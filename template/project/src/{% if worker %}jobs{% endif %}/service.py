"""Jobs are taskiq tasks: queued through the broker, their state read from its result backend."""

from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError
from taskiq import AsyncBroker
from taskiq.depends.progress_tracker import TaskProgress
from taskiq.exceptions import ResultGetError, SendTaskError

from src.jobs.constants import QUEUED, JobStatus
from src.jobs.exceptions import JobQueueUnavailable
from src.jobs.schemas import JobResponse


async def queue_job(broker: AsyncBroker, send: Callable[[str], Awaitable[object]]) -> JobResponse:
    """Record a job as queued, then ``send(job_id)`` it, e.g.
    ``lambda job_id: tasks.count_primes.kicker().with_task_id(job_id).kiq(limit)``.

    In this order, a job that could not be recorded is never sent: the client gets a 503 and its
    retry queues the job once. (Recorded after sending, a failure to record answered 503 for a
    job that ran anyway, and the retry ran it twice.)
    """
    job_id = broker.id_generator()
    try:
        queued = TaskProgress[None](state=QUEUED, meta=None)
        await broker.result_backend.set_progress(job_id, queued)
        await send(job_id)
    except (SendTaskError, RedisError) as error:
        raise JobQueueUnavailable from error
    return JobResponse(id=job_id, status=JobStatus.PENDING)


async def get_job(broker: AsyncBroker, job_id: str) -> JobResponse | None:
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
    except ResultGetError:  # it expired between the two reads
        return None
    except RedisError as error:
        raise JobQueueUnavailable from error
    return JobResponse(id=job_id, status=JobStatus.PENDING)
