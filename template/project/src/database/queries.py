"""Statements: SQLAlchemy Core on the models' columns, compiled once for asyncpg (module
constants), and the JSON PostgreSQL builds for hot reads (``json_row``, ``json_page``)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from fastapi import Response
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Select,
    Text,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import asyncpg as sqlalchemy_asyncpg
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

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
