import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Response, status

from src import mail
from src.auth import service, utils
from src.auth.config import auth_settings
from src.auth.constants import LINK_REQUESTED, EmailTokenPurpose
from src.auth.dependencies import (
    ActiveUserDep,
    ActiveUserJSONDep,
    RefreshTokenCookie,
    UserManagerDep,
    ValidRefreshTokenDep,
    ValidRoleNameDep,
    ValidUserCreateDep,
    ValidUserIdDep,
    active_user_id,
    refresh_token_user,
)
from src.auth.exceptions import (
    EmailNotVerified,
    EmailTaken,
    EmailTokenNotValid,
    InvalidCredentials,
    UserNotFound,
    WrongPassword,
)
from src.auth.schemas import (
    AccessTokenResponse,
    EmailRequest,
    EmailTokenBody,
    LinkRequested,
    LoginForm,
    ManagedUser,
    ManagedUserPage,
    PasswordChange,
    PasswordReset,
    Role,
    User,
    UserResponse,
)
from src.database import Database, DbDep, JSONBytes
from src.exceptions import DatabaseUnavailable, error_responses
from src.pagination import PaginationDep
from src.rate_limits import body_field, rate_limit

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/auth", tags=["auth"])

UNAUTHORIZED = error_responses(status.HTTP_401_UNAUTHORIZED)
# Routes for users whose roles grant users:manage (admins).
MANAGERS = error_responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN)
MANAGED_USER = error_responses(
    status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN, status.HTTP_404_NOT_FOUND
)
# ... and that could leave the service without an active admin.
ADMIN_CHANGE = error_responses(
    status.HTTP_401_UNAUTHORIZED,
    status.HTTP_403_FORBIDDEN,
    status.HTTP_404_NOT_FOUND,
    status.HTTP_409_CONFLICT,
)


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
    token = await service.create_email_token(
        db, user_id=created.id, purpose=EmailTokenPurpose.VERIFY
    )
    # Sent after the response, once the transaction (and the token) is committed.
    background.add_task(mail.send_safely, mailer, utils.verification_message(created.email, token))
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


@router.get(
    "/users",
    status_code=status.HTTP_200_OK,
    summary="List users",
    responses=MANAGERS,
)
async def list_users(_manager: UserManagerDep, db: DbDep, page: PaginationDep) -> ManagedUserPage:
    """Every user with their roles, oldest first (needs `users:manage`)."""
    items, total = await service.list_users(db, limit=page.limit, offset=page.offset)
    return ManagedUserPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get(
    "/roles",
    status_code=status.HTTP_200_OK,
    summary="List roles",
    responses=MANAGERS,
)
async def list_roles(_manager: UserManagerDep, db: DbDep) -> list[Role]:
    """The roles and the permissions each grants (needs `users:manage`)."""
    return await service.list_roles(db)


@router.delete(
    "/users/{user_id}/active",
    status_code=status.HTTP_200_OK,
    summary="Deactivate a user",
    responses=ADMIN_CHANGE,
)
async def deactivate_user(
    _manager: UserManagerDep, user_id: ValidUserIdDep, db: DbDep
) -> ManagedUser:
    """End the user's sessions; their next request is refused (needs `users:manage`; never the
    last active admin)."""
    await service.set_user_active(db, user_id=user_id, active=False)
    return await _managed_user(db, user_id)


@router.put(
    "/users/{user_id}/active",
    status_code=status.HTTP_200_OK,
    summary="Reactivate a user",
    responses=MANAGED_USER,
)
async def reactivate_user(
    _manager: UserManagerDep, user_id: ValidUserIdDep, db: DbDep
) -> ManagedUser:
    """Let a deactivated user log in again (needs `users:manage`)."""
    await service.set_user_active(db, user_id=user_id, active=True)
    return await _managed_user(db, user_id)


@router.put(
    "/users/{user_id}/roles/{role_name}",
    status_code=status.HTTP_200_OK,
    summary="Grant a role",
    responses=MANAGED_USER,
)
async def grant_role(
    _manager: UserManagerDep, user_id: ValidUserIdDep, role_name: ValidRoleNameDep, db: DbDep
) -> ManagedUser:
    """Give the user a role (idempotent; needs `users:manage`)."""
    await service.grant_role(db, user_id=user_id, role_name=role_name)
    return await _managed_user(db, user_id)


@router.delete(
    "/users/{user_id}/roles/{role_name}",
    status_code=status.HTTP_200_OK,
    summary="Revoke a role",
    responses=ADMIN_CHANGE,
)
async def revoke_role(
    _manager: UserManagerDep, user_id: ValidUserIdDep, role_name: ValidRoleNameDep, db: DbDep
) -> ManagedUser:
    """Take a role away (idempotent; needs `users:manage`; never the last active admin's
    admin role)."""
    await service.revoke_role(db, user_id=user_id, role_name=role_name)
    return await _managed_user(db, user_id)


# E-mail links and passwords: rate-limited per client address and per e-mail address or user,
# since they send mail, try tokens or verify a password.
EMAIL_LINK_LIMITS = [
    rate_limit("email_link"),
    rate_limit("email_link_account", per=body_field("email")),
]
EMAIL_TOKEN_LIMITS = [rate_limit("email_token")]
PASSWORD_CHANGE_LIMITS = [
    rate_limit("password_change"),
    rate_limit("password_change_account", per=active_user_id),
]


@router.post(
    "/users/verification-requests",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=EMAIL_LINK_LIMITS,
    summary="Send the verification link again",
)
async def request_verification(
    data: EmailRequest, db: DbDep, mailer: mail.MailerDep, background: BackgroundTasks
) -> LinkRequested:
    """Send a new link to an unverified address; the answer is the same for any address."""
    background.add_task(send_link, db, mailer, data.email, EmailTokenPurpose.VERIFY)
    return LinkRequested(detail=LINK_REQUESTED)


@router.post(
    "/users/verifications",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=EMAIL_TOKEN_LIMITS,
    summary="Verify an e-mail address",
    responses=error_responses(status.HTTP_404_NOT_FOUND),
    response_class=Response,
)
async def verify_email(data: EmailTokenBody, db: DbDep) -> None:
    """Confirm the address with the token of its link (each link works once)."""
    if not await service.verify_email(db, token=data.token):
        raise EmailTokenNotValid


@router.post(
    "/users/password-reset-requests",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=EMAIL_LINK_LIMITS,
    summary="Request a password reset",
)
async def request_password_reset(
    data: EmailRequest, db: DbDep, mailer: mail.MailerDep, background: BackgroundTasks
) -> LinkRequested:
    """E-mail a reset link to the address if it belongs to an active user; the answer is the
    same for any address (nobody learns who has an account)."""
    background.add_task(send_link, db, mailer, data.email, EmailTokenPurpose.RESET)
    return LinkRequested(detail=LINK_REQUESTED)


@router.post(
    "/users/password-resets",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=EMAIL_TOKEN_LIMITS,
    summary="Reset a password",
    responses=error_responses(status.HTTP_404_NOT_FOUND),
    response_class=Response,
)
async def reset_password(data: PasswordReset, db: DbDep) -> None:
    """Set a new password with the token of a reset link: it works once, and every session of
    the user ends."""
    if not await service.reset_password(db, token=data.token, password=data.password):
        raise EmailTokenNotValid


@router.put(
    "/users/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=PASSWORD_CHANGE_LIMITS,
    summary="Change my password",
    responses=error_responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN),
    response_class=Response,
)
async def change_password(data: PasswordChange, user: ActiveUserDep, db: DbDep) -> None:
    """Change the current user's password, given the current one; every session ends (log in
    again)."""
    changed = await service.change_password(
        db,
        user_id=user.id,
        current_password=data.current_password,
        new_password=data.new_password,
    )
    if not changed:
        raise WrongPassword


async def send_link(
    db: Database, mailer: mail.Mailer, email: str, purpose: EmailTokenPurpose
) -> None:
    """After the response: look the address up, store a token and send its link. The request
    did nothing that depends on the address, so its answer and its timing say nothing about it.
    The request's unit of work is reused, in a transaction of its own (committed before the
    mail goes out). An outage has no client left to answer: a warning, and no link."""
    try:
        async with db:
            recipient = await service.get_recipient(db, email=email)
            if recipient is None or (
                purpose is EmailTokenPurpose.VERIFY and recipient.email_verified
            ):
                return
            token = await service.create_email_token(db, user_id=recipient.id, purpose=purpose)
    except DatabaseUnavailable as error:
        cause = type(error.__cause__).__name__
        logger.warning("No %s link sent: database unavailable (%s)", purpose.value, cause)
        return
    if purpose is EmailTokenPurpose.RESET:
        message = utils.reset_message(recipient.email, token)
    else:
        message = utils.verification_message(recipient.email, token)
    await mail.send_safely(mailer, message)


async def _managed_user(db: DbDep, user_id: uuid.UUID) -> ManagedUser:
    user = await service.get_managed_user(db, user_id)
    if user is None:  # deleted meanwhile
        raise UserNotFound
    return user
