"""Rate limits (the ``limits`` library): a route depends on ``rate_limit(name)``, counted per
client IP, or per account with ``per=``; past the limit, a 429 with ``Retry-After``.

Counts live in Redis when the service has one (``REDIS_URL``, or ``RATE_LIMIT_STORAGE_URL``),
so every replica shares them; in the process's memory otherwise. The client IP is the one
uvicorn's proxy-headers middleware settles on: ``X-Forwarded-For`` counts only from a proxy in
``FORWARDED_ALLOW_IPS``. If the storage fails, requests pass (logged): an outage of the rate
limiter must not become an outage of the service.
"""

import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from pydantic import AfterValidator, Field, RedisDsn, field_validator

from src.config import BaseConfig
from src.constants import Environment
from src.exceptions import TooManyRequests

logger = logging.getLogger(__name__)

# Under ENVIRONMENT=testing every request comes from one address: limits no suite reaches (the
# rate limits' own tests set real ones).
TESTING_LIMIT = "1000000/second"


def _valid_limit(value: str) -> str:
    parse_many(value)  # a ValueError that shows the expected notation
    return value


# A limit in the ``limits`` notation: "20/minute", "5 per 10 seconds", "10/minute;100/day".
Limit = Annotated[str, AfterValidator(_valid_limit)]


def _limit(default: str) -> Any:
    """A limit setting's default: ``default``, or ``TESTING_LIMIT`` under tests."""

    def factory(data: dict[str, Any]) -> str:
        return TESTING_LIMIT if data.get("ENVIRONMENT") is Environment.TESTING else default

    return Field(default_factory=factory)


class RateLimitConfig(BaseConfig):
    RATE_LIMIT_ENABLED: bool = True
    # memory:// or redis://...; unset: REDIS_URL when the service has one, else memory://.
    RATE_LIMIT_STORAGE_URL: str | None = None
    # Checked here too: this module builds the storage at import, before the worker's settings
    # would refuse a bad URL, and the driver's error quotes the URL, password included.
    REDIS_URL: RedisDsn | None = Field(default=None, validation_alias="REDIS_URL")
    # Prefixes the keys in Redis: services (or test runs) can share one Redis.
    RATE_LIMIT_KEY_PREFIX: str = Field(default="rate-limits", min_length=1)
    # Every domain route, per client IP.
    RATE_LIMIT_DEFAULT: Limit = _limit("600/minute")
    # Auth: per client IP, and per account (the e-mail, or the refresh token's user).
    RATE_LIMIT_LOGIN: Limit = _limit("20/minute")
    RATE_LIMIT_LOGIN_ACCOUNT: Limit = _limit("10/minute")
    RATE_LIMIT_REGISTER: Limit = _limit("20/hour")
    RATE_LIMIT_REGISTER_ACCOUNT: Limit = _limit("5/hour")
    RATE_LIMIT_REFRESH: Limit = _limit("60/minute")
    RATE_LIMIT_REFRESH_ACCOUNT: Limit = _limit("30/minute")
    # Auth's e-mail links (verification, password reset): each sends mail, so per address and
    # per e-mail address asked for (the same for accounts that exist and those that do not).
    RATE_LIMIT_EMAIL_LINK: Limit = _limit("20/hour")
    RATE_LIMIT_EMAIL_LINK_ACCOUNT: Limit = _limit("3/hour")
    # Tokens of those links tried (verify, reset), and password changes (per address, per user).
    RATE_LIMIT_EMAIL_TOKEN: Limit = _limit("30/hour")
    RATE_LIMIT_PASSWORD_CHANGE: Limit = _limit("20/hour")
    RATE_LIMIT_PASSWORD_CHANGE_ACCOUNT: Limit = _limit("5/hour")

    @field_validator("RATE_LIMIT_STORAGE_URL")
    @classmethod
    def valid_storage(cls, value: str | None) -> str | None:
        msg = "RATE_LIMIT_STORAGE_URL must be memory:// or a redis:// or rediss:// URL"
        if value is None or value == "memory://":
            return value
        if not value.startswith(("redis://", "rediss://")):
            raise ValueError(msg)
        try:
            RedisDsn(value)  # a bad port or host: refused here, without the URL
        except ValueError:
            raise ValueError(msg) from None
        return value

    @property
    def storage_url(self) -> str:
        if self.RATE_LIMIT_STORAGE_URL:
            return self.RATE_LIMIT_STORAGE_URL
        if self.REDIS_URL and self.ENVIRONMENT is not Environment.TESTING:
            return str(self.REDIS_URL)
        return "memory://"


class RateLimiter:
    """The limits of one app (``app.state.rate_limiter``) and the storage they count in."""

    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        url = config.storage_url
        options: dict[str, Any] = {"wrap_exceptions": True}
        if url.startswith("redis"):
            # redis-py (the worker's client), with bounded waits: a slow Redis lets requests pass.
            options |= {
                "implementation": "redispy",
                "key_prefix": config.RATE_LIMIT_KEY_PREFIX,
                "socket_timeout": 1,
                "socket_connect_timeout": 1,
            }
        self.storage = cast(Storage, storage_from_string(f"async+{url}", **options))
        # Fixed windows: one counter per key, whatever the limit (a moving window keeps a time
        # per counted request); a burst across a window's edge can reach twice the limit.
        self.strategy = FixedWindowRateLimiter(self.storage)
        self._items: dict[str, tuple[RateLimitItem, ...]] = {}

    def limits(self, name: str) -> tuple[RateLimitItem, ...]:
        return tuple(parse_many(getattr(self.config, f"RATE_LIMIT_{name.upper()}")))

    async def hit(self, name: str, key: str) -> None:
        """Count one request of ``key`` against limit ``name``; a 429 past it."""
        if not self.config.RATE_LIMIT_ENABLED:
            return
        # Parsed once per name (every request of a domain route checks one).
        if (items := self._items.get(name)) is None:
            items = self._items[name] = self.limits(name)
        for item in items:
            try:
                if await self.strategy.hit(item, name, key):
                    continue
                stats = await self.strategy.get_window_stats(item, name, key)
            except StorageError as error:
                cause = error.storage_error
                logger.warning("Rate limits unavailable: %s: %s", type(cause).__name__, cause)
                return
            raise TooManyRequests(retry_after=max(1, math.ceil(stats.reset_time - time.time())))


async def client_ip(request: Request) -> str:
    """The client's address (a trusted proxy's ``X-Forwarded-For`` already applied)."""
    return request.client.host if request.client else "unknown"


def body_field(name: str) -> Callable[[Request], Awaitable[str | None]]:
    """A ``per=`` key: a field of the request's form or JSON body (e.g. the e-mail of a login),
    lowercased; none when absent (then only the per-IP limits apply)."""

    async def key(request: Request) -> str | None:
        media_type = request.headers.get("content-type", "")
        try:
            body: Any = await request.json() if "json" in media_type else dict(await request.form())
        except Exception:  # a malformed body: the route's own validation answers it
            return None
        value = body.get(name) if isinstance(body, dict) else None
        return value.strip().lower() if isinstance(value, str) and value.strip() else None

    return key


def rate_limit(name: str, *, per: Callable[..., Awaitable[object]] = client_ip) -> Any:
    """A route dependency: at most ``RATE_LIMIT_<NAME>`` requests per ``per`` key (a dependency
    returning the key: the client IP by default, an account with ``body_field("username")`` or
    any dependency of the route). ``dependencies=[rate_limit("login")]``."""
    if f"RATE_LIMIT_{name.upper()}" not in RateLimitConfig.model_fields:
        msg = f"rate_limit({name!r}) needs a RATE_LIMIT_{name.upper()} setting in RateLimitConfig"
        raise ValueError(msg)

    if per is client_ip:
        # Every domain route's limit: the address read here, one dependency less to resolve.
        async def limited_per_ip(request: Request) -> None:
            await request.app.state.rate_limiter.hit(name, await client_ip(request))

        return Depends(limited_per_ip)

    async def limited(request: Request, key: Annotated[object, Depends(per)]) -> None:
        if key is not None:
            # A key from the body may hold a lone surrogate, which Redis cannot store: escaped,
            # it still has a count of its own.
            storable = str(key).encode("utf-8", "backslashreplace").decode()
            await request.app.state.rate_limiter.hit(name, storable)

    return Depends(limited)


rate_limit_settings = RateLimitConfig()
