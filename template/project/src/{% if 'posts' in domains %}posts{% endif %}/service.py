"""Posts, SQL-first (P21): each response row, creator and like count included, is one query."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, desc, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from src.auth import service as auth_service
from src.posts.models import Post, PostLike

ACTIVITY = func.coalesce(Post.updated_at, Post.published_at, Post.created_at)


LIKES = select(func.count()).where(PostLike.post_id == Post.id).scalar_subquery()
POST_ROWS = select(
    Post.id,
    Post.creator_id,
    Post.title,
    Post.content,
    Post.published_at,
    Post.created_at,
    Post.updated_at,
    auth_service.user_json(Post.creator_id).label("creator"),
    LIKES.label("likes"),
)


# Built once: SQLAlchemy then skips building the statement and its cache key per request.
POST_BY_ID = POST_ROWS.where(Post.id == bindparam("post_id"))


async def get_post(session: AsyncSession, post_id: uuid.UUID) -> RowMapping | None:
    result = await session.execute(POST_BY_ID, {"post_id": post_id})
    return result.mappings().one_or_none()


async def list_posts(
    session: AsyncSession,
    *,
    limit: int,
    offset: int,
    creator_id: uuid.UUID | None = None,
) -> tuple[list[RowMapping], int]:
    """One page of posts, most recently active first, and the total count (one query)."""
    rows = POST_ROWS.add_columns(func.count().over().label("total"))
    total = select(func.count()).select_from(Post)
    if creator_id is not None:
        rows = rows.where(Post.creator_id == creator_id)
        total = total.where(Post.creator_id == creator_id)
    result = await session.execute(
        rows.order_by(desc(ACTIVITY), Post.id).limit(limit).offset(offset)
    )
    page = list(result.mappings())
    if page:
        return page, page[0]["total"]
    # Past the last page (or nothing at all): the window had no row to carry the total.
    return page, await session.scalar(total) or 0


async def create_post(
    session: AsyncSession, *, creator_id: uuid.UUID, title: str, content: str, published: bool
) -> uuid.UUID:
    post_id, now = uuid.uuid4(), datetime.now(UTC)
    await session.execute(
        insert(Post).values(
            id=post_id,
            creator_id=creator_id,
            title=title,
            content=content,
            published_at=now if published else None,
            # Not the server default: now() is fixed for a whole transaction.
            created_at=now,
        )
    )
    await session.commit()
    return post_id


async def update_post(session: AsyncSession, post: RowMapping, *, changes: dict[str, Any]) -> None:
    values: dict[str, Any] = {key: changes[key] for key in ("title", "content") if key in changes}
    if "published" in changes:
        published = changes["published"]
        values["published_at"] = (post["published_at"] or datetime.now(UTC)) if published else None
    await session.execute(
        update(Post).where(Post.id == post["id"]).values(**values, updated_at=datetime.now(UTC))
    )
    await session.commit()


async def delete_post(session: AsyncSession, post_id: uuid.UUID) -> None:
    await session.execute(delete(Post).where(Post.id == post_id))
    await session.commit()


async def like_post(session: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Idempotent: liking twice keeps one like."""
    await session.execute(
        pg_insert(PostLike).values(post_id=post_id, user_id=user_id).on_conflict_do_nothing()
    )
    await session.commit()


async def unlike_post(session: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await session.execute(
        delete(PostLike).where(PostLike.post_id == post_id, PostLike.user_id == user_id)
    )
    await session.commit()
