from src.exceptions import BadRequest, NotFound, ServiceUnavailable
from src.files.constants import ErrorCode


class FileNotFound(NotFound):
    DETAIL = ErrorCode.FILE_NOT_FOUND


class FileTooLarge(BadRequest):
    DETAIL = ErrorCode.FILE_TOO_LARGE


class StorageUnavailable(ServiceUnavailable):
    DETAIL = ErrorCode.STORAGE_UNAVAILABLE
