"""Offset pagination shared by every list endpoint."""

from typing import Annotated

from fastapi import Query
from pydantic import Field

from src.models import CustomModel

MAX_LIMIT = 100
# PostgreSQL's OFFSET is a bigint: a larger value would fail in the driver (a 500), not page.
MAX_OFFSET = 2**63 - 1


class PaginationParams(CustomModel):
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT, description="Items per page")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="Items to skip")


PaginationDep = Annotated[PaginationParams, Query()]


class Page(CustomModel):
    """Fields of every page; a domain adds ``items: list[ItemResponse]`` in a subclass."""

    total: int
    limit: int
    offset: int
