from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from src import health
from src.config import Config, settings
from src.constants import PROJECT_NAME
from src.database import engine
from src.domains import domain_routers


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    yield
    await engine.dispose()


async def validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """422 with field details, without echoing the submitted values (passwords included)."""
    if not isinstance(exc, RequestValidationError):  # registered for RequestValidationError only
        raise exc
    errors: list[dict[str, Any]] = [
        {key: value for key, value in error.items() if key not in {"input", "ctx", "url"}}
        for error in exc.errors()
    ]
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": errors}
    )


def create_app(config: Config = settings) -> FastAPI:
    app = FastAPI(
        title=PROJECT_NAME,
        version=config.APP_VERSION,
        lifespan=lifespan,
        # P16: no schema means no /docs or /redoc either.
        openapi_url="/openapi.json" if config.show_docs else None,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=config.CORS_ORIGINS,
        allow_origin_regex=config.CORS_ORIGINS_REGEX,
        allow_credentials=config.CORS_ALLOW_CREDENTIALS,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=config.CORS_HEADERS,
    )
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.include_router(health.router)
    for router in domain_routers():
        app.include_router(router)
    return app


app = create_app()
