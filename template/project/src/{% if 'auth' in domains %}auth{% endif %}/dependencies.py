from datetime import UTC, datetime
from typing import Annotated

from fastapi import Cookie, Depends
from fastapi.security import OAuth2PasswordBearer

from src.auth import security, service
from src.auth.config import auth_settings
from src.auth.constants import REFRESH_TOKEN_PATH
from src.auth.exceptions import (
    AuthenticationRequired,
    EmailTaken,
    InvalidToken,
    RefreshTokenNotValid,
    RefreshTokenReused,
    UserInactive,
)
from src.auth.models import AuthRefreshToken, AuthUser
from src.auth.schemas import JWTData, UserCreate
from src.database import SessionDep

oauth2_scheme = OAuth2PasswordBearer(tokenUrl=REFRESH_TOKEN_PATH, auto_error=False)


async def parse_jwt_data(token: Annotated[str | None, Depends(oauth2_scheme)]) -> JWTData:
    """The access token's data. FastAPI caches it per request, however many use it (P10)."""
    if token is None:
        raise AuthenticationRequired
    jwt_data = security.decode_access_token(token)
    if jwt_data is None:
        raise InvalidToken
    return jwt_data


JWTDataDep = Annotated[JWTData, Depends(parse_jwt_data)]


async def valid_active_user(jwt_data: JWTDataDep, session: SessionDep) -> AuthUser:
    user = await service.get_user_by_id(session, jwt_data.user_id)
    if user is None:
        raise InvalidToken
    if not user.is_active:
        raise UserInactive
    return user


ActiveUserDep = Annotated[AuthUser, Depends(valid_active_user)]


async def valid_user_create(user: UserCreate, session: SessionDep) -> UserCreate:
    if await service.get_user_by_email(session, email=user.email):
        raise EmailTaken
    return user


ValidUserCreateDep = Annotated[UserCreate, Depends(valid_user_create)]


RefreshTokenCookie = Annotated[str | None, Cookie(alias=auth_settings.REFRESH_TOKEN_COOKIE)]


async def valid_refresh_token(
    session: SessionDep, refresh_token: RefreshTokenCookie = None
) -> AuthRefreshToken:
    """Consume a valid refresh token (rotation); presenting a used one revokes its family."""
    stored = None
    if refresh_token:
        stored = await service.get_refresh_token(session, token=refresh_token)
    if stored is None or stored.revoked_at is not None or stored.expires_at <= datetime.now(UTC):
        raise RefreshTokenNotValid
    if stored.used_at is not None or not await service.mark_refresh_token_used(session, stored):
        await service.revoke_refresh_token_family(session, family_id=stored.family_id)
        raise RefreshTokenReused
    user = await service.get_user_by_id(session, stored.user_id)
    if user is None or not user.is_active:
        raise RefreshTokenNotValid
    return stored


ValidRefreshTokenDep = Annotated[AuthRefreshToken, Depends(valid_refresh_token)]
