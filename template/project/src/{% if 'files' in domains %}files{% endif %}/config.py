from datetime import timedelta
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from src.config import BaseConfig
from src.constants import Environment

# Under ENVIRONMENT=local or testing only: deployments name their own bucket (a bucket name is
# global across S3, and this one belongs to someone else there).
LOCAL_BUCKET = "files"


class StorageConfig(BaseConfig):
    """The files domain's object storage (S3 or compatible), read from ``STORAGE_*``."""

    model_config = SettingsConfigDict(env_prefix="STORAGE_")

    # Required outside local/testing. S3's rules: 3-63 lowercase letters, digits, dots, hyphens.
    BUCKET: str = Field(default="", pattern=r"^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$")
    REGION: str = "us-east-1"
    # Unset for AWS itself; set for MinIO, Ceph, moto, ... (an http or https URL)
    ENDPOINT_URL: str | None = Field(default=None, pattern=r"^https?://[^\s/]+")
    # Unset: boto3's own chain (environment, instance or pod role, ~/.aws).
    ACCESS_KEY_ID: str | None = None
    SECRET_ACCESS_KEY: SecretStr | None = None

    CONNECT_TIMEOUT_SECONDS: float = Field(default=5.0, gt=0)
    READ_TIMEOUT_SECONDS: float = Field(default=30.0, gt=0)
    MAX_ATTEMPTS: int = Field(default=3, ge=1)

    MAX_UPLOAD_BYTES: int = Field(default=10 * 1024 * 1024, ge=1)
    DOWNLOAD_URL_EXPIRES: timedelta = Field(default=timedelta(minutes=15), gt=timedelta(0))

    @model_validator(mode="after")
    def require_both_keys_or_neither(self) -> Self:
        # boto3 refuses half a pair when the client is built, as the app is imported.
        if (self.ACCESS_KEY_ID is None) != (self.SECRET_ACCESS_KEY is None):
            msg = "STORAGE_ACCESS_KEY_ID and STORAGE_SECRET_ACCESS_KEY go together"
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def require_bucket_outside_local(self) -> Self:
        if self.BUCKET:
            return self
        if self.ENVIRONMENT not in {Environment.LOCAL, Environment.TESTING}:
            msg = f"STORAGE_BUCKET is required in {self.ENVIRONMENT}: the bucket files go to"
            raise ValueError(msg)
        self.BUCKET = LOCAL_BUCKET
        return self


storage_settings = StorageConfig()
