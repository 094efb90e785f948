from fastapi import APIRouter, status

from src.access import WRITE_ACCESS_RESPONSES, WriteAccessDep
from src.exceptions import error_responses
from src.jobs import service, tasks
from src.jobs.dependencies import ValidJobDep
from src.jobs.schemas import JobResponse, PrimeCountCreate
from src.worker import BrokerDep

router = APIRouter(tags=["jobs"])


@router.post(
    "/prime-counts",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Count primes in the background",
    responses=WRITE_ACCESS_RESPONSES | error_responses(status.HTTP_503_SERVICE_UNAVAILABLE),
)
async def create_prime_count(
    _access: WriteAccessDep, data: PrimeCountCreate, broker: BrokerDep
) -> JobResponse:
    """Queue a CPU-bound count for the background worker; poll the returned job for its result."""
    count = tasks.count_primes.kicker().with_broker(broker)
    return await service.queue_job(
        broker, lambda job_id: count.with_task_id(job_id).kiq(data.limit)
    )


@router.get(
    "/jobs/{job_id}",
    status_code=status.HTTP_200_OK,
    summary="Get a job",
    responses=error_responses(status.HTTP_404_NOT_FOUND, status.HTTP_503_SERVICE_UNAVAILABLE),
)
async def get_job(job: ValidJobDep) -> JobResponse:
    """A job's status (`pending`, `succeeded`, `failed`) and, once it succeeded, its result."""
    return job
