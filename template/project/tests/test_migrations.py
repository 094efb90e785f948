"""Migrations are static and revertible, match the models, and have date-first names."""

import re
from collections.abc import AsyncIterator
from functools import partial

import pytest
from alembic import command
from sqlalchemy import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.conftest import recreate_database
from tests.migrations import PROJECT_ROOT, alembic_config, run_alembic, script_directory

FILE_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{4}_[0-9a-f]+_[a-z0-9_]+\.py$")


@pytest.fixture
async def empty_engine(database_url: URL) -> AsyncIterator[AsyncEngine]:
    """A fresh database of its own, so migration tests never see the shared test schema.

    Dropped after the test, like the suite's own database after the run.
    """
    url = database_url.set(database=f"{database_url.database}_migrations")
    await recreate_database(url)
    engine = create_async_engine(url)
    yield engine
    await engine.dispose()
    await recreate_database(url, create=False)


async def test_stairway(empty_engine: AsyncEngine) -> None:
    """Each revision upgrades, downgrades to its parent, and upgrades again.

    A merge revision (``alembic merge heads``, joining yours and the template's) only joins
    lines: it is crossed by the full round trip at the end.
    """
    revisions = list(reversed(list(script_directory().walk_revisions())))
    for revision in revisions:
        await run_alembic(empty_engine, partial(command.upgrade, revision=revision.revision))
        parent = revision.down_revision or "base"
        if not isinstance(parent, str):  # a merge revision
            continue
        await run_alembic(empty_engine, partial(command.downgrade, revision=parent))
        await run_alembic(empty_engine, partial(command.upgrade, revision=revision.revision))
    # Then the whole way down and up again.
    await run_alembic(empty_engine, lambda c: command.downgrade(c, "base"))
    await run_alembic(empty_engine, lambda c: command.upgrade(c, "heads"))

    files = sorted((PROJECT_ROOT / "alembic" / "versions").glob("*.py"))
    assert len(revisions) == len(files)


async def test_models_and_migrations_do_not_drift(engine: AsyncEngine) -> None:
    """``alembic check``: autogenerate finds nothing to add on a database migrated to head."""
    await run_alembic(engine, command.check)


def test_single_head() -> None:
    """One head: ``alembic upgrade head`` and ``alembic revision`` refuse several."""
    heads = script_directory().get_heads()

    assert len(heads) <= 1, (
        f"Alembic has {len(heads)} heads ({', '.join(heads)}), so `alembic upgrade head` fails. "
        "An update brought a template migration next to yours: join them with "
        '`uv run alembic merge heads -m "merge template migrations"` (scripts/update-all does it).'
    )


def test_migration_file_names_are_date_first() -> None:
    files = [path.name for path in (PROJECT_ROOT / "alembic" / "versions").glob("*.py")]

    assert [name for name in files if not FILE_NAME.match(name)] == []


def test_new_revision_file_name(tmp_path_factory: pytest.TempPathFactory) -> None:
    """``alembic revision`` writes ``<date>_<time>_<rev>_<slug>.py``: a twin slug never overwrites.

    The post-write hooks (ruff) run too, so a broken hook fails here.
    """
    config = alembic_config()
    versions = tmp_path_factory.mktemp("versions")
    config.set_main_option("version_locations", str(versions))

    first = command.revision(
        config, message="Add post content index", head="base", rev_id="aa11", splice=True
    )
    second = command.revision(
        config, message="Add post content index", head="base", rev_id="bb22", splice=True
    )

    names = sorted(path.name for path in versions.glob("*.py"))
    assert first is not None
    assert second is not None
    assert len(names) == 2
    assert all(FILE_NAME.match(name) for name in names), names
    assert all(name.endswith("_add_post_content_index.py") for name in names)
