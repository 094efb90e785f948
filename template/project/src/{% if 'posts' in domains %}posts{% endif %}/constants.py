from enum import StrEnum

TITLE_MAX_LENGTH = 200
CONTENT_MAX_LENGTH = 20_000
# Granted by a role (auth_role): delete anyone's post.
MODERATE_PERMISSION = "posts:moderate"


class ErrorCode(StrEnum):
    POST_NOT_FOUND = "Post not found."
    POST_NOT_OWNED = "Only the post's creator can change it."
    USER_NOT_FOUND = "User not found."
