import uuid

from pydantic import ConfigDict, Field, StrictBool

from src.models import CustomModel, UTCDatetime
from src.pagination import Page
from src.posts.constants import CONTENT_MAX_LENGTH, TITLE_MAX_LENGTH


class PostCreate(CustomModel):
    # Unknown fields are a client's mistake (a typo would silently do nothing): 422.
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TITLE_MAX_LENGTH)
    content: str = Field(min_length=1, max_length=CONTENT_MAX_LENGTH)
    # Strict: the lax default would read 0, "yes" or "off" as booleans the schema does not allow.
    published: StrictBool = False


class PostUpdate(CustomModel):
    """The fields to change; a missing or null field stays as it is."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX_LENGTH)
    content: str | None = Field(default=None, min_length=1, max_length=CONTENT_MAX_LENGTH)
    published: StrictBool | None = None


class Creator(CustomModel):
    """The public face of a post's creator: never their e-mail."""

    id: uuid.UUID
    display_name: str


class PostResponse(CustomModel):
    id: uuid.UUID
    title: str
    content: str
    creator: Creator
    likes: int
    published_at: UTCDatetime | None
    created_at: UTCDatetime
    updated_at: UTCDatetime | None


class PostPage(Page):
    items: list[PostResponse]


class PostPageRow(PostResponse):
    """A row of a page: the post, and the number of posts in all pages."""

    total: int
