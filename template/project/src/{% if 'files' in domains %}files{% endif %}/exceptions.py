from fastapi import status

from src.exceptions import DetailedHTTPException, NotFound, ServiceUnavailable
from src.files.constants import ErrorCode


class FileNotFound(NotFound):
    DETAIL = ErrorCode.FILE_NOT_FOUND


class FileTooLarge(DetailedHTTPException):
    STATUS_CODE = status.HTTP_413_CONTENT_TOO_LARGE
    DETAIL = ErrorCode.FILE_TOO_LARGE


class StorageUnavailable(ServiceUnavailable):
    DETAIL = ErrorCode.STORAGE_UNAVAILABLE
