"""Each test runs in a transaction rolled back afterwards, even when the code commits.

The two tests run in file order: the first creates and commits, the second must not see it.
"""

from sqlalchemy import text

from src.database import Database, compile_query

CREATE = compile_query(
    text(
        "CREATE TABLE isolation_probe (id integer PRIMARY KEY); "
        "INSERT INTO isolation_probe VALUES (1)"
    ),
    writes=True,
)
COUNT = compile_query(text("SELECT count(*) FROM isolation_probe"))
PROBE = compile_query(text("SELECT to_regclass('isolation_probe')::text"))


async def test_committed_work_is_visible_inside_the_test(db: Database) -> None:
    await db.execute(CREATE)
    await db.commit()

    count = await db.fetch_value(COUNT, int)

    assert count == 1


async def test_committed_work_is_gone_in_the_next_test(db: Database) -> None:
    probe = await db.fetch_value(PROBE, str)

    assert probe is None
