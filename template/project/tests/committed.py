"""Reading what a request really committed: a connection of its own, outside both the app's
pool and the test's rolled-back transaction."""

import uuid
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy import inspect as sa_inspect

from src.config import settings
from src.database import Base, compile_query, connect


async def read_back(model: type[Base], row_id: uuid.UUID | str) -> dict[str, Any] | None:
    """The row of ``model`` with this primary key, as any other client sees it now."""
    table = model.__table__
    [key] = sa_inspect(model).primary_key
    query = compile_query(select(table).where(key == bindparam("row_id")))
    connection = await connect(settings)
    try:
        record = await connection.fetchrow(
            query.sql, *query.arguments({"row_id": uuid.UUID(str(row_id))})
        )
    finally:
        await connection.close()
    return None if record is None else dict(record)
