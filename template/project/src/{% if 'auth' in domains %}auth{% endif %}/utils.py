"""Token responses (the refresh cookie is httpOnly, Secure, SameSite=strict, for the token
path) and the e-mails of the auth domain."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Response

from src.auth.config import auth_settings
from src.auth.constants import REFRESH_TOKEN_PATH, EmailTokenPurpose
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


@dataclass(frozen=True, slots=True)
class EmailLink:
    """What differs between the links the domain e-mails: the page, the message, how long the
    token lasts, and whether a verified address still gets one."""

    page: str
    template: MessageTemplate
    lifetime: timedelta
    to_verified: bool

    def message(self, email: str, token: str) -> Message:
        url = f"{str(auth_settings.LINK_BASE_URL).rstrip('/')}/{self.page}?token={token}"
        seconds = int(self.lifetime.total_seconds())
        return self.template.render(
            email, link=url, hours=str(seconds // 3600), minutes=str(seconds // 60)
        )


def email_link(purpose: EmailTokenPurpose) -> EmailLink:
    """The one place that maps a purpose to its link (read at each call: settings may change in
    tests)."""
    match purpose:
        case EmailTokenPurpose.VERIFY:
            return EmailLink(
                "verify-email", VERIFICATION_EMAIL, auth_settings.VERIFICATION_TOKEN_EXP, False
            )
        case EmailTokenPurpose.RESET:
            return EmailLink("reset-password", RESET_EMAIL, auth_settings.RESET_TOKEN_EXP, True)
