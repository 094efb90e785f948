from typing import Annotated

from fastapi import APIRouter, Form, Response, status

from src.auth import service, utils
from src.auth.dependencies import (
    ActiveUserDep,
    RefreshTokenCookie,
    ValidRefreshTokenDep,
    ValidUserCreateDep,
    refresh_token_user,
)
from src.auth.exceptions import EmailTaken, InvalidCredentials
from src.auth.schemas import AccessTokenResponse, LoginForm, User, UserResponse
from src.database import DbDep
from src.exceptions import error_responses
from src.rate_limits import body_field, rate_limit

router = APIRouter(prefix="/auth", tags=["auth"])

UNAUTHORIZED = error_responses(status.HTTP_401_UNAUTHORIZED)


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    summary="Register a user",
    response_model=UserResponse,
    responses=error_responses(status.HTTP_409_CONFLICT),
    dependencies=[rate_limit("register"), rate_limit("register_account", per=body_field("email"))],
)
async def register_user(user: ValidUserCreateDep, db: DbDep) -> User:
    """Create a user from an e-mail, a strong password and an optional display name."""
    created = await service.create_user(
        db, email=user.email, password=user.password, display_name=user.display_name
    )
    if created is None:
        raise EmailTaken
    return created


@router.get(
    "/users/me",
    status_code=status.HTTP_200_OK,
    summary="Get the current user",
    response_model=UserResponse,
    responses=error_responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN),
)
async def get_my_user(user: ActiveUserDep) -> User:
    """The user the access token belongs to."""
    return user


@router.post(
    "/users/tokens",
    status_code=status.HTTP_200_OK,
    summary="Log in",
    responses=UNAUTHORIZED,
    dependencies=[rate_limit("login"), rate_limit("login_account", per=body_field("username"))],
)
async def create_tokens(
    form: Annotated[LoginForm, Form()], db: DbDep, response: Response
) -> AccessTokenResponse:
    """OAuth2 password flow: an access token in the body, a refresh token in a cookie."""
    user = await service.authenticate_user(db, email=form.username, password=form.password)
    if user is None or not user.is_active:
        raise InvalidCredentials
    utils.set_refresh_cookie(response, await service.create_refresh_token(db, user_id=user.id))
    return utils.access_token_response(user.id)


@router.put(
    "/users/tokens",
    status_code=status.HTTP_200_OK,
    summary="Refresh the tokens",
    responses=UNAUTHORIZED,
    dependencies=[rate_limit("refresh"), rate_limit("refresh_account", per=refresh_token_user)],
)
async def refresh_tokens(
    refresh_token: ValidRefreshTokenDep, db: DbDep, response: Response
) -> AccessTokenResponse:
    """Trade the refresh-token cookie for new tokens; each refresh token works once."""
    new_token = await service.create_refresh_token(
        db, user_id=refresh_token.user_id, family_id=refresh_token.family_id
    )
    utils.set_refresh_cookie(response, new_token)
    return utils.access_token_response(refresh_token.user_id)


@router.delete(
    "/users/tokens",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log out",
    response_class=Response,
)
async def delete_tokens(
    db: DbDep, response: Response, refresh_token: RefreshTokenCookie = None
) -> None:
    """Revoke the refresh token's session and clear its cookie."""
    if refresh_token and (stored := await service.get_refresh_token(db, token=refresh_token)):
        await service.lock_refresh_token_family(db, family_id=stored.family_id)
        await service.revoke_refresh_token_family(db, family_id=stored.family_id)
    utils.delete_refresh_cookie(response)
