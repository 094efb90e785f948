"""Liveness and readiness probes: the process is up, and it can serve (database reachable)."""

from fastapi import APIRouter, status
from sqlalchemy import text

from src.database import SessionDep
from src.exceptions import error_responses
from src.models import CustomModel

router = APIRouter(tags=["health"])


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
async def get_readiness(session: SessionDep) -> HealthResponse:
    """The service can serve requests: its database answers (503 from the outage handler)."""
    await session.execute(text("SELECT 1"))
    return HealthResponse(status="ok")
