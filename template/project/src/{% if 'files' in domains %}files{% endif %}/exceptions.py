from fastapi import status

from src.exceptions import BadRequest, DetailedHTTPException, NotFound, ServiceUnavailable
from src.files.constants import ErrorCode


class FileNotFound(NotFound):
    DETAIL = ErrorCode.FILE_NOT_FOUND


class FileTooLarge(DetailedHTTPException):
    STATUS_CODE = status.HTTP_413_CONTENT_TOO_LARGE
    DETAIL = ErrorCode.FILE_TOO_LARGE


class ContentTypeNotValid(BadRequest):
    DETAIL = ErrorCode.CONTENT_TYPE_NOT_VALID


class StorageUnavailable(ServiceUnavailable):
    DETAIL = ErrorCode.STORAGE_UNAVAILABLE
