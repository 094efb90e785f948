"""Passwords and e-mail links under /auth (included by ``src/auth/router.py``): verify an
address, reset a forgotten password, change a known one."""

import logging

from fastapi import APIRouter, BackgroundTasks, Response, status

from src import mail
from src.auth import utils
from src.auth.constants import LINK_REQUESTED, EmailTokenPurpose
from src.auth.credentials import service
from src.auth.dependencies import ActiveUserDep, active_user_id
from src.auth.exceptions import EmailTokenNotValid, WrongPassword
from src.auth.schemas import (
    EmailRequest,
    EmailTokenBody,
    LinkRequested,
    PasswordChange,
    PasswordReset,
)
from src.database import Database, DbDep
from src.exceptions import DatabaseUnavailable, error_responses
from src.rate_limits import body_field, rate_limit

logger = logging.getLogger(__name__)
router = APIRouter()

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
    link = utils.email_link(purpose)
    try:
        async with db:
            recipient = await service.get_recipient(db, email=email)
            if recipient is None or (recipient.email_verified and not link.to_verified):
                return
            token = await service.create_email_token(db, user_id=recipient.id, purpose=purpose)
    except DatabaseUnavailable as error:
        cause = type(error.__cause__).__name__
        logger.warning("No %s link sent: database unavailable (%s)", purpose.value, cause)
        return
    await mail.send_safely(mailer, link.message(recipient.email, token))
