"""The developer commands' database check (scripts/dev_database.py: scripts/start, alembic, the
worker): a server that refuses DATABASE_URL's credentials is a message, not a traceback."""

import pytest
from sqlalchemy import URL

from scripts import dev_database


@pytest.mark.usefixtures("engine")  # the test server is up
async def test_refused_credentials_are_a_message_without_the_password(database_url: URL) -> None:
    url = database_url.set(username="no_such_role", password="pw-s3cr3t")

    with pytest.raises(SystemExit) as stop:
        await dev_database.ensure_database(url, create=True)

    message = str(stop.value.code)
    assert "refused the credentials" in message
    assert "no_such_role" in message
    assert "s3cr3t" not in message
