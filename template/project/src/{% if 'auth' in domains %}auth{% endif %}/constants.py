from enum import StrEnum

REFRESH_TOKEN_PATH = "/auth/users/tokens"
DISPLAY_NAME_MAX_LENGTH = 64


class ErrorCode(StrEnum):
    AUTHENTICATION_REQUIRED = "Authentication required."
    INVALID_TOKEN = "Invalid token."
    INVALID_CREDENTIALS = "Invalid credentials."
    EMAIL_TAKEN = "Email is already taken."
    REFRESH_TOKEN_NOT_VALID = "Refresh token is not valid."
    REFRESH_TOKEN_REUSED = "Refresh token was already used; its session is revoked."
    USER_INACTIVE = "User is inactive."
