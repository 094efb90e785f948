import uuid

from pydantic import Field

from src.models import CustomModel, UTCDatetime
from src.pagination import Page
from src.posts.constants import CONTENT_MAX_LENGTH, TITLE_MAX_LENGTH


class PostCreate(CustomModel):
    title: str = Field(min_length=1, max_length=TITLE_MAX_LENGTH)
    content: str = Field(min_length=1, max_length=CONTENT_MAX_LENGTH)
    published: bool = False


class PostUpdate(CustomModel):
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX_LENGTH)
    content: str | None = Field(default=None, min_length=1, max_length=CONTENT_MAX_LENGTH)
    published: bool | None = None


class Creator(CustomModel):
    id: uuid.UUID
    email: str


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
