"""boto3 blocks, yet the event loop keeps serving while it waits for S3; SDK errors are
mapped by what they mean: transient ones are a 503 (logged), the others stay errors."""

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from fastapi import status
from httpx import AsyncClient
from moto.core.exceptions import AccessDeniedError
from moto.s3.models import S3Backend

from src.files import client as storage_client
from src.files.config import StorageConfig
from src.files.exceptions import StorageUnavailable
from src.main import app

WAIT_SECONDS = 5


@dataclass
class HeldStorage:
    """Set by the S3 server: an upload ``entered`` it, and it ``answered``; set by the test:
    ``release`` the upload."""

    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def held_storage(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldStorage]:
    """The S3 server (not the client) holds every upload until the test releases it."""
    held = HeldStorage()
    put_object = S3Backend.put_object

    def held_put_object(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        held.entered.set()
        held.release.wait(WAIT_SECONDS)
        held.answered.set()
        return put_object(self, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "put_object", held_put_object)
    yield held
    held.release.set()


async def test_event_loop_serves_requests_while_s3_is_slow(
    client: AsyncClient, write_headers: dict[str, str], held_storage: HeldStorage
) -> None:
    upload = asyncio.create_task(
        client.post(
            app.url_path_for("upload_file"),
            files={"file": ("a.txt", b"a", "text/plain")},
            headers=write_headers,
        )
    )
    assert await asyncio.to_thread(held_storage.entered.wait, WAIT_SECONDS), "no upload reached S3"

    # S3 holds the upload until released: /healthz answers only if boto3 is off the event loop.
    health = await client.get(app.url_path_for("get_liveness"))

    assert health.status_code == status.HTTP_200_OK
    assert not held_storage.answered.is_set(), "the event loop was blocked while S3 was slow"
    held_storage.release.set()
    assert (await upload).status_code == status.HTTP_201_CREATED


async def test_unreachable_storage_is_unavailable_and_logged(
    s3_config: StorageConfig, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    closed = s3_config.model_copy(update={"ENDPOINT_URL": "http://127.0.0.1:9", "MAX_ATTEMPTS": 1})
    monkeypatch.setattr(storage_client, "s3", storage_client.create_client(closed))

    with pytest.raises(StorageUnavailable):
        await storage_client.head_object("any")

    assert "File storage unavailable: EndpointConnectionError" in caplog.text


async def test_denied_access_stays_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A misconfiguration (here, no s3:PutObject) is no outage: it must not read as a 503."""

    def denied(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        raise AccessDeniedError("arn:aws:iam::123456789012:user/service", "s3:PutObject")

    monkeypatch.setattr(S3Backend, "put_object", denied)

    with pytest.raises(ClientError) as denied_error:
        await storage_client.put_object("key", b"x", content_type="text/plain")

    assert denied_error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


async def test_missing_credentials_stay_an_error(
    s3_config: StorageConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    anonymous = s3_config.model_copy(update={"ACCESS_KEY_ID": None, "SECRET_ACCESS_KEY": None})
    monkeypatch.setattr(storage_client, "s3", storage_client.create_client(anonymous))

    with pytest.raises(NoCredentialsError):
        await storage_client.put_object("key", b"x", content_type="text/plain")
