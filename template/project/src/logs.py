"""Logs: one configuration (``logging.ini``) for the API, uvicorn, the database and the worker.

- JSON lines when deployed (``LOG_FORMAT``), readable text locally and under tests;
- every line logged while a request runs carries its request id (``X-Request-ID``) and, once
  known, its user id;
- one access line per request: method, route template (never the raw path, which holds ids),
  status, duration, request id and user id. Never bodies, query strings, headers or cookies.
"""

import logging
import logging.config
import time
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from asgi_correlation_id import correlation_id
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from src.config import BaseConfig

LOGGING_INI = Path(__file__).resolve().parent.parent / "logging.ini"
# The trace id, in a line made inside a span (tracing chosen): `` [trace 4bf9…]`` or nothing.
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(name)s] [%(request_id)s]%(trace)s %(message)s"
JSON_FIELDS = ["levelname", "name", "message", "request_id", "user_id"]

access_logger = logging.getLogger("src.access")
# The user a request acts for, once a dependency has authenticated it: a mutable cell per
# request, so a value set inside a dependency is seen by the access line written after it.
_user_id: ContextVar[list[str] | None] = ContextVar("user_id", default=None)


class LogConfig(BaseConfig):
    # Unset: JSON lines in staging and production, text elsewhere.
    LOG_FORMAT: Literal["json", "text"] | None = None

    @property
    def json_lines(self) -> bool:
        return self.LOG_FORMAT == "json" or (
            self.LOG_FORMAT is None and self.ENVIRONMENT.is_deployed
        )


def set_user_id(user_id: object) -> None:
    """Name the request's user in its access line (called where a request authenticates)."""
    if (cell := _user_id.get()) is not None:
        cell[:] = [str(user_id)]


def user_id() -> str | None:
    """The request's user, once known (error reports name it too)."""
    cell = _user_id.get()
    return cell[0] if cell else None


def _add_context(record: logging.LogRecord) -> None:
    record.request_id = correlation_id.get() or "-"
    record.user_id = user_id()


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        _add_context(record)
        trace_id = getattr(record, "trace_id", None)
        record.trace = f" [trace {trace_id}]" if trace_id else ""
        return super().format(record)


class JSONFormatter(OrjsonFormatter):
    """python-json-logger's lines, encoded by orjson (a quarter of the standard encoder's
    time)."""

    def format(self, record: logging.LogRecord) -> str:
        _add_context(record)
        return super().format(record)


def formatter(*args: Any, **kwargs: Any) -> logging.Formatter:
    """``logging.ini``'s formatter (its ``format`` line is ignored): JSON or text, see above."""
    if LogConfig().json_lines:
        return JSONFormatter(
            JSON_FIELDS,
            rename_fields={"levelname": "level", "name": "logger"},
            # uvicorn's extra copy of its message with terminal colours
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
            # The record's time in UTC, last; orjson writes it as its ISO string.
            timestamp=True,
        )
    return TextFormatter(TEXT_FORMAT)


def configure() -> None:
    """Apply ``logging.ini`` (uvicorn does it with ``--log-config``; the worker calls this)."""
    logging.config.fileConfig(LOGGING_INI, disable_existing_loggers=False)


class AccessLogMiddleware:
    """One line per request, written when its response has started (or it failed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an error no middleware turned into a response
        token = _user_id.set([])

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            if access_logger.isEnabledFor(logging.INFO):
                self.log(scope, status, started)
            _user_id.reset(token)

    def log(self, scope: Scope, status: int, started: float) -> None:
        route = getattr(scope.get("route"), "path", None) or "(no route)"
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        method = scope["method"]
        # What access_logger.info() does, less its walk up the stack for the caller: it is
        # always this method.
        record = access_logger.makeRecord(
            access_logger.name,
            logging.INFO,
            __file__,
            ACCESS_LINE_NUMBER,
            "%s %s %s %.1fms",
            (method, route, status, duration_ms),
            None,
            func="log",
            extra={"method": method, "route": route, "status": status, "duration_ms": duration_ms},
        )
        access_logger.handle(record)


ACCESS_LINE_NUMBER = AccessLogMiddleware.log.__code__.co_firstlineno
