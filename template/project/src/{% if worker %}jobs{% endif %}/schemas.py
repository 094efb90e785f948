from pydantic import ConfigDict, Field, JsonValue

from src.jobs.constants import PRIME_LIMIT_MAX, JobStatus
from src.models import CustomModel


class PrimeCountCreate(CustomModel):
    # Unknown fields are a client's mistake, and the schema says so (additionalProperties: false).
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(ge=2, le=PRIME_LIMIT_MAX, description="Count the primes up to this number.")


class JobResponse(CustomModel):
    id: str
    status: JobStatus
    # The task's return value once it succeeded; never an error's details.
    result: JsonValue = None
