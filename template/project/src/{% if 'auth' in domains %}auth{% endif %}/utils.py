"""Token responses (the refresh cookie is httpOnly, Secure, SameSite=strict, for the token
path) and the e-mails of the auth domain."""

import uuid

from fastapi import Response

from src.auth.config import auth_settings
from src.auth.constants import REFRESH_TOKEN_PATH
from src.auth.schemas import AccessTokenResponse
from src.auth.security import create_access_token
from src.mail import Message, MessageTemplate

# Tokens must not be cached by the browser or a proxy (OAuth 2.0, RFC 6749 section 5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def set_refresh_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        auth_settings.REFRESH_TOKEN_COOKIE,
        token,
        # An int: a timedelta would render an invalid Max-Age.
        max_age=int(auth_settings.REFRESH_TOKEN_EXP.total_seconds()),
        path=REFRESH_TOKEN_PATH,
        secure=auth_settings.SECURE_COOKIES,
        httponly=True,
        samesite="strict",
    )
    response.headers.update(NO_STORE)


def delete_refresh_cookie(response: Response) -> None:
    response.delete_cookie(
        auth_settings.REFRESH_TOKEN_COOKIE,
        path=REFRESH_TOKEN_PATH,
        secure=auth_settings.SECURE_COOKIES,
        httponly=True,
        samesite="strict",
    )


def cleared_cookie_headers() -> dict[str, str]:
    """Headers of an error that also clears the refresh cookie (a failed refresh)."""
    response = Response()
    delete_refresh_cookie(response)
    return {"Set-Cookie": response.headers["set-cookie"], **NO_STORE}


def access_token_response(user_id: uuid.UUID) -> AccessTokenResponse:
    return AccessTokenResponse(
        access_token=create_access_token(user_id),
        expires_in=int(auth_settings.JWT_EXP.total_seconds()),
    )


VERIFICATION_EMAIL = MessageTemplate(
    subject="Confirm your e-mail address",
    text="Open this link to confirm your address:\n\n$link\n\n"
    "It expires in $hours hours. If you did not sign up, ignore this message.\n",
)
RESET_EMAIL = MessageTemplate(
    subject="Reset your password",
    text="Open this link to choose a new password:\n\n$link\n\n"
    "It works once and expires in $minutes minutes. If you did not ask for it, ignore this "
    "message: your password stays as it is.\n",
)


def link(page: str, token: str) -> str:
    return f"{str(auth_settings.LINK_BASE_URL).rstrip('/')}/{page}?token={token}"


def verification_message(email: str, token: str) -> Message:
    hours = int(auth_settings.VERIFICATION_TOKEN_EXP.total_seconds() // 3600)
    return VERIFICATION_EMAIL.render(email, link=link("verify-email", token), hours=str(hours))


def reset_message(email: str, token: str) -> Message:
    minutes = int(auth_settings.RESET_TOKEN_EXP.total_seconds() // 60)
    return RESET_EMAIL.render(email, link=link("reset-password", token), minutes=str(minutes))
