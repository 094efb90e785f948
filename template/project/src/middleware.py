"""Pure ASGI middleware (no per-request task or body copy): security headers, a JSON 413, and
a JSON 500 for any unexpected error, and request ids."""

import json
import logging
import re
import traceback
from collections.abc import Callable

from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from src.constants import ErrorCode

logger = logging.getLogger(__name__)

# The API answers JSON only: nothing to frame, run or refer to. The docs pages load Swagger UI
# and ReDoc from their CDN, so they get a policy that allows just that.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
DOCS_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; connect-src 'self'; worker-src blob:; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
# A request id a proxy or client sent, if it looks like one (a UUID, nginx's $request_id, a
# trace id); else the service makes one (and says so in a warning).
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Called with every unexpected error, after its log line (src/observability/errors.py adds one
# when error reporting is on; src/worker.py calls them with a task's error).
error_reporters: list[Callable[[BaseException], None]] = []


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """``X-Request-ID`` on every response, and in every log line of its request (src/logs.py)."""
    request_ids = CorrelationIdMiddleware(
        app, validator=lambda value: bool(REQUEST_ID.fullmatch(value))
    )
    # Not its Sentry hook: with sentry-sdk installed, it tags Sentry's isolation scope with each
    # request's id, and without Sentry's ASGI integration (off, see src/observability) that scope
    # is the process's, shared by concurrent requests: an event could carry another request's id.
    # Error reports (src/observability/errors.py) tag their own request id.
    request_ids.sentry_extension = _no_sentry_tag
    return request_ids


def _no_sentry_tag(request_id: str) -> None:
    return None


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.headers = [*HEADERS, HSTS] if hsts else HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope["path"] in DOCS_PATHS else API_POLICY
        extra = [*self.headers, (b"content-security-policy", policy.encode())]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class JSONContentTooLargeMiddleware:
    """The 413 of FastAPI's body limit is plain text: send the JSON error body instead (a route's
    own JSON 413, such as a domain's "file too large", passes as it is)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        code = ErrorCode.CONTENT_TOO_LARGE
        self.body = json.dumps({"detail": code.value, "code": code.name}).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rewriting = False

        async def send_json(message: Message) -> None:
            nonlocal rewriting
            if message["type"] == "http.response.start" and message["status"] == 413:
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name not in {b"content-type", b"content-length"}
                ]
                if (b"content-type", b"application/json") in message.get("headers", []):
                    await send(message)  # a route's own 413 (a domain error): already JSON
                    return
                rewriting = True
                message = {
                    **message,
                    "headers": [
                        *headers,
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(self.body)).encode()),
                    ],
                }
            elif rewriting and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": self.body}
            await send(message)

        await self.app(scope, receive, send_json)


class ServerErrorMiddleware:
    """An unexpected error is a JSON 500 (inside CORS, so a browser can read it) and one log
    line with the error's type and stack (and the request id), never the request's data (a
    traceback's message can quote a submitted password or e-mail)."""

    def __init__(self, app: ASGIApp, *, debug: bool) -> None:
        self.app = app
        self.debug = debug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as error:
            if self.debug or started:
                raise  # Starlette's debug page, or a response already on its way
            logger.error(
                "Unhandled %s on %s %s, request id %s:\n%s",
                type(error).__name__,
                scope["method"],
                getattr(scope.get("route"), "path", "(no route)"),
                correlation_id.get(),
                "".join(traceback.format_list(traceback.extract_tb(error.__traceback__))),
            )
            for report in error_reporters:
                report(error)
            code = ErrorCode.INTERNAL_ERROR
            response = JSONResponse({"detail": code, "code": code.name}, status_code=500)
            await response(scope, receive, send)
