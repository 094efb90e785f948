from enum import StrEnum

REFRESH_TOKEN_PATH = "/auth/users/tokens"
DISPLAY_NAME_MAX_LENGTH = 64
ROLE_NAME_MAX_LENGTH = 64

# Roles are rows of auth_role (a new role is a data migration); each names its permissions.
# The admin role (seeded by the roles migration) holds every permission.
ADMIN_ROLE = "admin"
ALL_PERMISSIONS = "*"
USERS_MANAGE = "users:manage"


LINK_REQUESTED = "If this address belongs to an account that needs it, a link is on its way."


class EmailTokenPurpose(StrEnum):
    VERIFY = "verify"
    RESET = "reset"


class ErrorCode(StrEnum):
    AUTHENTICATION_REQUIRED = "Authentication required."
    INVALID_TOKEN = "Invalid token."
    INVALID_CREDENTIALS = "Invalid credentials."
    EMAIL_TAKEN = "Email is already taken."
    REFRESH_TOKEN_NOT_VALID = "Refresh token is not valid."
    REFRESH_TOKEN_REUSED = "Refresh token was already used; its session is revoked."
    USER_INACTIVE = "User is inactive."
    PERMISSION_MISSING = "Your roles do not allow this."
    USER_NOT_FOUND = "User not found."
    ROLE_NOT_FOUND = "Role not found."
    LAST_ADMIN = "This is the last active admin: make another admin first."
    EMAIL_NOT_VERIFIED = "Verify your e-mail address first: follow the link we sent."
    EMAIL_TOKEN_NOT_VALID = "This link is not valid: it expired, was used, or was never sent."
    WRONG_PASSWORD = "The current password is wrong."
