"""The object storage client: boto3 is a sync SDK, so every call it makes runs in the
thread pool (``run_in_threadpool``) behind an async function; the event loop keeps serving
other requests while S3 answers."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as StorageConnectionError
from fastapi.concurrency import run_in_threadpool

from src.files.config import StorageConfig, storage_settings
from src.files.constants import NOT_FOUND_CODES, THROTTLING_CODES
from src.files.exceptions import StorageUnavailable

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: types only
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef

logger = logging.getLogger(__name__)


def create_client(config: StorageConfig) -> "S3Client":
    """An S3 client on a boto3 session of its own. Built once, when this module is imported: a
    built client is thread-safe, building one (from boto3's shared default session above all)
    is not, so it must not happen lazily in the thread pool."""
    secret = config.SECRET_ACCESS_KEY
    return boto3.session.Session().client(
        "s3",
        region_name=config.REGION,
        endpoint_url=config.ENDPOINT_URL,
        aws_access_key_id=config.ACCESS_KEY_ID,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        config=Config(
            connect_timeout=config.CONNECT_TIMEOUT_SECONDS,
            read_timeout=config.READ_TIMEOUT_SECONDS,
            retries={"max_attempts": config.MAX_ATTEMPTS, "mode": "standard"},
        ),
    )


s3 = create_client(storage_settings)


async def put_object(key: str, content: bytes, *, content_type: str) -> None:
    with _unavailable_when_transient():
        await run_in_threadpool(_put_object, key, content, content_type)


async def head_object(key: str) -> "HeadObjectOutputTypeDef | None":
    """The object's metadata, ``None`` when there is no such object."""
    with _unavailable_when_transient():
        return await run_in_threadpool(_head_object, key)


async def download_url(key: str) -> str:
    """A presigned GET URL: the client downloads from the storage, not through the service."""
    with _unavailable_when_transient():
        return await run_in_threadpool(_download_url, key)


@contextmanager
def _unavailable_when_transient() -> Iterator[None]:
    """A storage that cannot answer now (unreachable, timed out, overloaded) is a 503, logged;
    any other SDK error (access denied, no such bucket, no credentials) is a configuration
    error, and stays a 500."""
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        if not _is_transient(error):
            raise
        logger.warning("File storage unavailable: %s: %s", type(error).__name__, error)
        raise StorageUnavailable from error


def _is_transient(error: BotoCoreError | ClientError) -> bool:
    if isinstance(error, StorageConnectionError | HTTPClientError):  # refused, timed out, dropped
        return True
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = error.response.get("Error", {}).get("Code", "")
        return status >= 500 or code in THROTTLING_CODES  # HTTP's server errors, or slow down
    return False


# The blocking calls: only ever run in the thread pool (they sign requests, may refresh
# credentials, and wait for S3).


def _put_object(key: str, content: bytes, content_type: str) -> None:
    s3.put_object(Bucket=storage_settings.BUCKET, Key=key, Body=content, ContentType=content_type)


def _head_object(key: str) -> "HeadObjectOutputTypeDef | None":
    try:
        return s3.head_object(Bucket=storage_settings.BUCKET, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in NOT_FOUND_CODES:
            return None
        raise


def _download_url(key: str) -> str:
    # A download, never a page: an uploaded text/html or SVG opened from the link would run its
    # scripts on the storage's origin (the Content-Type is the uploader's choice).
    return s3.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": storage_settings.BUCKET,
            "Key": key,
            "ResponseContentDisposition": "attachment",
        },
        ExpiresIn=int(storage_settings.DOWNLOAD_URL_EXPIRES.total_seconds()),
    )
