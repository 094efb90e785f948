"""PostgreSQL: SQLAlchemy builds the statements, asyncpg runs them.

- Tables are SQLAlchemy models on ``Base`` (Alembic migrates them); statements are SQLAlchemy
  Core on their columns, compiled once for asyncpg by ``compile_query`` (module constants).
- A request works through one ``Database`` (``DbDep``): a pooled connection taken on its first
  statement, a transaction begun on its first write (or lock), committed when the route returns
  (before the response is sent) and rolled back if anything raised. Services never commit.
- What comes back is typed: ``fetch_one(query, PostResponse, post_id=...)``.
- Hot reads (``ReadDbDep``): a route that only reads takes a ``Database`` whose statements each
  borrow a pooled connection for just that statement (no transaction, nothing to commit, no
  ``yield`` dependency), and PostgreSQL can build the response JSON itself (``json_row``,
  ``json_page``, ``fetch_json``): the route returns it as a ``JSONBytes`` response and declares
  ``response_model=`` for the OpenAPI document.

Why not the ORM session at request time: the same query cost five times the CPU through it
(the service's benchmarks page has the numbers).
"""

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any, Protocol, Self, TypeVar, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from fastapi import Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    MetaData,
    Select,
    Text,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import asyncpg as sqlalchemy_asyncpg
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from src.config import Config
from src.exceptions import DatabaseConflict, DatabaseUnavailable, invalid_data_error

logger = logging.getLogger(__name__)

# The guide's convention, with %(column_0_N_name)s where it used %(column_0_name)s: two
# multi-column unique constraints or foreign keys starting with the same column would collide.
POSTGRES_INDEXES_NAMING_CONVENTION = {
    "ix": "%(table_name)s_%(column_0_N_name)s_idx",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}

# SQLSTATEs meaning "the database cannot serve now", not "this request is wrong": connection
# exceptions, insufficient resources (too many connections), operator intervention (shutting
# down, starting up), a statement cancelled by statement_timeout, refused credentials.
# https://www.postgresql.org/docs/current/errcodes-appendix.html
UNAVAILABLE_SQLSTATES = ("08", "53", "57P", "57014", "28")
# The client's data (class 22: a value out of range, a NUL in a text) and the current state
# (class 23: a unique, foreign-key or check violation; class 40: a deadlock or serialization
# failure between concurrent requests).
DATA_SQLSTATE = "22"
CONFLICT_SQLSTATES = ("23", "40")
# What the driver raises when the server or the network fails it. InternalClientError is not an
# InterfaceError: asyncpg raises it when a statement starts as the server's termination of the
# connection arrives ("cannot switch to state ...; another operation is in progress").
DRIVER_ERRORS = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)


Model = TypeVar("Model", bound=BaseModel)
T = TypeVar("T")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=POSTGRES_INDEXES_NAMING_CONVENTION)


# Query construction -------------------------------------------------------------------------

_DIALECT = sqlalchemy_asyncpg.dialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class Query:
    """A statement compiled for asyncpg: its SQL, its parameters in order, and whether it writes
    or locks (then it runs in the request's transaction)."""

    sql: str
    names: tuple[str, ...]
    values: Mapping[str, Any]
    writes: bool

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        missing = [name for name in self.names if name not in params and name not in self.values]
        if missing:
            msg = f"missing query parameters: {', '.join(missing)}"
            raise TypeError(msg)
        return [params[name] if name in params else self.values[name] for name in self.names]


def compile_query(statement: ClauseElement, *, writes: bool | None = None) -> Query:
    """Compile once, at import time: ``bindparam("post_id")`` becomes the ``post_id=`` argument.

    ``writes`` defaults to what the statement is (INSERT, UPDATE, DELETE, SELECT ... FOR UPDATE);
    pass it for a text statement or a function with side effects.
    """
    compiled = cast(SQLCompiler, statement.compile(dialect=_DIALECT))
    binds = {name: bind for bind, name in compiled.bind_names.items()}
    if writes is None:
        locks = isinstance(statement, Select) and statement._for_update_arg is not None
        writes = compiled.isinsert or compiled.isupdate or compiled.isdelete or locks
    return Query(
        sql=compiled.string,
        names=tuple(compiled.positiontup or ()),
        values={name: bind.effective_value for name, bind in binds.items() if not bind.required},
        writes=writes,
    )


# PostgreSQL's JSON for a timestamp is not the one format of every response (src/models.py:
# RFC 3339 in UTC, microseconds, "Z"): JSON built in SQL formats its datetimes with this.
UTC_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'
AnySelect = Select[*tuple[Any, ...]]
LIMIT = bindparam("limit", type_=BigInteger())
OFFSET = bindparam("offset", type_=BigInteger())
POSITION = "json_page_position"  # an item's place in its page (not a key of the JSON)


def _json_object(row: Any) -> ColumnElement[Any]:
    """``json_build_object`` of a subquery's columns, keys as labelled, datetimes formatted."""
    pairs: list[Any] = []
    for column in row.c:
        if column.key == POSITION:
            continue
        if not column.key.isidentifier():  # a key is a SQL literal: labels only
            msg = f"label the column {column.key!r} with a Python identifier"
            raise ValueError(msg)
        value = (
            func.to_char(func.timezone("UTC", column), literal_column(f"'{UTC_FORMAT}'"))
            if isinstance(column.type, DateTime)
            else column
        )
        pairs += [literal_column(f"'{column.key}'"), value]
    return func.json_build_object(*pairs)


def json_row(statement: AnySelect) -> AnySelect:
    """The statement's row as one JSON object (text), in the response's format: the row of a
    response model, for ``fetch_json``."""
    row = statement.subquery("row")
    return select(_json_object(row).cast(Text)).select_from(row)


def json_page(statement: AnySelect, *, order_by: Any, total: AnySelect) -> AnySelect:
    """A page as one JSON object (text): ``{"items": [...], "total", "limit", "offset"}``.

    ``statement`` selects an item's columns (and filters); ``order_by`` sorts the items;
    ``total`` counts the items of every page. ``limit`` and ``offset`` are the parameters.
    """
    ordered = statement.add_columns(func.row_number().over(order_by=order_by).label(POSITION))
    row = ordered.order_by(*order_by).limit(LIMIT).offset(OFFSET).subquery("row")
    items = select(func.json_agg(aggregate_order_by(_json_object(row), row.c[POSITION])))
    return select(
        func.json_build_object(
            literal_column("'items'"),
            func.coalesce(items.scalar_subquery(), literal_column("'[]'::json")),
            literal_column("'total'"),
            total.scalar_subquery(),
            literal_column("'limit'"),
            LIMIT,
            literal_column("'offset'"),
            OFFSET,
        ).cast(Text)
    )


class JSONBytes(Response):
    """A JSON body PostgreSQL already built: sent as it is (declare the route's
    ``response_model=`` so the OpenAPI document still says what it holds)."""

    media_type = "application/json"


# Connections --------------------------------------------------------------------------------

if TYPE_CHECKING:
    Connection = asyncpg.Connection[asyncpg.Record]
else:
    Connection = asyncpg.Connection


class ConnectionSource(Protocol):
    """Where a ``Database`` takes its connection: the app's pool, or a test's connection."""

    async def acquire(self) -> Connection: ...

    async def release(self, connection: Connection) -> None: ...


async def init_connection(connection: Connection) -> None:
    """json and jsonb come back as Python values (what ``json_build_object`` returns)."""
    for name in ("json", "jsonb"):
        await connection.set_type_codec(
            name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def keep_session_state(_connection: Connection) -> None:
    """Pool release without asyncpg's reset query (a round trip per request): requests never
    change session state (no SET, LISTEN or session advisory lock), and an open transaction is
    still rolled back by the pool."""


async def connect(config: Config) -> Connection:
    """One connection with the pool's settings (tests and scripts)."""
    try:
        connection: Connection = await asyncpg.connect(
            config.database_dsn, **config.database_connect_arguments()
        )
    except DRIVER_ERRORS as error:
        raise DatabaseUnavailable from error
    await init_connection(connection)
    return connection


class DatabasePool:
    """The process's connections, created on first use (a service starts even while its
    database is down) and reconnected by themselves after an outage."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._pool: asyncpg.Pool | None = None

    async def acquire(self) -> Connection:
        try:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._config.database_dsn,
                    min_size=0,
                    max_size=self._config.DATABASE_POOL_SIZE,
                    init=init_connection,
                    reset=keep_session_state,
                    **self._config.database_connect_arguments(),
                )
            # A proxy that behaves as the connection it wraps.
            connection = cast(
                Connection,
                await self._pool.acquire(timeout=self._config.DATABASE_POOL_TIMEOUT_SECONDS),
            )
        except DRIVER_ERRORS as error:
            raise DatabaseUnavailable from error
        return connection

    async def release(self, connection: Connection) -> None:
        if self._pool is not None:
            # Bounded: a connection whose statement was cancelled waits for the cancellation.
            proxy = cast("PoolConnectionProxy[asyncpg.Record]", connection)
            timeout = self._config.DATABASE_CONNECT_TIMEOUT_SECONDS
            try:
                await self._pool.release(proxy, timeout=timeout)
            except DRIVER_ERRORS as error:
                # asyncpg closed the connection (the pool opens another): the request's outcome,
                # a result or a 503 already on its way, stands.
                logger.warning("A database connection failed on release (%s)", type(error).__name__)

    def stats(self) -> tuple[int, int, int]:
        """Open connections, idle ones among them, and the most the pool opens (metrics)."""
        if self._pool is None:
            return 0, 0, self._config.DATABASE_POOL_SIZE
        return self._pool.get_size(), self._pool.get_idle_size(), self._pool.get_max_size()

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


# The unit of work ---------------------------------------------------------------------------


def _is_closed(connection: Connection) -> bool:
    """Whether the connection is gone; asyncpg detaches a pooled connection's proxy when the
    server or the network closes it, and the proxy then refuses every call, this one too."""
    try:
        return connection.is_closed()
    except asyncpg.InterfaceError:
        return True


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
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            try:
                await self._call(transaction.commit)
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
        self._transaction = None
        if self._connection is not None:
            connection, self._connection = self._connection, None
            if not _is_closed(connection):
                connection.terminate()
            await self._source.release(connection)

    async def _run(self, query: Query, params: Mapping[str, Any], method: str) -> Any:
        arguments = query.arguments(params)
        if self._reads_only:
            return await self._read(query, arguments, method)
        if self._connection is None:
            self._connection = await self._source.acquire()
        if query.writes and self._transaction is None:
            transaction = self._connection.transaction()
            await self._call(transaction.start)
            self._transaction = transaction
        return await self._call(getattr(self._connection, method), query.sql, *arguments)

    async def _read(self, query: Query, arguments: list[Any], method: str) -> Any:
        if query.writes:
            msg = "a write needs the request's unit of work (DbDep), not ReadDbDep"
            raise RuntimeError(msg)
        self._connection = await self._source.acquire()
        try:
            return await self._call(getattr(self._connection, method), query.sql, *arguments)
        finally:
            connection, self._connection = self._connection, None
            await self._source.release(connection)

    async def _call(self, function: Callable[..., Awaitable[T]], /, *arguments: Any) -> T:
        """Call the driver; its failures become the service's database errors. The call is made
        here, not by the caller: on a connection the server closed, asyncpg refuses the call
        itself (an InterfaceError before any await)."""
        try:
            return await function(*arguments)
        except asyncpg.PostgresError as error:
            sqlstate: str = error.sqlstate or ""
            if sqlstate.startswith(UNAVAILABLE_SQLSTATES):
                raise DatabaseUnavailable from error
            if sqlstate.startswith(CONFLICT_SQLSTATES):
                raise DatabaseConflict(getattr(error, "constraint_name", None)) from error
            if sqlstate.startswith(DATA_SQLSTATE):
                raise invalid_data_error("A value was refused by the database") from error
            raise
        except (OSError, TimeoutError) as error:
            # Reset, refused or timed out (command_timeout: a frozen database).
            raise DatabaseUnavailable from error
        except (asyncpg.InterfaceError, asyncpg.InternalClientError) as error:
            if self._connection is None or _is_closed(self._connection):
                raise DatabaseUnavailable from error
            raise


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
