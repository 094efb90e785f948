"""HTTP-mapped bases for every domain exception (``class PostNotFound(NotFound): ...``), the
database errors a request can meet, and the handlers that give every error one JSON shape:
``{"detail": <message for people>, "code": <ErrorCode name for programs>}``."""

import logging
from enum import Enum
from http import HTTPStatus
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

from src.constants import ErrorCode
from src.models import CustomModel

logger = logging.getLogger(__name__)


class ErrorResponse(CustomModel):
    """The body of every error response."""

    detail: str
    code: str


Responses = dict[int | str, dict[str, Any]]


def error_responses(*status_codes: int) -> Responses:
    """A route's ``responses=``: these status codes answer an ``ErrorResponse``."""
    return {code: {"model": ErrorResponse} for code in status_codes}


# The error code of a status that a framework raises without one (an unknown path, a 413).
STATUS_CODES = {
    status.HTTP_400_BAD_REQUEST: ErrorCode.BAD_REQUEST,
    status.HTTP_401_UNAUTHORIZED: ErrorCode.NOT_AUTHENTICATED,
    status.HTTP_403_FORBIDDEN: ErrorCode.PERMISSION_DENIED,
    status.HTTP_404_NOT_FOUND: ErrorCode.NOT_FOUND,
    status.HTTP_405_METHOD_NOT_ALLOWED: ErrorCode.METHOD_NOT_ALLOWED,
    status.HTTP_409_CONFLICT: ErrorCode.CONFLICT,
    status.HTTP_413_CONTENT_TOO_LARGE: ErrorCode.CONTENT_TOO_LARGE,
    status.HTTP_429_TOO_MANY_REQUESTS: ErrorCode.TOO_MANY_REQUESTS,
    status.HTTP_503_SERVICE_UNAVAILABLE: ErrorCode.SERVICE_UNAVAILABLE,
}


class DetailedHTTPException(HTTPException):
    """A domain error: ``DETAIL`` is a member of an ``ErrorCode`` enum."""

    STATUS_CODE = status.HTTP_500_INTERNAL_SERVER_ERROR
    DETAIL: Enum = ErrorCode.INTERNAL_ERROR

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(status_code=self.STATUS_CODE, detail=self.DETAIL, **kwargs)

    @property
    def code(self) -> str:
        return self.DETAIL.name


class PermissionDenied(DetailedHTTPException):
    STATUS_CODE = status.HTTP_403_FORBIDDEN
    DETAIL: Enum = ErrorCode.PERMISSION_DENIED


class NotFound(DetailedHTTPException):
    STATUS_CODE = status.HTTP_404_NOT_FOUND
    DETAIL: Enum = ErrorCode.NOT_FOUND


class BadRequest(DetailedHTTPException):
    STATUS_CODE = status.HTTP_400_BAD_REQUEST
    DETAIL: Enum = ErrorCode.BAD_REQUEST


class Conflict(DetailedHTTPException):
    STATUS_CODE = status.HTTP_409_CONFLICT
    DETAIL: Enum = ErrorCode.CONFLICT


class NotAuthenticated(DetailedHTTPException):
    STATUS_CODE = status.HTTP_401_UNAUTHORIZED
    DETAIL: Enum = ErrorCode.NOT_AUTHENTICATED

    def __init__(self, headers: dict[str, str] | None = None) -> None:
        super().__init__(headers={"WWW-Authenticate": "Bearer", **(headers or {})})


class TooManyRequests(DetailedHTTPException):
    """A rate limit (src/rate_limits.py) refused the request; ``Retry-After`` says for how long."""

    STATUS_CODE = status.HTTP_429_TOO_MANY_REQUESTS
    DETAIL: Enum = ErrorCode.TOO_MANY_REQUESTS

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(retry_after)})


class ServiceUnavailable(DetailedHTTPException):
    STATUS_CODE = status.HTTP_503_SERVICE_UNAVAILABLE
    DETAIL: Enum = ErrorCode.SERVICE_UNAVAILABLE


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot serve now (down, unreachable, saturated, too slow): not a bug."""


class DatabaseConflict(Conflict):
    """A write broke a constraint (a race between a check and the write, usually).

    ``constraint`` names it, so a domain can answer something more precise (a like on a post
    deleted meanwhile is that post's 404).
    """

    def __init__(self, constraint: str | None) -> None:
        super().__init__()
        self.constraint = constraint


def error_body(detail: str, code: str) -> dict[str, str]:
    return {"detail": str(detail), "code": code}


def invalid_data_error(message: str) -> RequestValidationError:
    """A value the database refused (its data exception): the client's data, a 422."""
    return RequestValidationError([{"type": "invalid_data", "loc": ["body"], "msg": message}])


# What FastAPI reports for a JSON body route that got another media type (it does not parse it).
NOT_JSON = {
    "type": "unsupported_media_type",
    "loc": ["header", "content-type"],
    "msg": "Send the body as JSON, with Content-Type: application/json",
}
# A body FastAPI could not parse (JSON nested too deep, an integer too long, a multipart body
# without its boundary): the same 422 as any malformed body, not an undocumented 400.
UNPARSABLE_BODY = {"type": "body_invalid", "loc": ["body"], "msg": "The body could not be parsed"}
NOT_UTF8 = {"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error"}


def validation_error(errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": errors, "code": ErrorCode.VALIDATION_ERROR.name},
    )


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """422 with field details, without echoing the submitted values (passwords included)."""
    if not isinstance(exc, RequestValidationError):  # registered for RequestValidationError only
        raise exc
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    is_json = media_type == "application/json" or media_type.endswith("+json")
    return validation_error(
        [
            NOT_JSON
            if not is_json
            and error["type"] == "model_attributes_type"
            and error["loc"] == ("body",)
            else {key: value for key, value in error.items() if key not in {"input", "ctx", "url"}}
            for error in exc.errors()
        ]
    )


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Every HTTP error as ``{"detail", "code"}``: domain errors and the framework's alike."""
    if not isinstance(exc, StarletteHTTPException):  # registered for HTTP exceptions only
        raise exc
    if isinstance(exc, DetailedHTTPException):
        body = error_body(exc.detail, exc.code)
    elif exc.status_code == status.HTTP_400_BAD_REQUEST:
        not_utf8 = isinstance(exc.__cause__, UnicodeDecodeError)
        return validation_error([NOT_UTF8 if not_utf8 else UNPARSABLE_BODY])
    elif exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        return method_not_allowed(request, exc)
    else:
        code = STATUS_CODES.get(exc.status_code)
        body = (
            error_body(code, code.name)
            if code
            else error_body(str(exc.detail), HTTPStatus(exc.status_code).name)
        )
    if isinstance(exc, DatabaseUnavailable):
        # The driver's error only (never the statement or its parameters).
        cause = exc.__cause__
        logger.warning("Database unavailable: %s: %s", type(cause).__name__, cause)
    if not _body_allowed(exc.status_code):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return JSONResponse(status_code=exc.status_code, content=body, headers=exc.headers)


def method_not_allowed(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """405 whose ``Allow`` lists every method of the path, as the schema does: Starlette names
    the methods of the first route that matched only."""
    matched = request.scope.get("route")
    contexts = list(iter_route_contexts(request.app.routes))
    paths = {context.path for context in contexts if context.original_route is matched}
    methods = {
        method for context in contexts if context.path in paths for method in context.methods or ()
    }
    headers = {"Allow": ", ".join(sorted(methods))} if methods else exc.headers
    code = ErrorCode.METHOD_NOT_ALLOWED
    return JSONResponse(
        status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
        content=error_body(code, code.name),
        headers=headers,
    )


def _body_allowed(status_code: int) -> bool:
    return status_code >= status.HTTP_200_OK and status_code not in {204, 304}
