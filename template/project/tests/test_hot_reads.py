"""Hot reads (``ReadDbDep``, ``json_row``, ``json_page``): PostgreSQL builds the JSON in the
format the response models declare, and a read holds no connection and writes nothing."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import DateTime, func, literal, select, text

from src.database import Connection, Database, compile_query, json_page, json_row
from src.exceptions import DatabaseUnavailable
from src.models import format_datetime

MOMENTS = [
    datetime(2024, 5, 1, 12, 30, 15, 250, tzinfo=UTC),
    datetime(2024, 5, 1, 12, 30, 15, tzinfo=UTC),  # no microseconds: still six digits
    datetime(812, 1, 2, 3, 4, 5, 6, tzinfo=UTC),  # four-digit year
]
SERIES = func.generate_series(1, 5).table_valued("n").render_derived(name="series")


class CountingSource:
    """The test's connection, counting what a ``Database`` takes and gives back."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.held = 0

    async def acquire(self) -> Connection:
        self.held += 1
        return self.connection

    async def release(self, connection: Connection) -> None:
        self.held -= 1


@pytest.mark.parametrize("moment", MOMENTS)
async def test_json_row_formats_datetimes_as_the_models_do(
    connection: Connection, moment: datetime
) -> None:
    at = literal(moment, DateTime(timezone=True)).label("at")
    query = compile_query(json_row(select(at, literal("x").label("name"))))

    body = await Database(CountingSource(connection), reads_only=True).fetch_json(query)

    assert body is not None
    assert json.loads(body) == {"at": format_datetime(moment), "name": "x"}


async def test_json_row_without_a_row_is_none(connection: Connection) -> None:
    query = compile_query(json_row(select(SERIES.c.n).where(SERIES.c.n > 5)))

    assert await Database(CountingSource(connection), reads_only=True).fetch_json(query) is None


@pytest.mark.parametrize(("offset", "items"), [(0, [{"n": 5}, {"n": 4}]), (4, [{"n": 1}]), (9, [])])
async def test_json_page_orders_and_counts(
    connection: Connection, offset: int, items: list[dict[str, int]]
) -> None:
    page = json_page(
        select(SERIES.c.n),
        order_by=(SERIES.c.n.desc(),),
        total=select(func.count()).select_from(SERIES),
    )
    database = Database(CountingSource(connection), reads_only=True)

    body = await database.fetch_json(compile_query(page), limit=2, offset=offset)

    assert body is not None
    assert json.loads(body) == {"items": items, "total": 5, "limit": 2, "offset": offset}


async def test_reads_hold_no_connection_and_refuse_writes(connection: Connection) -> None:
    source = CountingSource(connection)
    database = Database(source, reads_only=True)
    write = compile_query(text("CREATE TEMPORARY TABLE never_created (id int)"), writes=True)

    value = await database.fetch_value(compile_query(select(literal(1))), int)
    with pytest.raises(RuntimeError, match="DbDep"):
        await database.execute(write)

    assert (value, source.held) == (1, 0)


async def test_a_failed_read_gives_its_connection_back_as_the_service_error(
    connection: Connection,
) -> None:
    """Reads run on the unit of work's one code path: the driver's failure becomes the service's
    error (here a statement cancelled by its timeout, a 503) and the connection goes back."""
    source = CountingSource(connection)
    database = Database(source, reads_only=True)
    await connection.execute("SET LOCAL statement_timeout = 50")  # the test's transaction

    with pytest.raises(DatabaseUnavailable):
        await database.fetch_value(compile_query(select(func.pg_sleep(5))), str)

    assert source.held == 0
