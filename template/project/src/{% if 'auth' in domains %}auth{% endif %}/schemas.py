import re
import uuid
from typing import Literal

from pydantic import ConfigDict, EmailStr, Field, field_validator

from src.models import CustomModel, UTCDatetime

# A lower case letter, an upper case letter, a digit and another character, anywhere. Also the
# schema's pattern: [\s\S] and [0-9] read the same in Python and ECMAScript (JSON Schema) regexes.
STRONG_PASSWORD = re.compile(
    r"^(?=[\s\S]*[a-z])(?=[\s\S]*[A-Z])(?=[\s\S]*[0-9])(?=[\s\S]*[^A-Za-z0-9])"
)


class UserCreate(CustomModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=320)
    password: str = Field(
        min_length=8,
        max_length=128,
        json_schema_extra={"pattern": STRONG_PASSWORD.pattern},
        description="At least one lower case letter, one upper case letter, one digit and one "
        "other character",
    )

    @field_validator("password", mode="after")
    @classmethod
    def valid_password(cls, password: str) -> str:
        # A ValueError here becomes a 422 with this message (P15).
        if not STRONG_PASSWORD.match(password):
            msg = (
                "Password must contain at least one lower case letter, one upper case letter, "
                "one digit and one special character"
            )
            raise ValueError(msg)
        return password


class LoginForm(CustomModel):
    """OAuth2 password flow form (what OAuth2PasswordRequestForm reads, without a thread)."""

    grant_type: Literal["password"] | None = None
    username: str = Field(max_length=320, description="The user's e-mail")
    password: str = Field(max_length=128)


class UserResponse(CustomModel):
    id: uuid.UUID
    email: EmailStr
    is_active: bool
    created_at: UTCDatetime


class AccessTokenResponse(CustomModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth2 token type)
    expires_in: int = Field(description="Seconds until the access token expires")


class JWTData(CustomModel):
    user_id: uuid.UUID
