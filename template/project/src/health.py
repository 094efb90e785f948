"""Liveness and readiness probes: the process is up, and it can serve (database reachable).

Readiness fails (503) only on the database, which every domain route needs. Redis backs the rate
limits, which let requests pass while it is down, and a worker's jobs, whose routes answer 503
on their own: a Redis outage fails no other route, so it leaves the replicas in the load
balancer, and the answer says ``degraded`` with the check that failed (docs/reliability.md).
"""

import asyncio
from typing import Literal

from fastapi import APIRouter, Request, status
from limits.aio.storage import Storage
from sqlalchemy import literal_column, select

from src.database import DbDep, compile_query
from src.exceptions import error_responses
from src.models import CustomModel
from src.rate_limits import RateLimiter

router = APIRouter(tags=["health"])

PING = compile_query(select(literal_column("1")))
# Well inside the probe's timeout (3 s in deploy/kubernetes): a Redis that hangs reads as down.
REDIS_CHECK_SECONDS = 1.0

Check = Literal["ok", "unavailable"]


class HealthResponse(CustomModel):
    status: str


class ReadinessResponse(CustomModel):
    # "degraded": serving, without a dependency that only some features need (see checks).
    status: Literal["ok", "degraded"]
    # Each dependency the service has: "database", and "redis" when the rate limits count there.
    checks: dict[str, Check]


@router.get(
    "/healthz",
    status_code=status.HTTP_200_OK,
    summary="Liveness probe",
)
async def get_liveness() -> HealthResponse:
    """The process answers; never checks dependencies, so a database outage never restarts it."""
    return HealthResponse(status="ok")


@router.get(
    "/readyz",
    status_code=status.HTTP_200_OK,
    summary="Readiness probe",
    responses=error_responses(status.HTTP_503_SERVICE_UNAVAILABLE),
)
async def get_readiness(db: DbDep, request: Request) -> ReadinessResponse:
    """The service can serve requests: its database answers (else a 503). A Redis that does not
    answer makes it `degraded`, still a 200: only the features that need Redis are affected."""
    await db.fetch_value(PING, int)
    checks: dict[str, Check] = {"database": "ok"}
    limiter: RateLimiter = request.app.state.rate_limiter
    if limiter.config.storage_url.startswith("redis"):
        checks["redis"] = "ok" if await answers(limiter.storage) else "unavailable"
    degraded = any(check != "ok" for check in checks.values())
    return ReadinessResponse(status="degraded" if degraded else "ok", checks=checks)


async def answers(storage: Storage) -> bool:
    """A PING within REDIS_CHECK_SECONDS (``limits`` answers False for an error)."""
    try:
        async with asyncio.timeout(REDIS_CHECK_SECONDS):
            return await storage.check()
    except TimeoutError:
        return False
