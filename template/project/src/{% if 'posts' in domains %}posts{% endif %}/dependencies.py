import uuid
from typing import Annotated

from fastapi import Depends

from src.auth import dependencies as auth_dependencies
from src.auth import service as auth_service
from src.database import DbDep
from src.posts import service
from src.posts.constants import MODERATE_PERMISSION
from src.posts.exceptions import CreatorNotFound, PostNotFound, PostNotOwned
from src.posts.schemas import PostResponse


async def viewer_id(jwt_data: auth_dependencies.OptionalJWTDataDep) -> uuid.UUID | None:
    """Who reads: drafts are visible to their creator only (anonymous readers see none)."""
    return None if jwt_data is None else jwt_data.user_id


ViewerIdDep = Annotated[uuid.UUID | None, Depends(viewer_id)]


async def valid_post_id(post_id: uuid.UUID, viewer: ViewerIdDep, db: DbDep) -> PostResponse:
    """The post, its creator and like count: 404 for an unknown id, or someone else's draft."""
    post = await service.get_post(db, post_id, viewer_id=viewer)
    if post is None:
        raise PostNotFound
    return post


ValidPostDep = Annotated[PostResponse, Depends(valid_post_id)]


async def valid_owned_post(
    post: ValidPostDep, user: auth_dependencies.ActiveUserDep
) -> PostResponse:
    """A post the caller created, the caller being an active user: no route can forget either
    check (it chains the post and the user dependencies; the token is decoded once)."""
    if post.creator.id != user.id:
        raise PostNotOwned
    return post


ValidOwnedPostDep = Annotated[PostResponse, Depends(valid_owned_post)]


async def valid_deletable_post(
    post: ValidPostDep, user: auth_dependencies.ActiveUserDep, db: DbDep
) -> PostResponse:
    """A post the caller created, or any post for a moderator (``posts:moderate``)."""
    if post.creator.id != user.id and not await auth_service.has_permission(
        db, user_id=user.id, permission=MODERATE_PERMISSION
    ):
        raise PostNotOwned
    return post


ValidDeletablePostDep = Annotated[PostResponse, Depends(valid_deletable_post)]


async def valid_creator_id(user_id: uuid.UUID, db: DbDep) -> uuid.UUID:
    if await auth_service.get_user_by_id(db, user_id) is None:
        raise CreatorNotFound
    return user_id


ValidCreatorIdDep = Annotated[uuid.UUID, Depends(valid_creator_id)]
