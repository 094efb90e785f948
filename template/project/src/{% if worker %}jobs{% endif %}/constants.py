from enum import StrEnum

# taskiq's task ids: uuid4().hex. Anything else never reaches Redis.
JOB_ID_PATTERN = r"^[0-9a-f]{32}$"
# The state a job gets when it is queued (taskiq's own states say what happened next).
QUEUED = "QUEUED"
# Up to about a second of CPU and 100 MB in a worker process: one request cannot occupy it long.
PRIME_LIMIT_MAX = 100_000_000
# Far above that second: a count still running after this is stopped (its process killed).
PRIME_COUNT_TIMEOUT_SECONDS = 60


class JobStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ErrorCode(StrEnum):
    JOB_NOT_FOUND = "Job not found."
    JOB_QUEUE_UNAVAILABLE = "Job queue unavailable."
