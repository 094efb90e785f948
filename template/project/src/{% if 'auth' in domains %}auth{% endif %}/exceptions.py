from src.auth.constants import ErrorCode
from src.exceptions import Conflict, NotAuthenticated, NotFound, PermissionDenied


class AuthenticationRequired(NotAuthenticated):
    DETAIL = ErrorCode.AUTHENTICATION_REQUIRED


class InvalidToken(NotAuthenticated):
    DETAIL = ErrorCode.INVALID_TOKEN


class InvalidCredentials(NotAuthenticated):
    DETAIL = ErrorCode.INVALID_CREDENTIALS


class EmailTaken(Conflict):
    DETAIL = ErrorCode.EMAIL_TAKEN


class RefreshTokenNotValid(NotAuthenticated):
    DETAIL = ErrorCode.REFRESH_TOKEN_NOT_VALID


class RefreshTokenReused(NotAuthenticated):
    DETAIL = ErrorCode.REFRESH_TOKEN_REUSED


class UserInactive(PermissionDenied):
    DETAIL = ErrorCode.USER_INACTIVE


class PermissionMissing(PermissionDenied):
    DETAIL = ErrorCode.PERMISSION_MISSING


class UserNotFound(NotFound):
    DETAIL = ErrorCode.USER_NOT_FOUND


class RoleNotFound(NotFound):
    DETAIL = ErrorCode.ROLE_NOT_FOUND


class LastAdmin(Conflict):
    DETAIL = ErrorCode.LAST_ADMIN


class EmailNotVerified(PermissionDenied):
    DETAIL = ErrorCode.EMAIL_NOT_VERIFIED


# 404: the link's token names nothing usable (never issued, used, or expired).
class EmailTokenNotValid(NotFound):
    DETAIL = ErrorCode.EMAIL_TOKEN_NOT_VALID


class WrongPassword(PermissionDenied):
    DETAIL = ErrorCode.WRONG_PASSWORD
