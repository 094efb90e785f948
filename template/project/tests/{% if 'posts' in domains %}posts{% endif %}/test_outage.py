"""The posts routes during a database outage: 503 JSON errors, then normal answers again."""

from fastapi import status

from src.database import build_engine
from src.main import app
from tests.auth.conftest import log_in, register
from tests.outage import OutageDatabase, app_client

UNAVAILABLE = {"detail": "Service unavailable"}


async def test_posts_are_503_during_an_outage_then_served(
    outage_database: OutageDatabase,
) -> None:
    engine = build_engine(outage_database.url)
    async with app_client(engine) as client:
        await register(client, "outage@example.com")
        author = await log_in(client, "outage@example.com")
        new_post = {"title": "Still here", "content": "After the outage."}

        outage_database.stop()
        try:
            during = [
                await client.get(app.url_path_for("list_posts")),
                await client.post(
                    app.url_path_for("create_post"), json=new_post, headers=author.headers
                ),
            ]
        finally:
            outage_database.start()
        listed = await client.get(app.url_path_for("list_posts"))
        created = await client.post(
            app.url_path_for("create_post"), json=new_post, headers=author.headers
        )
    await engine.dispose()

    assert [response.status_code for response in during] == [503, 503]
    assert all(response.json() == UNAVAILABLE for response in during)
    assert listed.status_code == status.HTTP_200_OK
    assert created.status_code == status.HTTP_201_CREATED
