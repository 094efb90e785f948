from datetime import timedelta

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from src.config import BaseConfig


class StorageConfig(BaseConfig):
    """The files domain's object storage (S3 or compatible), read from ``STORAGE_*`` (P07)."""

    model_config = SettingsConfigDict(env_prefix="STORAGE_")

    BUCKET: str = "files"
    REGION: str = "us-east-1"
    # Unset for AWS itself; set for MinIO, Ceph, moto, ...
    ENDPOINT_URL: str | None = None
    # Unset: boto3's own chain (environment, instance or pod role, ~/.aws).
    ACCESS_KEY_ID: str | None = None
    SECRET_ACCESS_KEY: SecretStr | None = None

    CONNECT_TIMEOUT_SECONDS: float = Field(default=5.0, gt=0)
    READ_TIMEOUT_SECONDS: float = Field(default=30.0, gt=0)
    MAX_ATTEMPTS: int = Field(default=3, ge=1)

    MAX_UPLOAD_BYTES: int = Field(default=10 * 1024 * 1024, ge=1)
    DOWNLOAD_URL_EXPIRES: timedelta = Field(default=timedelta(minutes=15), gt=timedelta(0))


storage_settings = StorageConfig()
