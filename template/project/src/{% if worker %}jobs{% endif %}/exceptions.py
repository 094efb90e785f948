from src.exceptions import NotFound, ServiceUnavailable
from src.jobs.constants import ErrorCode


class JobNotFound(NotFound):
    DETAIL = ErrorCode.JOB_NOT_FOUND


class JobQueueUnavailable(ServiceUnavailable):
    DETAIL = ErrorCode.JOB_QUEUE_UNAVAILABLE
