import re
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from src.constants import SHOW_DOCS_ENVIRONMENTS, Environment

# An origin no CORS setting should ever allow: a regex that matches it matches any site.
FOREIGN_ORIGIN = "https://attacker.invalid"


def _asyncpg_url(url: str) -> str:
    """Accept any PostgreSQL URL (``postgresql://``, ``postgres://``) and use the asyncpg driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.get_backend_name() != "postgresql":
        msg = f"DATABASE_URL must be a PostgreSQL URL, got a {parsed.get_backend_name()} one"
        raise ValueError(msg)
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


class Config(BaseSettings):
    """Settings of the whole service; each domain keeps its own in ``src/<domain>/config.py``."""

    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    ENVIRONMENT: Environment = Environment.PRODUCTION
    APP_VERSION: str = "0.1.0"
    # Tracebacks in 500 responses: local debugging only, refused in deployed environments.
    DEBUG: bool = False
    # Larger request bodies get a 413 before the route reads them (FastAPI's max_body_size).
    MAX_REQUEST_BODY_BYTES: int = Field(default=1_048_576, ge=0)

    DATABASE_URL: Annotated[str, AfterValidator(_asyncpg_url)]
    # Connections per process. A process's requests share one CPU, so more connections only make
    # them wait together: 10 served as many requests/s as 20 with half the p99 (benchmarks/load.py).
    DATABASE_POOL_SIZE: int = Field(default=10, ge=1)
    DATABASE_MAX_OVERFLOW: int = Field(default=0, ge=0)
    # How long a request waits for a free connection before a 503 (SQLAlchemy's default is 30 s).
    DATABASE_POOL_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0)
    DATABASE_POOL_RECYCLE_SECONDS: int = Field(default=1800, ge=1)
    DATABASE_CONNECT_TIMEOUT_SECONDS: float = Field(default=5.0, gt=0)

    CORS_ORIGINS: list[str] = []
    CORS_ORIGINS_REGEX: str | None = None
    CORS_HEADERS: list[str] = ["Authorization", "Content-Type"]
    CORS_ALLOW_CREDENTIALS: bool = True

    @model_validator(mode="after")
    def refuse_wildcard_origin_with_credentials(self) -> Self:
        # Starlette answers a credentialed request from any Origin when both are set.
        if self.CORS_ALLOW_CREDENTIALS and "*" in self.CORS_ORIGINS:
            msg = (
                "CORS_ORIGINS=['*'] with CORS_ALLOW_CREDENTIALS=true lets every site make "
                "credentialed requests: list the allowed origins explicitly"
            )
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def refuse_catch_all_origin_regex(self) -> Self:
        if self.CORS_ORIGINS_REGEX is None:
            return self
        try:
            pattern = re.compile(self.CORS_ORIGINS_REGEX)
        except re.error as error:
            msg = f"CORS_ORIGINS_REGEX is not a valid regular expression: {error}"
            raise ValueError(msg) from error
        if self.CORS_ALLOW_CREDENTIALS and pattern.fullmatch(FOREIGN_ORIGIN):
            msg = (
                f"CORS_ORIGINS_REGEX matches any origin ({FOREIGN_ORIGIN}), and with "
                "CORS_ALLOW_CREDENTIALS=true every site could make credentialed requests: "
                "anchor it to your own domains"
            )
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def refuse_debug_when_deployed(self) -> Self:
        if self.DEBUG and self.ENVIRONMENT.is_deployed:
            msg = f"DEBUG=true sends tracebacks to clients: refused in {self.ENVIRONMENT}"
            raise ValueError(msg)
        return self

    @property
    def show_docs(self) -> bool:
        return self.ENVIRONMENT in SHOW_DOCS_ENVIRONMENTS


settings = Config()
