import uuid

from fastapi import APIRouter, Response, status

from src.auth import dependencies as auth_dependencies
from src.database import DbDep, JSONBytes, ReadDbDep
from src.exceptions import error_responses
from src.pagination import PaginationDep
from src.posts import service
from src.posts.dependencies import (
    ValidCreatorIdDep,
    ValidDeletablePostDep,
    ValidOwnedPostDep,
    ValidPostDep,
    ViewerIdDep,
)
from src.posts.exceptions import PostNotFound
from src.posts.schemas import PostCreate, PostPage, PostResponse, PostUpdate

router = APIRouter(tags=["posts"])

NOT_FOUND = error_responses(status.HTTP_404_NOT_FOUND)
UNAUTHORIZED = error_responses(status.HTTP_401_UNAUTHORIZED)
AUTHENTICATED = error_responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN)


# Hot reads: PostgreSQL builds the JSON and the route sends it as it is (no model in between);
# response_model= keeps the OpenAPI document exact, tests compare the body with it.
@router.get(
    "/posts",
    status_code=status.HTTP_200_OK,
    summary="List posts",
    responses=UNAUTHORIZED,
    response_model=PostPage,
)
async def list_posts(db: ReadDbDep, page: PaginationDep, viewer: ViewerIdDep) -> JSONBytes:
    """Published posts (and the caller's drafts) with their creator and like count, most
    recently active first."""
    body = await service.list_posts_json(db, limit=page.limit, offset=page.offset, viewer_id=viewer)
    return JSONBytes(body)


@router.post(
    "/posts",
    status_code=status.HTTP_201_CREATED,
    summary="Create a post",
    responses=AUTHENTICATED,
)
async def create_post(
    data: PostCreate, user: auth_dependencies.ActiveUserDep, db: DbDep
) -> PostResponse:
    """Create a post as the current user; `published` stamps `published_at`."""
    post_id = await service.create_post(db, creator_id=user.id, **data.model_dump())
    return await _reload(db, post_id, user.id)


@router.get(
    "/posts/{post_id}",
    status_code=status.HTTP_200_OK,
    summary="Get a post",
    responses={**NOT_FOUND, **UNAUTHORIZED},
    response_model=PostResponse,
)
async def get_post(post_id: uuid.UUID, db: ReadDbDep, viewer: ViewerIdDep) -> JSONBytes:
    """One post with its creator and like count (a draft for its creator only)."""
    body = await service.get_post_json(db, post_id, viewer_id=viewer)
    if body is None:
        raise PostNotFound
    return JSONBytes(body)


@router.patch(
    "/posts/{post_id}",
    status_code=status.HTTP_200_OK,
    summary="Update a post",
    responses={**NOT_FOUND, **AUTHENTICATED},
)
async def update_post(data: PostUpdate, post: ValidOwnedPostDep, db: DbDep) -> PostResponse:
    """Change the fields sent (null keeps a field); only the creator may."""
    changes = data.model_dump(exclude_none=True)
    await service.update_post(db, post, changes=changes)
    return await _reload(db, post.id, post.creator.id) if changes else post


@router.delete(
    "/posts/{post_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a post",
    responses={**NOT_FOUND, **AUTHENTICATED},
    response_class=Response,
)
async def delete_post(post: ValidDeletablePostDep, db: DbDep) -> None:
    """Delete a post: its creator may, and so may a moderator (`posts:moderate`)."""
    await service.delete_post(db, post.id)


@router.put(
    "/posts/{post_id}/likes",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Like a post",
    responses={**NOT_FOUND, **AUTHENTICATED},
    response_class=Response,
)
async def like_post(post: ValidPostDep, user: auth_dependencies.ActiveUserDep, db: DbDep) -> None:
    """Like a post as the current user (idempotent)."""
    await service.like_post(db, post_id=post.id, user_id=user.id)


@router.delete(
    "/posts/{post_id}/likes",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unlike a post",
    responses={**NOT_FOUND, **AUTHENTICATED},
    response_class=Response,
)
async def unlike_post(post: ValidPostDep, user: auth_dependencies.ActiveUserDep, db: DbDep) -> None:
    """Withdraw the current user's like (idempotent)."""
    await service.unlike_post(db, post_id=post.id, user_id=user.id)


@router.get(
    "/users/{user_id}/posts",
    status_code=status.HTTP_200_OK,
    summary="List a user's posts",
    responses={**NOT_FOUND, **UNAUTHORIZED},
)
async def list_user_posts(
    creator_id: ValidCreatorIdDep, db: DbDep, page: PaginationDep, viewer: ViewerIdDep
) -> PostPage:
    """Posts created by one user (their drafts for themselves only), most recently active first."""
    items, total = await service.list_user_posts(
        db, creator_id=creator_id, limit=page.limit, offset=page.offset, viewer_id=viewer
    )
    return PostPage(items=items, total=total, limit=page.limit, offset=page.offset)


async def _reload(db: DbDep, post_id: uuid.UUID, viewer_id: uuid.UUID) -> PostResponse:
    post = await service.get_post(db, post_id, viewer_id=viewer_id)
    if post is None:  # deleted between the write and the read
        raise PostNotFound
    return post
