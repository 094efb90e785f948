import re
import uuid
from typing import Literal

from pydantic import EmailStr, Field, field_validator

from src.models import CustomModel, UTCDatetime

STRONG_PASSWORD = re.compile(r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^A-Za-z\d]).+$")


class UserCreate(CustomModel):
    email: EmailStr = Field(max_length=320)
    password: str = Field(min_length=8, max_length=128)

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
