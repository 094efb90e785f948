import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated
from uuid import UUID

from fastapi import Cookie, Depends, Path, Request
from fastapi.security import OAuth2PasswordBearer

from src import logs
from src.auth import security, service, utils
from src.auth.config import auth_settings
from src.auth.constants import REFRESH_TOKEN_PATH, ROLE_NAME_MAX_LENGTH, USERS_MANAGE
from src.auth.exceptions import (
    AuthenticationRequired,
    EmailTaken,
    InvalidToken,
    PermissionMissing,
    RefreshTokenNotValid,
    RefreshTokenReused,
    RoleNotFound,
    UserInactive,
    UserNotFound,
)
from src.auth.schemas import JWTData, RefreshToken, User, UserCreate
from src.database import Database, DbDep, ReadDbDep


class AccessTokenBearer(OAuth2PasswordBearer):
    """FastAPI's bearer scheme (the same OpenAPI entry) that also decodes the token: the
    token's data, or None without a token (a bad token is still a 401).

    One dependency where a scheme and a decoder would be two: FastAPI's solver spends about
    12 µs of CPU on each dependency of each request (the template's benchmarks page). FastAPI
    caches it per request, however many dependencies use it: one decode.
    """

    # It returns the decoded token where the parent returns the token itself.
    async def __call__(self, request: Request) -> JWTData | None:  # type: ignore[override]
        token = await super().__call__(request)
        if token is None:
            return None
        jwt_data = security.decode_access_token(token)
        if jwt_data is None:
            raise InvalidToken
        logs.set_user_id(jwt_data.user_id)
        return jwt_data


# The scheme's name as FastAPI's own class names it: the OpenAPI document stays the same.
parse_optional_jwt_data = AccessTokenBearer(
    tokenUrl=REFRESH_TOKEN_PATH, auto_error=False, scheme_name="OAuth2PasswordBearer"
)


OptionalJWTDataDep = Annotated[JWTData | None, Depends(parse_optional_jwt_data)]


async def parse_jwt_data(jwt_data: OptionalJWTDataDep) -> JWTData:
    if jwt_data is None:
        raise AuthenticationRequired
    return jwt_data


JWTDataDep = Annotated[JWTData, Depends(parse_jwt_data)]


async def valid_active_user(jwt_data: JWTDataDep, db: DbDep) -> User:
    """The token's user, still active: what every write of another domain depends on."""
    user = await service.get_user_by_id(db, jwt_data.user_id)
    if user is None:
        raise InvalidToken
    if not user.is_active:
        raise UserInactive
    return user


ActiveUserDep = Annotated[User, Depends(valid_active_user)]


async def valid_active_user_json(jwt_data: JWTDataDep, db: ReadDbDep) -> bytes:
    """``valid_active_user`` for a hot read: the user as the JSON of a ``UserResponse``, built
    by PostgreSQL (a second query only on a refusal, to tell 401 from 403)."""
    body = await service.get_active_user_json(db, jwt_data.user_id)
    if body is None:
        if await service.get_user_by_id(db, jwt_data.user_id) is None:
            raise InvalidToken
        raise UserInactive
    return body


ActiveUserJSONDep = Annotated[bytes, Depends(valid_active_user_json)]


async def active_user_id(user: ActiveUserDep) -> uuid.UUID:
    """The current user's id: a per-account rate-limit key (the user is read once per request)."""
    return user.id


def require_permission(permission: str) -> Callable[[User, Database], Awaitable[User]]:
    """A dependency: the active user, if one of their roles grants ``permission`` (else 403).

    It chains on ``valid_active_user`` (one token decode, one user read per request) and adds
    one indexed query: ``Annotated[User, Depends(require_permission("posts:moderate"))]``.
    """

    async def user_with_permission(user: ActiveUserDep, db: DbDep) -> User:
        if not await service.has_permission(db, user_id=user.id, permission=permission):
            raise PermissionMissing
        return user

    return user_with_permission


UserManagerDep = Annotated[User, Depends(require_permission(USERS_MANAGE))]


async def valid_user_id(user_id: uuid.UUID, db: DbDep) -> uuid.UUID:
    if await service.get_user_by_id(db, user_id) is None:
        raise UserNotFound
    return user_id


ValidUserIdDep = Annotated[uuid.UUID, Depends(valid_user_id)]


async def valid_role_name(
    role_name: Annotated[str, Path(max_length=ROLE_NAME_MAX_LENGTH)], db: DbDep
) -> str:
    if not await service.role_exists(db, role_name=role_name):
        raise RoleNotFound
    return role_name


ValidRoleNameDep = Annotated[str, Depends(valid_role_name)]


async def valid_user_create(user: UserCreate, db: DbDep) -> UserCreate:
    if await service.email_exists(db, email=user.email):
        raise EmailTaken
    return user


ValidUserCreateDep = Annotated[UserCreate, Depends(valid_user_create)]


RefreshTokenCookie = Annotated[str | None, Cookie(alias=auth_settings.REFRESH_TOKEN_COOKIE)]


async def valid_refresh_token(db: DbDep, refresh_token: RefreshTokenCookie = None) -> RefreshToken:
    """Consume a valid refresh token (rotation), under its family's lock; presenting a used one
    revokes its family, except within the grace window of its rotation (a second tab)."""
    found = await service.get_refresh_token(db, token=refresh_token) if refresh_token else None
    if found is None or refresh_token is None:
        raise RefreshTokenNotValid(headers=utils.cleared_cookie_headers())
    await service.lock_refresh_token_family(db, family_id=found.family_id)
    # Read again under the lock: a refresh or logout that held it has committed meanwhile.
    stored = await service.get_refresh_token(db, token=refresh_token)
    if stored is None or stored.revoked_at is not None or stored.expired:
        raise RefreshTokenNotValid(headers=utils.cleared_cookie_headers())
    if stored.used_at is not None and not stored.recently_used:
        await service.revoke_refresh_token_family(db, family_id=stored.family_id)
        # The documented exception to "the dependency commits": an error rolls back, and this
        # revocation must stay.
        await db.commit()
        raise RefreshTokenReused(headers=utils.cleared_cookie_headers())
    if stored.used_at is None:
        await service.mark_refresh_token_used(db, token_id=stored.id)
    user = await service.get_user_by_id(db, stored.user_id)
    if user is None or not user.is_active:
        raise RefreshTokenNotValid(headers=utils.cleared_cookie_headers())
    return stored


ValidRefreshTokenDep = Annotated[RefreshToken, Depends(valid_refresh_token)]


async def refresh_token_user(refresh_token: ValidRefreshTokenDep) -> UUID:
    """The account a refresh counts against (its rate limit)."""
    return refresh_token.user_id
