"""P22: each test runs in a transaction rolled back afterwards, even when the code commits.

The two tests run in file order: the first creates and commits, the second must not see it.
"""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def test_committed_work_is_visible_inside_the_test(session: AsyncSession) -> None:
    await session.execute(text("CREATE TABLE isolation_probe (id integer PRIMARY KEY)"))
    await session.execute(text("INSERT INTO isolation_probe VALUES (1)"))
    await session.commit()

    count = await session.scalar(text("SELECT count(*) FROM isolation_probe"))

    assert count == 1


async def test_committed_work_is_gone_in_the_next_test(session: AsyncSession) -> None:
    probe = await session.scalar(text("SELECT to_regclass('isolation_probe')"))

    assert probe is None
