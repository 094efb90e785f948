import uuid
from typing import Any

from fastapi import APIRouter, status
from sqlalchemy.engine import RowMapping

from src.auth import dependencies as auth_dependencies
from src.database import SessionDep
from src.exceptions import error_responses
from src.pagination import PaginationDep
from src.posts import service
from src.posts.dependencies import ValidCreatorIdDep, ValidOwnedPostDep, ValidPostDep
from src.posts.exceptions import PostNotFound
from src.posts.schemas import PostCreate, PostPage, PostResponse, PostUpdate

router = APIRouter(tags=["posts"])

NOT_FOUND = error_responses(status.HTTP_404_NOT_FOUND)
AUTHENTICATED = error_responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN)


@router.get("/posts", status_code=status.HTTP_200_OK, summary="List posts", response_model=PostPage)
async def list_posts(session: SessionDep, page: PaginationDep) -> dict[str, Any]:
    """Posts with their creator and like count, most recently active first."""
    items, total = await service.list_posts(session, limit=page.limit, offset=page.offset)
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


@router.post(
    "/posts",
    status_code=status.HTTP_201_CREATED,
    summary="Create a post",
    response_model=PostResponse,
    responses=AUTHENTICATED,
)
async def create_post(
    data: PostCreate, user: auth_dependencies.ActiveUserDep, session: SessionDep
) -> RowMapping:
    """Create a post as the current user; `published` stamps `published_at`."""
    post_id = await service.create_post(session, creator_id=user.id, **data.model_dump())
    return await _reload(session, post_id)


@router.get(
    "/posts/{post_id}",
    status_code=status.HTTP_200_OK,
    summary="Get a post",
    response_model=PostResponse,
    responses=NOT_FOUND,
)
async def get_post(post: ValidPostDep) -> RowMapping:
    """One post with its creator and like count."""
    return post


@router.patch(
    "/posts/{post_id}",
    status_code=status.HTTP_200_OK,
    summary="Update a post",
    response_model=PostResponse,
    responses={**NOT_FOUND, **AUTHENTICATED},
)
async def update_post(
    data: PostUpdate,
    post: ValidOwnedPostDep,
    user: auth_dependencies.ActiveUserDep,
    session: SessionDep,
) -> RowMapping:
    """Change the fields sent (null keeps a field); only the creator may (one token decode, P10)."""
    await service.update_post(session, post, changes=data.model_dump(exclude_none=True))
    return await _reload(session, post["id"])


@router.delete(
    "/posts/{post_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a post",
    responses={**NOT_FOUND, **AUTHENTICATED},
)
async def delete_post(post: ValidOwnedPostDep, session: SessionDep) -> None:
    """Delete a post; only its creator may."""
    await service.delete_post(session, post["id"])


@router.put(
    "/posts/{post_id}/likes",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Like a post",
    responses={**NOT_FOUND, **AUTHENTICATED},
)
async def like_post(
    post: ValidPostDep, user: auth_dependencies.ActiveUserDep, session: SessionDep
) -> None:
    """Like a post as the current user (idempotent)."""
    await service.like_post(session, post_id=post["id"], user_id=user.id)


@router.delete(
    "/posts/{post_id}/likes",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unlike a post",
    responses={**NOT_FOUND, **AUTHENTICATED},
)
async def unlike_post(
    post: ValidPostDep, user: auth_dependencies.ActiveUserDep, session: SessionDep
) -> None:
    """Withdraw the current user's like (idempotent)."""
    await service.unlike_post(session, post_id=post["id"], user_id=user.id)


@router.get(
    "/users/{user_id}/posts",
    status_code=status.HTTP_200_OK,
    summary="List a user's posts",
    response_model=PostPage,
    responses=NOT_FOUND,
)
async def list_user_posts(
    creator_id: ValidCreatorIdDep, session: SessionDep, page: PaginationDep
) -> dict[str, Any]:
    """Posts created by one user, most recently active first."""
    items, total = await service.list_posts(
        session, limit=page.limit, offset=page.offset, creator_id=creator_id
    )
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


async def _reload(session: SessionDep, post_id: uuid.UUID) -> RowMapping:
    post = await service.get_post(session, post_id)
    if post is None:  # deleted between the write and the read
        raise PostNotFound
    return post
