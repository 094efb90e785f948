from datetime import timedelta
from typing import Literal, Self

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from src.config import BaseConfig
from src.constants import Environment
from src.mail import mail_settings

# Only where nobody else can reach the service: never deployed, never a real secret.
LOCAL_JWT_SECRET = SecretStr("local-only-jwt-secret-that-is-never-deployed")
MIN_SECRET_LENGTH = 32


class AuthConfig(BaseConfig):
    """Settings of the auth domain, read from ``AUTH_*`` variables (and ``ENVIRONMENT``, which
    decides whether the local secret is acceptable)."""

    model_config = SettingsConfigDict(env_prefix="AUTH_")

    JWT_SECRET: SecretStr = LOCAL_JWT_SECRET
    JWT_ALG: Literal["HS256", "HS384", "HS512"] = "HS256"
    JWT_EXP: timedelta = Field(default=timedelta(minutes=15), gt=timedelta(0))

    REFRESH_TOKEN_EXP: timedelta = Field(default=timedelta(days=30), gt=timedelta(0))
    # A refresh token used again this soon after its rotation is a second tab refreshing at
    # the same time, not a thief: it gets new tokens too. Later, reuse revokes the session.
    REFRESH_TOKEN_REUSE_GRACE: timedelta = Field(default=timedelta(seconds=10), ge=timedelta(0))
    REFRESH_TOKEN_COOKIE: str = "refresh_token"  # noqa: S105 (a cookie name)
    SECURE_COOKIES: bool = True
    # Argon2 hashes at once (each takes 64 MiB and several threads for ~0.1 s); more requests
    # wait, holding no database connection, so a burst of logins leaves the other routes a core.
    MAX_CONCURRENT_HASHES: int = Field(default=2, ge=1)

    # Where the links of e-mails point: the page (of the frontend) that posts the token back.
    LINK_BASE_URL: AnyHttpUrl = AnyHttpUrl("http://localhost:8000")
    # False: unverified users may log in (and verify later); true: login waits for the link.
    VERIFIED_EMAIL_REQUIRED: bool = False
    VERIFICATION_TOKEN_EXP: timedelta = Field(default=timedelta(days=2), gt=timedelta(0))
    RESET_TOKEN_EXP: timedelta = Field(default=timedelta(hours=1), gt=timedelta(0))

    @model_validator(mode="after")
    def require_secret_outside_local(self) -> Self:
        local = self.ENVIRONMENT in {Environment.LOCAL, Environment.TESTING}
        if not local and self.JWT_SECRET == LOCAL_JWT_SECRET:
            msg = f"AUTH_JWT_SECRET is required in {self.ENVIRONMENT} (e.g. openssl rand -hex 32)"
            raise ValueError(msg)
        if len(self.JWT_SECRET.get_secret_value()) < MIN_SECRET_LENGTH:
            msg = f"AUTH_JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters"
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def require_secure_cookies_when_deployed(self) -> Self:
        # A refresh token sent over plain HTTP can be read on the way: a 30-day session stolen.
        if not self.SECURE_COOKIES and self.ENVIRONMENT.is_deployed:
            msg = (
                "AUTH_SECURE_COOKIES=false sends refresh tokens over plain HTTP: "
                f"refused in {self.ENVIRONMENT}"
            )
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def require_mail_for_verification_when_deployed(self) -> Self:
        deployed = self.ENVIRONMENT.is_deployed
        if self.VERIFIED_EMAIL_REQUIRED and deployed and not mail_settings.sends:
            msg = (
                "AUTH_VERIFIED_EMAIL_REQUIRED=true needs MAIL_HOST: without mail, nobody "
                f"could log in ({self.ENVIRONMENT})"
            )
            raise ValueError(msg)
        return self


auth_settings = AuthConfig()
