import ipaddress
import os
import re
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import AfterValidator, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from src.constants import SHOW_DOCS_ENVIRONMENTS, Environment
from src.env_file import undecodable_env_file

# An origin no CORS setting should ever allow: a regex that matches it matches any site.
FOREIGN_ORIGIN = "https://attacker.invalid"


class BaseConfig(BaseSettings):
    """What every settings class of the service shares (this file's ``Config`` and each
    domain's): the ``.env`` file, one ``ENVIRONMENT``, and errors that never echo a value."""

    model_config = SettingsConfigDict(
        env_file=".env",
        # Whatever the machine's locale: the same bytes mean the same settings everywhere.
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        # A refused value stays out of the error: it may be a secret (a JWT key, a password).
        hide_input_in_errors=True,
        # "inf" would pass gt=0 and fail later (int(inf) in a timeout given in milliseconds).
        allow_inf_nan=False,
    )

    # No prefix, whatever the class's env_prefix: the one environment of the whole service.
    ENVIRONMENT: Environment = Field(default=Environment.PRODUCTION, validation_alias="ENVIRONMENT")

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except UnicodeDecodeError:
            # One line naming the file and the place, instead of python-dotenv's traceback
            # (which names neither); the bytes themselves may be a secret, so never them.
            env_files = values.get("_env_file", self.model_config.get("env_file"))
            if isinstance(env_files, str | Path):
                env_files = [env_files]
            for env_file in env_files or ():
                if problem := undecodable_env_file(Path(env_file)):
                    raise SystemExit(problem) from None
            raise

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The test suite sets ENVIRONMENT=testing and everything it needs: a developer's .env
        # (another database, insecure cookies, DEBUG) must never change what the tests see.
        if os.environ.get("ENVIRONMENT") == Environment.TESTING:
            return init_settings, env_settings, file_secret_settings
        return init_settings, env_settings, dotenv_settings, file_secret_settings


def _asyncpg_url(url: SecretStr) -> SecretStr:
    """Accept any PostgreSQL URL (``postgresql://``, ``postgres://``) and use the asyncpg driver."""
    try:
        parsed = make_url(url.get_secret_value().replace("postgres://", "postgresql://", 1))
    except ArgumentError:  # not a ValueError: it would escape the settings' error
        msg = "DATABASE_URL is not a URL (postgresql://user:password@host:port/database)"
        raise ValueError(msg) from None
    if parsed.get_backend_name() != "postgresql":
        msg = f"DATABASE_URL must be a PostgreSQL URL, got a {parsed.get_backend_name()} one"
        raise ValueError(msg)
    return SecretStr(parsed.set(drivername="postgresql+asyncpg").render_as_string(False))


class Config(BaseConfig):
    """Settings of the whole service; each domain keeps its own in ``src/<domain>/config.py``."""

    APP_VERSION: str = "0.1.0"
    # Tracebacks in 500 responses: local debugging only, refused in deployed environments.
    DEBUG: bool = False
    # Larger request bodies get a 413 before the route reads them (FastAPI's max_body_size).
    MAX_REQUEST_BODY_BYTES: int = Field(default=1_048_576, ge=0)

    # A secret: its password must never reach a log line or an error.
    DATABASE_URL: Annotated[SecretStr, AfterValidator(_asyncpg_url)]
    # Connections per process. A process's requests share one CPU, so more connections only make
    # them wait together: 10 served as many requests/s as 20 with half the p99 (load benchmark).
    DATABASE_POOL_SIZE: int = Field(default=10, ge=1)
    # How long a request waits for a free connection before a 503.
    DATABASE_POOL_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0)
    DATABASE_CONNECT_TIMEOUT_SECONDS: float = Field(default=5.0, gt=0)
    # Every statement is bounded: PostgreSQL cancels a slower one, and the service stops waiting
    # DATABASE_STATEMENT_MARGIN_SECONDS later even if the database itself is frozen (then the
    # request gets a 503).
    DATABASE_STATEMENT_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0)
    DATABASE_STATEMENT_MARGIN_SECONDS: float = Field(default=1.0, gt=0)
    # Prepared statements kept per connection; 0 behind PgBouncer in transaction mode.
    DATABASE_STATEMENT_CACHE_SIZE: int = Field(default=100, ge=0)

    # Addresses (IPs or networks, comma-separated, or *) of the proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed: uvicorn reads the same variable, and the rate limits count
    # per the client address it yields. Anyone else could claim any address.
    FORWARDED_ALLOW_IPS: str = "127.0.0.1"

    CORS_ORIGINS: list[str] = []
    CORS_ORIGINS_REGEX: str | None = None
    CORS_HEADERS: list[str] = ["Authorization", "Content-Type"]
    CORS_ALLOW_CREDENTIALS: bool = True

    @field_validator("FORWARDED_ALLOW_IPS")
    @classmethod
    def valid_proxy_addresses(cls, value: str) -> str:
        for address in filter(None, (item.strip() for item in value.split(","))):
            if address != "*":
                try:
                    ipaddress.ip_network(address, strict=False)
                except ValueError:
                    msg = f"FORWARDED_ALLOW_IPS holds {address!r}: not an IP address or network"
                    raise ValueError(msg) from None
        return value

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

    @property
    def database_dsn(self) -> str:
        """``DATABASE_URL`` as asyncpg reads it (no ``+asyncpg`` driver suffix)."""
        url = make_url(self.DATABASE_URL.get_secret_value()).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def database_connect_arguments(self) -> dict[str, Any]:
        """Arguments of every asyncpg connection the service opens (pool or single)."""
        return {
            "timeout": self.DATABASE_CONNECT_TIMEOUT_SECONDS,
            "command_timeout": (
                self.DATABASE_STATEMENT_TIMEOUT_SECONDS + self.DATABASE_STATEMENT_MARGIN_SECONDS
            ),
            "statement_cache_size": self.DATABASE_STATEMENT_CACHE_SIZE,
            "server_settings": {
                "statement_timeout": str(int(self.DATABASE_STATEMENT_TIMEOUT_SECONDS * 1000)),
            },
        }


settings = Config()
