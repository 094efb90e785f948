import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import status
from httpx import AsyncClient
from moto.core.exceptions import AccessDeniedError
from moto.s3.models import S3Backend

from src.files import client as storage_client
from src.files.config import StorageConfig, storage_settings
from src.files.constants import ErrorCode
from src.main import app
from tests.errors import error

Upload = Callable[[bytes], Awaitable[httpx.Response]]


@pytest.fixture
def upload(client: AsyncClient, write_headers: dict[str, str]) -> Upload:
    async def send(content: bytes) -> httpx.Response:
        return await client.post(
            app.url_path_for("upload_file"),
            files={"file": ("notes.txt", content, "text/plain")},
            headers=write_headers,
        )

    return send


async def test_upload_then_get_and_download(client: AsyncClient, upload: Upload) -> None:
    response = await upload(b"hello, storage")

    assert response.status_code == status.HTTP_201_CREATED
    stored = response.json()
    assert (stored["content_type"], stored["size"]) == ("text/plain", 14)
    found = await client.get(app.url_path_for("get_file", file_id=stored["id"]))
    assert found.status_code == status.HTTP_200_OK
    assert {key: found.json()[key] for key in ("id", "content_type", "size")} == {
        key: stored[key] for key in ("id", "content_type", "size")
    }
    async with httpx.AsyncClient() as storage:  # the presigned link works without credentials
        download = await storage.get(found.json()["download_url"])
    assert download.content == b"hello, storage"


async def test_unknown_file_is_404(client: AsyncClient) -> None:
    response = await client.get(app.url_path_for("get_file", file_id=str(uuid.uuid4())))

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert response.json() == error(ErrorCode.FILE_NOT_FOUND)


async def test_unknown_file_is_404_without_permission_to_list_the_bucket(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without s3:ListBucket, S3 answers HEAD on a missing key with 403, not 404."""
    head_object = S3Backend.head_object

    def head_without_list_permission(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        if (found := head_object(self, *args, **kwargs)) is None:
            raise AccessDeniedError("arn:aws:iam::123456789012:user/service", "s3:ListBucket")
        return found

    monkeypatch.setattr(S3Backend, "head_object", head_without_list_permission)

    response = await client.get(app.url_path_for("get_file", file_id=str(uuid.uuid4())))

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert response.json() == error(ErrorCode.FILE_NOT_FOUND)


async def test_upload_may_exceed_the_service_wide_body_limit(upload: Upload) -> None:
    content = b"x" * (2 * 1024 * 1024)  # over MAX_REQUEST_BODY_BYTES (1 MiB), within the storage's

    response = await upload(content)

    assert response.status_code == status.HTTP_201_CREATED, response.text
    assert response.json()["size"] == len(content)


async def test_too_large_file_is_413(upload: Upload, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_settings, "MAX_UPLOAD_BYTES", 4)

    response = await upload(b"12345")

    assert response.status_code == status.HTTP_413_CONTENT_TOO_LARGE
    assert response.json() == error(ErrorCode.FILE_TOO_LARGE)


async def test_upload_without_a_file_is_422(
    client: AsyncClient, write_headers: dict[str, str]
) -> None:
    response = await client.post(
        app.url_path_for("upload_file"), data={"other": "x"}, headers=write_headers
    )

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT


async def test_storage_down_is_503(
    client: AsyncClient, s3_config: StorageConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = s3_config.model_copy(update={"ENDPOINT_URL": "http://127.0.0.1:9", "MAX_ATTEMPTS": 1})
    monkeypatch.setattr(storage_client, "s3", storage_client.create_client(closed))

    response = await client.get(app.url_path_for("get_file", file_id=str(uuid.uuid4())))

    assert response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE
    assert response.json() == error(ErrorCode.STORAGE_UNAVAILABLE)
