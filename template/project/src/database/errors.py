"""Driver failures as the service's errors, in one place: the database down, unreachable,
saturated or too slow is a 503 (``DatabaseUnavailable``), a constraint a 409, refused data a
422; anything else is a bug and stays what the driver raised."""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import asyncpg

from src.exceptions import DatabaseConflict, DatabaseUnavailable, invalid_data_error

if TYPE_CHECKING:
    from src.database.connections import Connection

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


def is_closed(connection: "Connection") -> bool:
    """Whether the connection is gone; asyncpg detaches a pooled connection's proxy when the
    server or the network closes it, and the proxy then refuses every call, this one too."""
    try:
        return connection.is_closed()
    except asyncpg.InterfaceError:
        return True


@contextmanager
def connecting() -> Iterator[None]:
    """Opening or taking a connection: whatever fails, the database cannot serve now."""
    try:
        yield
    except DRIVER_ERRORS as error:
        raise DatabaseUnavailable from error


async def call(
    function: Callable[..., Awaitable[Any]], /, *arguments: Any, connection: "Connection"
) -> Any:
    """Call the driver on ``connection``; its failures become the service's database errors.
    The call is made here, not by the caller: on a connection the server closed, asyncpg
    refuses the call itself (an InterfaceError before any await)."""
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
        if is_closed(connection):
            raise DatabaseUnavailable from error
        raise
