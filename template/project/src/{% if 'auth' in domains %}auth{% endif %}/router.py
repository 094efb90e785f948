"""The /auth routes: registration, the current user and sessions (tokens). Managing users and
roles (``admin/router.py``) and passwords and e-mail links (``credentials/router.py``) are
routers of their own, included below under the same prefix and tag."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Response, status

from src import mail
from src.auth import service, utils
from src.auth.admin.router import router as admin_router
from src.auth.config import auth_settings
from src.auth.constants import EmailTokenPurpose
from src.auth.credentials import service as credentials_service
from src.auth.credentials.router import router as credentials_router
from src.auth.dependencies import (
    ActiveUserJSONDep,
    RefreshTokenCookie,
    ValidRefreshTokenDep,
    ValidUserCreateDep,
    refresh_token_user,
)
from src.auth.exceptions import EmailNotVerified, EmailTaken, InvalidCredentials
from src.auth.schemas import AccessTokenResponse, LoginForm, User, UserResponse
from src.database import DbDep, JSONBytes
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
async def register_user(
    user: ValidUserCreateDep, db: DbDep, mailer: mail.MailerDep, background: BackgroundTasks
) -> User:
    """Create a user from an e-mail, a strong password and an optional display name; a link to
    verify the address is sent to it."""
    created = await service.create_user(
        db, email=user.email, password=user.password, display_name=user.display_name
    )
    if created is None:
        raise EmailTaken
    purpose = EmailTokenPurpose.VERIFY
    token = await credentials_service.create_email_token(db, user_id=created.id, purpose=purpose)
    message = utils.email_link(purpose).message(created.email, token)
    # Sent after the response, once the transaction (and the token) is committed.
    background.add_task(mail.send_safely, mailer, message)
    return created


# A hot read (every client asks it): PostgreSQL builds the JSON, response_model= documents it.
@router.get(
    "/users/me",
    status_code=status.HTTP_200_OK,
    summary="Get the current user",
    response_model=UserResponse,
    responses=error_responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN),
)
async def get_my_user(user: ActiveUserJSONDep) -> JSONBytes:
    """The user the access token belongs to."""
    return JSONBytes(user)


@router.post(
    "/users/tokens",
    status_code=status.HTTP_200_OK,
    summary="Log in",
    responses=error_responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN),
    dependencies=[rate_limit("login"), rate_limit("login_account", per=body_field("username"))],
)
async def create_tokens(
    form: Annotated[LoginForm, Form()], db: DbDep, response: Response
) -> AccessTokenResponse:
    """OAuth2 password flow: an access token in the body, a refresh token in a cookie."""
    user = await service.authenticate_user(db, email=form.username, password=form.password)
    if user is None or not user.is_active:
        raise InvalidCredentials
    if auth_settings.VERIFIED_EMAIL_REQUIRED and not user.email_verified:
        raise EmailNotVerified
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


# After the routes above: the OpenAPI document lists the routes in this order.
router.include_router(admin_router)
router.include_router(credentials_router)
