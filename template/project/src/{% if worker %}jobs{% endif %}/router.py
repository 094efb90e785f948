from fastapi import APIRouter, status

from src.exceptions import error_responses
from src.jobs import service, tasks
from src.jobs.dependencies import ValidJobDep
from src.jobs.schemas import JobResponse, PrimeCountCreate

router = APIRouter(tags=["jobs"])

UNAVAILABLE = error_responses(status.HTTP_503_SERVICE_UNAVAILABLE)


@router.post(
    "/prime-counts",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Count primes in the background",
    responses=UNAVAILABLE,
)
async def create_prime_count(data: PrimeCountCreate) -> JobResponse:
    """Queue a CPU-bound count for the worker (P04); poll the returned job for its result."""
    return await service.queue_job(tasks.count_primes.kiq(data.limit))


@router.get(
    "/jobs/{job_id}",
    status_code=status.HTTP_200_OK,
    summary="Get a job",
    responses=error_responses(status.HTTP_404_NOT_FOUND, status.HTTP_503_SERVICE_UNAVAILABLE),
)
async def get_job(job: ValidJobDep) -> JobResponse:
    """A job's status (`pending`, `succeeded`, `failed`) and, once it succeeded, its result."""
    return job
