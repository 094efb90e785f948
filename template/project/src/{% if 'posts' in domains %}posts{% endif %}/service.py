"""Posts, SQL-first: each post, its creator and like count included, is one query.

Drafts (no ``published_at``) are visible to their creator only: every read takes the viewer.
"""

import functools
import uuid
from typing import Any

from sqlalchemy import (
    Boolean,
    Uuid,
    bindparam,
    case,
    delete,
    desc,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert

from src.auth import service as auth_service
from src.database import Database, Query, compile_query, json_page, json_row
from src.exceptions import DatabaseConflict
from src.posts.exceptions import PostNotFound
from src.posts.models import Post, PostLike
from src.posts.schemas import PostPageRow, PostResponse

NOW = func.statement_timestamp()
ACTIVITY = func.coalesce(Post.updated_at, Post.published_at, Post.created_at)
LIKES = select(func.count()).where(PostLike.post_id == Post.id).scalar_subquery()
VISIBLE = or_(
    Post.published_at.is_not(None), Post.creator_id == bindparam("viewer_id", type_=Uuid())
)
ORDER = (desc(ACTIVITY), Post.id)
POST = select(
    Post.id,
    Post.title,
    Post.content,
    auth_service.user_json(Post.creator_id).label("creator"),
    LIKES.label("likes"),
    Post.published_at,
    Post.created_at,
    Post.updated_at,
)
PAGE = (
    POST.add_columns(func.count().over().label("total"))
    .where(VISIBLE)
    .order_by(*ORDER)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
COUNT = select(func.count()).select_from(Post).where(VISIBLE)
BY_CREATOR = Post.creator_id == bindparam("creator_id")

VISIBLE_POST = POST.where(Post.id == bindparam("post_id"), VISIBLE)

GET_POST = compile_query(VISIBLE_POST)
LIST_USER_POSTS = compile_query(PAGE.where(BY_CREATOR))
COUNT_USER_POSTS = compile_query(COUNT.where(BY_CREATOR))
# Hot reads: PostgreSQL builds the response's JSON (a PostResponse, a PostPage).
GET_POST_JSON = compile_query(json_row(VISIBLE_POST))
LIST_POSTS_JSON = compile_query(json_page(POST.where(VISIBLE), order_by=ORDER, total=COUNT))
INSERT_POST = compile_query(
    insert(Post)
    .values(
        creator_id=bindparam("creator_id"),
        title=bindparam("title"),
        content=bindparam("content"),
        published_at=case((bindparam("published", type_=Boolean()), NOW), else_=None),
    )
    .returning(Post.id)
)
DELETE_POST = compile_query(delete(Post).where(Post.id == bindparam("post_id")))
LIKE = compile_query(
    pg_insert(PostLike)
    .values(post_id=bindparam("post_id"), user_id=bindparam("user_id"))
    .on_conflict_do_nothing()
)
UNLIKE = compile_query(
    delete(PostLike).where(
        PostLike.post_id == bindparam("post_id"), PostLike.user_id == bindparam("user_id")
    )
)
# A like whose post was deleted between the check and the insert.
LIKED_POST_GONE = "post_like_post_id_fkey"


async def get_post(
    db: Database, post_id: uuid.UUID, *, viewer_id: uuid.UUID | None
) -> PostResponse | None:
    return await db.fetch_one(GET_POST, PostResponse, post_id=post_id, viewer_id=viewer_id)


async def get_post_json(
    db: Database, post_id: uuid.UUID, *, viewer_id: uuid.UUID | None
) -> bytes | None:
    """A ``PostResponse`` as JSON, built by PostgreSQL; None for an unknown or hidden post."""
    return await db.fetch_json(GET_POST_JSON, post_id=post_id, viewer_id=viewer_id)


async def list_posts_json(
    db: Database, *, limit: int, offset: int, viewer_id: uuid.UUID | None
) -> bytes:
    """A ``PostPage`` as JSON, built by PostgreSQL: most recently active first."""
    page = await db.fetch_json(LIST_POSTS_JSON, limit=limit, offset=offset, viewer_id=viewer_id)
    assert page is not None  # noqa: S101 (an aggregate always returns its row)
    return page


async def list_user_posts(
    db: Database,
    *,
    creator_id: uuid.UUID,
    limit: int,
    offset: int,
    viewer_id: uuid.UUID | None,
) -> tuple[list[PostResponse], int]:
    """One page of a user's posts, most recently active first, and the total count (one
    query)."""
    params = {"limit": limit, "offset": offset, "viewer_id": viewer_id, "creator_id": creator_id}
    rows = await db.fetch_all(LIST_USER_POSTS, PostPageRow, **params)
    if rows:
        return list[PostResponse](rows), rows[0].total
    # Past the last page (or nothing at all): the window had no row to carry the total.
    count = await db.fetch_value(COUNT_USER_POSTS, int, viewer_id=viewer_id, creator_id=creator_id)
    return [], count or 0


async def create_post(
    db: Database, *, creator_id: uuid.UUID, title: str, content: str, published: bool
) -> uuid.UUID:
    """The new post's id; ``published`` stamps ``published_at`` with the database clock."""
    post_id = await db.fetch_value(
        INSERT_POST,
        uuid.UUID,
        creator_id=creator_id,
        title=title,
        content=content,
        published=published,
    )
    if post_id is None:  # pragma: no cover (RETURNING always returns the row)
        raise PostNotFound
    return post_id


@functools.cache
def _update_query(fields: frozenset[str]) -> Query:
    """An UPDATE of just these fields (a handful of shapes, each compiled once)."""
    values: dict[str, Any] = {field: bindparam(field) for field in fields & {"title", "content"}}
    if "published" in fields:
        # Publishing again keeps the first publication time; unpublishing clears it.
        values["published_at"] = case(
            (bindparam("published", type_=Boolean()), func.coalesce(Post.published_at, NOW)),
            else_=None,
        )
    return compile_query(
        update(Post).where(Post.id == bindparam("post_id")).values(**values, updated_at=NOW)
    )


async def update_post(db: Database, post: PostResponse, *, changes: dict[str, Any]) -> None:
    """Write the fields that differ from ``post``; nothing at all when none does."""
    current = {"title": post.title, "content": post.content, "published": bool(post.published_at)}
    changed = {field: value for field, value in changes.items() if current[field] != value}
    if not changed:
        return
    if await db.execute(_update_query(frozenset(changed)), post_id=post.id, **changed) == 0:
        raise PostNotFound  # deleted meanwhile


async def delete_post(db: Database, post_id: uuid.UUID) -> None:
    if await db.execute(DELETE_POST, post_id=post_id) == 0:
        raise PostNotFound  # deleted meanwhile


async def like_post(db: Database, *, post_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Idempotent: liking twice keeps one like."""
    try:
        await db.execute(LIKE, post_id=post_id, user_id=user_id)
    except DatabaseConflict as conflict:
        if conflict.constraint == LIKED_POST_GONE:
            raise PostNotFound from conflict
        raise


async def unlike_post(db: Database, *, post_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await db.execute(UNLIKE, post_id=post_id, user_id=user_id)
