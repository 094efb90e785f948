"""HTTP-mapped bases for every domain exception (``class PostNotFound(NotFound): ...``), and the
handlers that give framework and database errors the same JSON bodies."""

import logging
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from src.database import is_unavailable
from src.models import CustomModel

logger = logging.getLogger(__name__)


class ErrorResponse(CustomModel):
    """The body of every error response; ``detail`` is a domain ``ErrorCode``."""

    detail: str


Responses = dict[int | str, dict[str, Any]]


def error_responses(*status_codes: int) -> Responses:
    """A route's ``responses=``: these status codes answer an ``ErrorResponse`` (P17)."""
    return {code: {"model": ErrorResponse} for code in status_codes}


class DetailedHTTPException(HTTPException):
    STATUS_CODE = status.HTTP_500_INTERNAL_SERVER_ERROR
    DETAIL = "Server error"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(status_code=self.STATUS_CODE, detail=self.DETAIL, **kwargs)


class PermissionDenied(DetailedHTTPException):
    STATUS_CODE = status.HTTP_403_FORBIDDEN
    DETAIL = "Permission denied"


class NotFound(DetailedHTTPException):
    STATUS_CODE = status.HTTP_404_NOT_FOUND
    DETAIL = "Not found"


class BadRequest(DetailedHTTPException):
    STATUS_CODE = status.HTTP_400_BAD_REQUEST
    DETAIL = "Bad request"


class Conflict(DetailedHTTPException):
    STATUS_CODE = status.HTTP_409_CONFLICT
    DETAIL = "Conflict"


class NotAuthenticated(DetailedHTTPException):
    STATUS_CODE = status.HTTP_401_UNAUTHORIZED
    DETAIL = "User not authenticated"

    def __init__(self) -> None:
        super().__init__(headers={"WWW-Authenticate": "Bearer"})


class ServiceUnavailable(DetailedHTTPException):
    STATUS_CODE = status.HTTP_503_SERVICE_UNAVAILABLE
    DETAIL = "Service unavailable"


# What FastAPI reports for a JSON body route that got another media type (it does not parse it).
NOT_JSON = {
    "type": "unsupported_media_type",
    "loc": ["header", "content-type"],
    "msg": "Send the body as JSON, with Content-Type: application/json",
}


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """422 with field details, without echoing the submitted values (passwords included)."""
    if not isinstance(exc, RequestValidationError):  # registered for RequestValidationError only
        raise exc
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    is_json = media_type == "application/json" or media_type.endswith("+json")
    errors: list[dict[str, Any]] = [
        NOT_JSON
        if not is_json and error["type"] == "model_attributes_type" and error["loc"] == ("body",)
        else {key: value for key, value in error.items() if key not in {"input", "ctx", "url"}}
        for error in exc.errors()
    ]
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": errors}
    )


async def bad_request_handler(request: Request, exc: Exception) -> Response:
    """A body that is not UTF-8 is malformed JSON: 422 like any JSON syntax error (FastAPI: 400)."""
    if not isinstance(exc, StarletteHTTPException):  # registered for status 400 only
        raise exc
    if isinstance(exc.__cause__, UnicodeDecodeError):
        error = {"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error"}
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": [error]}
        )
    return await http_exception_handler(request, exc)


async def method_not_allowed_handler(request: Request, exc: Exception) -> JSONResponse:
    """405 whose ``Allow`` lists every method of the path, as the schema does: Starlette names
    the methods of the first route that matched only."""
    matched = request.scope.get("route")
    contexts = list(iter_route_contexts(request.app.routes))
    paths = {context.path for context in contexts if context.original_route is matched}
    methods = {
        method for context in contexts if context.path in paths for method in context.methods or ()
    }
    headers = {"Allow": ", ".join(sorted(methods))} if methods else getattr(exc, "headers", None)
    return JSONResponse(
        status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
        content={"detail": "Method Not Allowed"},
        headers=headers,
    )


async def database_unavailable_handler(_request: Request, exc: Exception) -> JSONResponse:
    """503 when the database is down or saturated; any other database error stays a 500."""
    if not is_unavailable(exc):
        raise exc
    # The driver's error only: a DBAPIError's text carries the statement and its parameters.
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    logger.warning("Database unavailable: %s: %s", type(cause).__name__, cause)
    error = ServiceUnavailable()
    return JSONResponse(status_code=error.status_code, content={"detail": error.detail})
