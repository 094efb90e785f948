"""Contract fuzzing of the posts operations, as the creator of an existing post (tests/fuzz.py)."""

from httpx import AsyncClient

from src.main import app
from tests import fuzz
from tests.auth.conftest import LoggedInUser
from tests.posts.conftest import create_post

schema = fuzz.schema.include(tag="posts")


@schema.parametrize()
@fuzz.SETTINGS
async def test_posts_api(case: fuzz.Case, client: AsyncClient, author: LoggedInUser) -> None:
    post = await create_post(client, author)
    me = await client.get(app.url_path_for("get_my_user"), headers=author.headers)
    await fuzz.call_and_validate(
        client,
        case,
        headers=author.headers,
        path_parameters={"post_id": post["id"], "user_id": me.json()["id"]},
    )
