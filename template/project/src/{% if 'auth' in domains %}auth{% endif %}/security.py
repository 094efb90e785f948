"""Passwords (pwdlib, Argon2), access tokens (PyJWT) and opaque refresh tokens."""

import asyncio
import hashlib
import secrets
import time
import uuid
from datetime import UTC, datetime

import jwt
from fastapi.concurrency import run_in_threadpool
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from src.auth.config import auth_settings
from src.auth.schemas import JWTData
from src.constants import Environment


def password_hasher(environment: Environment) -> PasswordHash:
    """Argon2id with pwdlib's parameters (RFC 9106's second choice: 64 MiB, 3 passes, 4 lanes),
    except under the test suite's own environment, which is never deployed: its smallest
    parameters let a suite register hundreds of users in a second. A hash records its parameters,
    so either kind verifies anywhere."""
    if environment is Environment.TESTING:
        return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    return PasswordHash((Argon2Hasher(),))


password_hash = password_hasher(auth_settings.ENVIRONMENT)
# Verified when the e-mail is unknown, so both paths cost one Argon2 verify (no user enumeration).
DUMMY_PASSWORD_HASH = password_hash.hash("dummy-password-for-unknown-users")


# A burst of logins queues here instead of taking every thread and a core and 64 MiB each.
hashing_slots = asyncio.Semaphore(auth_settings.MAX_CONCURRENT_HASHES)


async def hash_password(password: str) -> str:
    # Argon2 takes ~100 ms of CPU: keep it off the event loop.
    async with hashing_slots:
        return await run_in_threadpool(password_hash.hash, password)


async def verify_password(password: str, hashed: str | None) -> bool:
    """Verify ``password``; with ``hashed=None`` burn the same time and return False."""
    async with hashing_slots:
        valid = await run_in_threadpool(
            password_hash.verify, password, hashed or DUMMY_PASSWORD_HASH
        )
    return valid and hashed is not None


def create_access_token(user_id: uuid.UUID, *, now: datetime | None = None) -> str:
    issued_at = now or datetime.now(UTC)
    claims = {"sub": str(user_id), "iat": issued_at, "exp": issued_at + auth_settings.JWT_EXP}
    secret = auth_settings.JWT_SECRET.get_secret_value()
    return jwt.encode(claims, secret, algorithm=auth_settings.JWT_ALG)


# Verified tokens, kept: the same token, secret and algorithm always verify the same way, so a
# client's token is checked once (PyJWT's checks cost more than the request's query); its expiry
# is still checked on every use. Failures are not kept (a token from a replica whose clock runs
# ahead becomes valid later). Bounded: the oldest is dropped first.
VERIFIED_TOKENS_KEPT = 4096
_verified: dict[tuple[str, str, str], tuple[JWTData, float]] = {}


def decode_access_token(token: str) -> JWTData | None:
    """The token's data, or None when it is forged, expired, malformed or unsigned."""
    secret, algorithm = auth_settings.JWT_SECRET.get_secret_value(), auth_settings.JWT_ALG
    key = (token, secret, algorithm)
    if (kept := _verified.get(key)) is not None:
        jwt_data, expires_at = kept
        if time.time() < expires_at:  # PyJWT's rule: expired from the "exp" second on
            return jwt_data
        del _verified[key]
        return None
    try:
        claims = jwt.decode(
            token, secret, algorithms=[algorithm], options={"require": ["exp", "iat", "sub"]}
        )
        jwt_data = JWTData(user_id=uuid.UUID(claims["sub"]))
    except (jwt.InvalidTokenError, ValueError):
        return None
    if len(_verified) >= VERIFIED_TOKENS_KEPT:
        del _verified[next(iter(_verified))]
    _verified[key] = (jwt_data, float(claims["exp"]))
    return jwt_data


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    """Refresh tokens are random, so a fast hash is enough to keep the stored value useless."""
    return hashlib.sha256(token.encode()).hexdigest()
