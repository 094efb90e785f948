from src.exceptions import NotFound, PermissionDenied
from src.posts.constants import ErrorCode


class PostNotFound(NotFound):
    DETAIL = ErrorCode.POST_NOT_FOUND


class PostNotOwned(PermissionDenied):
    DETAIL = ErrorCode.POST_NOT_OWNED


class CreatorNotFound(NotFound):
    DETAIL = ErrorCode.USER_NOT_FOUND
