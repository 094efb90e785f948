from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from src import exceptions, health, logs, middleware, observability, openapi
from src.config import Config, settings
from src.constants import PROJECT_NAME
from src.database import DatabasePool
from src.domains import domain_routers
from src.rate_limits import RateLimitConfig, RateLimiter, rate_limit, rate_limit_settings

# Every domain route may reach the database and is rate-limited: each documents both answers.
DOMAIN_RESPONSES = exceptions.error_responses(
    status.HTTP_429_TOO_MANY_REQUESTS, status.HTTP_503_SERVICE_UNAVAILABLE
)

DEFAULT_LIMIT = rate_limit("default")


class Service(FastAPI):
    """FastAPI, with the body limit's plain-text 413 sent as the JSON error every error is (the
    limit answers outside the middleware an app adds), and outside everything: a request id and
    an access line for every request, the 413s and 500s included."""

    def build_middleware_stack(self) -> ASGIApp:
        app = middleware.JSONContentTooLargeMiddleware(super().build_middleware_stack())
        return middleware.request_id_middleware(logs.AccessLogMiddleware(app))

    def openapi(self) -> dict[str, Any]:
        return openapi.complete(super().openapi())


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    await app.state.database.close()


def create_app(
    config: Config = settings, rate_limits: RateLimitConfig = rate_limit_settings
) -> FastAPI:
    app = Service(
        # FastAPI's own OpenTelemetry off: src/observability traces, when chosen (per request,
        # FastAPI would otherwise look for OpenTelemetry's middleware down the stack).
        telemetry={"tracing": False, "metrics": False, "logs": False},
        title=PROJECT_NAME,
        version=config.APP_VERSION,
        debug=config.DEBUG,
        lifespan=lifespan,
        generate_unique_id_function=openapi.operation_id,
        # No schema means no /docs or /redoc either.
        openapi_url="/openapi.json" if config.show_docs else None,
        # Larger bodies get a 413 before any route reads them.
        max_body_size=config.MAX_REQUEST_BODY_BYTES,
    )
    # Opened on first use: the service starts, and answers 503, while its database is down.
    app.state.database = DatabasePool(config)
    app.state.rate_limiter = RateLimiter(rate_limits)
    # Innermost first: unexpected errors become JSON 500s inside CORS, so a browser reads them.
    app.add_middleware(middleware.ServerErrorMiddleware, debug=config.DEBUG)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=config.CORS_ORIGINS,
        allow_origin_regex=config.CORS_ORIGINS_REGEX,
        allow_credentials=config.CORS_ALLOW_CREDENTIALS,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=config.CORS_HEADERS,
        # A browser app can read the request id of a failed call, to report it.
        expose_headers=["X-Request-ID"],
    )
    app.add_middleware(middleware.SecurityHeadersMiddleware, hsts=config.ENVIRONMENT.is_deployed)
    # The client address behind a trusted proxy, as uvicorn does (for servers that do not).
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=config.FORWARDED_ALLOW_IPS)
    app.add_exception_handler(RequestValidationError, exceptions.validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, exceptions.http_error_handler)
    observability.instrument(app)
    app.include_router(health.router)
    # Rate limits off: the default limit is not even resolved (a dependency less per request).
    limits = [DEFAULT_LIMIT] if rate_limits.RATE_LIMIT_ENABLED else []
    for router in domain_routers():
        app.include_router(router, responses=DOMAIN_RESPONSES, dependencies=limits)
    return app


app = create_app()
