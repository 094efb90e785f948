"""PostgreSQL: SQLAlchemy builds the statements, asyncpg runs them. Import from here.

- Tables are SQLAlchemy models on ``Base`` (``tables``; Alembic migrates them); statements are
  SQLAlchemy Core on their columns, compiled once for asyncpg by ``compile_query`` (module
  constants; ``queries``).
- A request works through one ``Database`` (``DbDep``; ``unit_of_work``): a pooled connection
  taken on its first statement, a transaction begun on its first write (or lock), committed when
  the route returns (before the response is sent) and rolled back if anything raised. Services
  never commit.
- What comes back is typed: ``fetch_one(query, PostResponse, post_id=...)``.
- Hot reads (``ReadDbDep``): a route that only reads takes a ``Database`` whose statements each
  borrow a pooled connection for just that statement (no transaction, nothing to commit, no
  ``yield`` dependency), and PostgreSQL can build the response JSON itself (``json_row``,
  ``json_page``, ``fetch_json``): the route returns it as a ``JSONBytes`` response and declares
  ``response_model=`` for the OpenAPI document.
- Every statement runs through one function, ``errors.call``, which turns the driver's failures
  into the service's errors (the database down is a 503); the pool and its connections are in
  ``connections``.

Why not the ORM session at request time: the same query cost five times the CPU through it
(the service's benchmarks page has the numbers).
"""

from src.database.connections import Connection, ConnectionSource, DatabasePool, connect
from src.database.queries import JSONBytes, Query, compile_query, json_page, json_row
from src.database.tables import POSTGRES_INDEXES_NAMING_CONVENTION, Base
from src.database.unit_of_work import Database, DbDep, ReadDbDep, get_db, get_read_db

__all__ = [
    "POSTGRES_INDEXES_NAMING_CONVENTION",
    "Base",
    "Connection",
    "ConnectionSource",
    "Database",
    "DatabasePool",
    "DbDep",
    "JSONBytes",
    "Query",
    "ReadDbDep",
    "compile_query",
    "connect",
    "get_db",
    "get_read_db",
    "json_page",
    "json_row",
]
