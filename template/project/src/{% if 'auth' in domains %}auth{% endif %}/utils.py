"""Token responses; the refresh cookie is httpOnly, Secure, SameSite=strict, for the token path."""

import uuid

from fastapi import Response

from src.auth.config import auth_settings
from src.auth.constants import REFRESH_TOKEN_PATH
from src.auth.schemas import AccessTokenResponse
from src.auth.security import create_access_token

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
