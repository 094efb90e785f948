import uuid
from typing import Annotated

from fastapi import Depends
from sqlalchemy.engine import RowMapping

from src.auth import dependencies as auth_dependencies
from src.auth import service as auth_service
from src.database import SessionDep
from src.posts import service
from src.posts.exceptions import CreatorNotFound, PostNotFound, PostNotOwned


async def valid_post_id(post_id: uuid.UUID, session: SessionDep) -> RowMapping:
    """The post, its creator and like count (P08): 404 for an unknown id, in every route."""
    post = await service.get_post(session, post_id)
    if post is None:
        raise PostNotFound
    return post


ValidPostDep = Annotated[RowMapping, Depends(valid_post_id)]


async def valid_owned_post(
    post: ValidPostDep, jwt_data: auth_dependencies.JWTDataDep
) -> RowMapping:
    """A post the caller created (P09: chains the post and the token dependencies)."""
    if post["creator_id"] != jwt_data.user_id:
        raise PostNotOwned
    return post


ValidOwnedPostDep = Annotated[RowMapping, Depends(valid_owned_post)]


async def valid_creator_id(user_id: uuid.UUID, session: SessionDep) -> uuid.UUID:
    if await auth_service.get_user_by_id(session, user_id) is None:
        raise CreatorNotFound
    return user_id


ValidCreatorIdDep = Annotated[uuid.UUID, Depends(valid_creator_id)]
