"""Liveness and readiness probes: the process is up, and it can serve (database reachable)."""

from fastapi import APIRouter, status
from sqlalchemy import literal_column, select

from src.database import DbDep, compile_query
from src.exceptions import error_responses
from src.models import CustomModel

router = APIRouter(tags=["health"])

PING = compile_query(select(literal_column("1")))


class HealthResponse(CustomModel):
    status: str


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
async def get_readiness(db: DbDep) -> HealthResponse:
    """The service can serve requests: its database answers (else a 503)."""
    await db.fetch_value(PING, int)
    return HealthResponse(status="ok")
