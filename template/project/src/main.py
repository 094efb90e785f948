from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from src import exceptions, health
from src.config import Config, settings
from src.constants import PROJECT_NAME
from src.database import engine
from src.domains import domain_routers

# Every domain route may reach the database, so each documents the outage answer.
DATABASE_UNAVAILABLE = exceptions.error_responses(status.HTTP_503_SERVICE_UNAVAILABLE)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    yield
    await engine.dispose()


def create_app(config: Config = settings) -> FastAPI:
    app = FastAPI(
        title=PROJECT_NAME,
        version=config.APP_VERSION,
        debug=config.DEBUG,
        lifespan=lifespan,
        # P16: no schema means no /docs or /redoc either.
        openapi_url="/openapi.json" if config.show_docs else None,
        # Larger bodies get a 413 before any route reads them.
        max_body_size=config.MAX_REQUEST_BODY_BYTES,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=config.CORS_ORIGINS,
        allow_origin_regex=config.CORS_ORIGINS_REGEX,
        allow_credentials=config.CORS_ALLOW_CREDENTIALS,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=config.CORS_HEADERS,
    )
    app.add_exception_handler(RequestValidationError, exceptions.validation_error_handler)
    app.add_exception_handler(status.HTTP_400_BAD_REQUEST, exceptions.bad_request_handler)
    app.add_exception_handler(
        status.HTTP_405_METHOD_NOT_ALLOWED, exceptions.method_not_allowed_handler
    )
    # Connection-level failures (refused, timed out, dropped, pool exhausted) become a 503.
    for error in (OSError, DBAPIError, PoolTimeoutError):
        app.add_exception_handler(error, exceptions.database_unavailable_handler)
    app.include_router(health.router)
    for router in domain_routers():
        app.include_router(router, responses=DATABASE_UNAVAILABLE)
    return app


app = create_app()
