"""A request's (or a task's) work on PostgreSQL: ``Database``, and the dependencies that give a
route one (``DbDep`` for a unit of work, ``ReadDbDep`` for hot reads)."""

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import TracebackType
from typing import Annotated, Any, Self, TypeVar

import asyncpg
from fastapi import Depends, Request
from pydantic import BaseModel

from src.database.connections import Connection, ConnectionSource
from src.database.errors import DRIVER_ERRORS, call, is_closed
from src.database.queries import Query

Model = TypeVar("Model", bound=BaseModel)
T = TypeVar("T")


class Database:
    """One request's (or task's) work on PostgreSQL; ``async with`` commits or rolls back."""

    __slots__ = ("_connection", "_reads_only", "_source", "_transaction")

    def __init__(self, source: ConnectionSource, *, reads_only: bool = False) -> None:
        """``reads_only``: each statement borrows a connection for itself alone (no
        transaction, nothing held between statements) and a write is refused."""
        self._source = source
        self._reads_only = reads_only
        self._connection: Connection | None = None
        self._transaction: asyncpg.transaction.Transaction | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        error_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if error is None:
            await self.commit()
        else:
            await self.rollback()

    async def fetch_one(self, query: Query, model: type[Model], /, **params: Any) -> Model | None:
        record = await self._run(query, params, "fetchrow")
        return None if record is None else model.model_validate(dict(record))

    async def fetch_all(self, query: Query, model: type[Model], /, **params: Any) -> list[Model]:
        records = await self._run(query, params, "fetch")
        return [model.model_validate(dict(record)) for record in records]

    async def fetch_value(self, query: Query, kind: type[T], /, **params: Any) -> T | None:
        """The first column of the first row (``None`` without a row or for NULL)."""
        value = await self._run(query, params, "fetchval")
        if value is not None and not isinstance(value, kind):
            msg = f"expected {kind.__name__}, the query returned {type(value).__name__}"
            raise TypeError(msg)
        return value

    async def fetch_json(self, query: Query, /, **params: Any) -> bytes | None:
        """The JSON text the statement built (``json_row``, ``json_page``), as a response body;
        ``None`` without a row."""
        text: str | None = await self._run(query, params, "fetchval")
        return None if text is None else text.encode()

    async def execute(self, query: Query, /, **params: Any) -> int:
        """Run a statement without rows; the number of rows it changed."""
        status: str = await self._run(query, params, "execute")
        count = status.rpartition(" ")[2]
        return int(count) if count.isdigit() else 0

    async def commit(self) -> None:
        """Commit what the request wrote and hand the connection back. The dependency does it
        when the route returns; a route calls it itself only for a documented reason."""
        if self._transaction is not None and self._connection is not None:
            transaction, self._transaction = self._transaction, None
            try:
                await call(transaction.commit, connection=self._connection)
            except BaseException:
                await self._discard()
                raise
        await self.release()

    async def rollback(self) -> None:
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            try:
                await transaction.rollback()
            except DRIVER_ERRORS:
                # The connection is gone: so is its transaction.
                await self._discard()
                return
        await self.release()

    async def release(self) -> None:
        """Hand the connection back to the pool while no transaction needs it (before slow work
        such as hashing a password); the next statement takes one again."""
        if self._transaction is not None:
            msg = "commit or roll back before releasing the connection"
            raise RuntimeError(msg)
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await self._source.release(connection)

    async def _discard(self) -> None:
        """Close a connection whose transaction is in doubt, then hand it back (the pool opens
        another)."""
        self._transaction = None
        if self._connection is not None and not is_closed(self._connection):
            self._connection.terminate()
        await self.release()

    async def _run(self, query: Query, params: Mapping[str, Any], method: str) -> Any:
        """The one way a statement runs: on the connection this work holds (taken on its first
        statement), in its transaction from the first write on; a hot read hands the connection
        back right after its statement."""
        arguments = query.arguments(params)
        if query.writes and self._reads_only:
            msg = "a write needs the request's unit of work (DbDep), not ReadDbDep"
            raise RuntimeError(msg)
        if self._connection is None:
            self._connection = await self._source.acquire()
        connection = self._connection
        try:
            if query.writes and self._transaction is None:
                transaction = connection.transaction()
                await call(transaction.start, connection=connection)
                self._transaction = transaction
            function: Callable[..., Awaitable[Any]] = getattr(connection, method)
            return await call(function, query.sql, *arguments, connection=connection)
        finally:
            if self._reads_only:
                await self.release()


async def get_db(request: Request) -> AsyncIterator[Database]:
    """The request's unit of work on the app's pool."""
    async with Database(request.app.state.database) as database:
        yield database


# Function scope: the commit happens when the route returns, before the response is sent, and
# the connection is back in the pool before a slow client has read the body.
DbDep = Annotated[Database, Depends(get_db, scope="function")]


async def get_read_db(request: Request) -> Database:
    """Reads only, on the app's pool: no transaction and no ``yield`` (a hot read pays for
    neither). A route that writes takes ``DbDep``."""
    return Database(request.app.state.database, reads_only=True)


ReadDbDep = Annotated[Database, Depends(get_read_db)]
