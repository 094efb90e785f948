from typing import Annotated

from fastapi import Depends, Path

from src.jobs import service
from src.jobs.constants import JOB_ID_PATTERN
from src.jobs.exceptions import JobNotFound
from src.jobs.schemas import JobResponse
from src.worker import BrokerDep


async def valid_job_id(
    job_id: Annotated[str, Path(pattern=JOB_ID_PATTERN)], broker: BrokerDep
) -> JobResponse:
    """A queued, running or finished job: 404 for an unknown or expired id."""
    job = await service.get_job(broker, job_id)
    if job is None:
        raise JobNotFound
    return job


ValidJobDep = Annotated[JobResponse, Depends(valid_job_id)]
