import re
import uuid
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema

from src.auth.constants import DISPLAY_NAME_MAX_LENGTH
from src.models import CustomModel, UTCDatetime
from src.pagination import Page

# A lower case letter, an upper case letter, a digit and another character, anywhere. Also the
# schema's pattern: [\s\S] and [0-9] read the same in Python and ECMAScript (JSON Schema) regexes.
STRONG_PASSWORD = re.compile(
    r"^(?=[\s\S]*[a-z])(?=[\s\S]*[A-Z])(?=[\s\S]*[0-9])(?=[\s\S]*[^A-Za-z0-9])"
)


def valid_email(address: str) -> str:
    """An address as ``format: email`` describes it: its syntax, without asking whether its
    domain receives mail (``x@none.test`` is accepted, as the schema promises)."""
    try:
        checked = validate_email(
            address, check_deliverability=False, globally_deliverable=False, test_environment=True
        )
    except EmailNotValidError:
        # Not the library's reason: it can quote the address.
        msg = "value is not a valid email address"
        raise ValueError(msg) from None
    return checked.normalized


Email = Annotated[
    str,
    Field(max_length=320),
    AfterValidator(valid_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 320}),
]


def strong_password(password: str) -> str:
    # A ValueError here becomes a 422 with this message.
    if not STRONG_PASSWORD.match(password):
        msg = (
            "Password must contain at least one lower case letter, one upper case letter, "
            "one digit and one special character"
        )
        raise ValueError(msg)
    return password


StrongPassword = Annotated[
    str,
    Field(
        min_length=8,
        max_length=128,
        json_schema_extra={"pattern": STRONG_PASSWORD.pattern},
        description="At least one lower case letter, one upper case letter, one digit and one "
        "other character",
    ),
    AfterValidator(strong_password),
]


class UserCreate(CustomModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    display_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=DISPLAY_NAME_MAX_LENGTH,
        description="Shown to other users instead of the e-mail (default: user-<8 characters>)",
    )
    password: StrongPassword


class EmailTokenBody(CustomModel):
    """The token of a link sent by e-mail."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=128)


class EmailRequest(CustomModel):
    """An address to send a link to (verification again, password reset)."""

    model_config = ConfigDict(extra="forbid")

    email: Email


class LinkRequested(CustomModel):
    """The answer to a request for a link, whoever the address belongs to."""

    detail: str


class PasswordReset(EmailTokenBody):
    password: StrongPassword


class PasswordChange(CustomModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=128)
    new_password: StrongPassword


class LoginForm(CustomModel):
    """OAuth2 password flow form (what OAuth2PasswordRequestForm reads, without a thread)."""

    grant_type: Literal["password"] | None = None
    username: str = Field(max_length=320, description="The user's e-mail")
    password: str = Field(max_length=128)


class User(CustomModel):
    """A user as the service reads it (no password hash)."""

    id: uuid.UUID
    # A str, not EmailStr: a stored address is never validated again on its way out.
    email: str
    display_name: str
    is_active: bool
    created_at: UTCDatetime


class UserResponse(User):
    """The current user, as they see themselves."""


class ManagedUser(User):
    """A user as an admin sees them: with their roles."""

    email_verified: bool
    roles: list[str]


class ManagedUserPage(Page):
    items: list[ManagedUser]


class Role(CustomModel):
    name: str
    permissions: list[str]


class PublicUser(CustomModel):
    """What anyone may see of a user: never the e-mail."""

    id: uuid.UUID
    display_name: str


class Credentials(CustomModel):
    id: uuid.UUID
    is_active: bool
    email_verified: bool
    password_hash: str


class Recipient(CustomModel):
    """A user that e-mail may be sent to."""

    id: uuid.UUID
    email: str
    email_verified: bool


class RefreshToken(CustomModel):
    """A stored refresh token, read under its family's lock."""

    id: uuid.UUID
    user_id: uuid.UUID
    family_id: uuid.UUID
    expired: bool
    used_at: UTCDatetime | None
    # Used within the grace window: a second tab refreshing at the same time, not a thief.
    recently_used: bool | None
    revoked_at: UTCDatetime | None


class AccessTokenResponse(CustomModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth2 token type)
    expires_in: int = Field(description="Seconds until the access token expires")


class JWTData(CustomModel):
    user_id: uuid.UUID
