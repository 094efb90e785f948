"""Contract fuzzing of the posts operations (tests/fuzz.py): two users with a published and a
draft post each; path IDs are theirs, or unknown."""

import pytest

from tests import fuzz

tables_emptied = fuzz.tables_emptied_after_module()


def two_authors() -> fuzz.Target:
    users = [fuzz.sign_up(), fuzz.sign_up()]
    posts, user_ids = [], []
    for headers in users:
        user_ids.append(fuzz.call("get_my_user", headers=headers).json()["id"])
        for published in (True, False):
            body = {"title": "Hello", "content": "Some content.", "published": published}
            posts.append(fuzz.call("create_post", headers=headers, body=body).json()["id"])
    return fuzz.Target(headers=users[0], path_parameters={"post_id": posts, "user_id": user_ids})


@pytest.mark.parametrize("operation_id", fuzz.operation_ids("posts"))
async def test_posts_api(operation_id: str) -> None:
    await fuzz.fuzz_operation(operation_id, two_authors)


async def test_posts_links() -> None:
    """create_post → get_post → update_post → like_post → delete_post → get_post (404) ...,
    get_post → list_user_posts, with the other user's posts around. (Not register_user: a
    replayed e-mail is a 409 the second time, which Hypothesis takes for flaky generation.)"""
    await fuzz.fuzz_links("posts", prepare=two_authors)
