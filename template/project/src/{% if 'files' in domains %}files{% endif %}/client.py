"""The object storage client (P14): boto3 is a sync SDK, so every call it makes runs in the
thread pool (``run_in_threadpool``) behind an async function; the event loop keeps serving
other requests while S3 answers."""

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from fastapi.concurrency import run_in_threadpool

from src.files.config import storage_settings
from src.files.exceptions import StorageUnavailable

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: types only
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef


@cache
def s3_client() -> "S3Client":
    """One client per process: boto3 clients are thread-safe, and building one is slow."""
    secret = storage_settings.SECRET_ACCESS_KEY
    return boto3.client(
        "s3",
        region_name=storage_settings.REGION,
        endpoint_url=storage_settings.ENDPOINT_URL,
        aws_access_key_id=storage_settings.ACCESS_KEY_ID,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        config=Config(
            connect_timeout=storage_settings.CONNECT_TIMEOUT_SECONDS,
            read_timeout=storage_settings.READ_TIMEOUT_SECONDS,
            retries={"max_attempts": storage_settings.MAX_ATTEMPTS, "mode": "standard"},
        ),
    )


async def put_object(key: str, content: bytes, *, content_type: str) -> None:
    try:
        await run_in_threadpool(_put_object, key, content, content_type)
    except (BotoCoreError, ClientError) as error:
        raise StorageUnavailable from error


async def head_object(key: str) -> "HeadObjectOutputTypeDef | None":
    """The object's metadata, ``None`` when there is no such object."""
    try:
        return await run_in_threadpool(_head_object, key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}:
            return None
        raise StorageUnavailable from error
    except BotoCoreError as error:
        raise StorageUnavailable from error


async def download_url(key: str) -> str:
    """A presigned GET URL: the client downloads from the storage, not through the service."""
    try:
        return await run_in_threadpool(_download_url, key)
    except (BotoCoreError, ClientError) as error:
        raise StorageUnavailable from error


# The blocking calls: only ever run in the thread pool. Building the client (first call) and
# resolving credentials (signing) may block too, so they happen here as well.


def _put_object(key: str, content: bytes, content_type: str) -> None:
    s3_client().put_object(
        Bucket=storage_settings.BUCKET, Key=key, Body=content, ContentType=content_type
    )


def _head_object(key: str) -> "HeadObjectOutputTypeDef":
    return s3_client().head_object(Bucket=storage_settings.BUCKET, Key=key)


def _download_url(key: str) -> str:
    return s3_client().generate_presigned_url(
        "get_object",
        Params={"Bucket": storage_settings.BUCKET, "Key": key},
        ExpiresIn=int(storage_settings.DOWNLOAD_URL_EXPIRES.total_seconds()),
    )
