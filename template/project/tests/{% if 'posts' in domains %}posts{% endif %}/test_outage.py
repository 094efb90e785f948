"""The posts routes during a database outage: 503 JSON errors, then normal answers again."""

from fastapi import status

from src.constants import ErrorCode
from src.main import app
from tests.auth.conftest import log_in, register
from tests.errors import error
from tests.outage import OutageDatabase, app_client, outage_app


async def test_posts_are_503_during_an_outage_then_served(
    outage_database: OutageDatabase,
) -> None:
    async with app_client(outage_app(outage_database)) as client:
        await register(client, "outage@example.com")
        author = await log_in(client, "outage@example.com")
        new_post = {"title": "Still here", "content": "After the outage.", "published": True}

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
        created = await client.post(
            app.url_path_for("create_post"), json=new_post, headers=author.headers
        )
        listed = await client.get(app.url_path_for("list_posts"))

    assert [response.status_code for response in during] == [503, 503]
    assert all(response.json() == error(ErrorCode.SERVICE_UNAVAILABLE) for response in during)
    assert created.status_code == status.HTTP_201_CREATED
    assert listed.status_code == status.HTTP_200_OK
    # No acknowledged write lost, none half-made: exactly the post created after the outage.
    assert [item["id"] for item in listed.json()["items"]] == [created.json()["id"]]
