import uuid

import httpx
import pytest
from fastapi import status
from httpx import AsyncClient

from src.files import client as storage_client
from src.files.config import storage_settings
from src.files.constants import ErrorCode
from src.main import app
from tests.errors import error


async def upload(client: AsyncClient, content: bytes, content_type: str) -> httpx.Response:
    return await client.post(
        app.url_path_for("upload_file"), files={"file": ("notes.txt", content, content_type)}
    )


async def test_upload_then_get_and_download(client: AsyncClient) -> None:
    response = await upload(client, b"hello, storage", "text/plain")

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


async def test_upload_may_exceed_the_service_wide_body_limit(client: AsyncClient) -> None:
    content = b"x" * (2 * 1024 * 1024)  # over MAX_REQUEST_BODY_BYTES (1 MiB), within the storage's

    response = await upload(client, content, "text/plain")

    assert response.status_code == status.HTTP_201_CREATED, response.text
    assert response.json()["size"] == len(content)


async def test_too_large_file_is_refused(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage_settings, "MAX_UPLOAD_BYTES", 4)

    response = await upload(client, b"12345", "text/plain")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(ErrorCode.FILE_TOO_LARGE)


async def test_upload_without_a_file_is_422(client: AsyncClient) -> None:
    response = await client.post(app.url_path_for("upload_file"), data={"other": "x"})

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT


async def test_storage_down_is_503(client: AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_settings, "ENDPOINT_URL", "http://127.0.0.1:9")  # discard: closed
    monkeypatch.setattr(storage_settings, "MAX_ATTEMPTS", 1)
    storage_client.s3_client.cache_clear()

    response = await client.get(app.url_path_for("get_file", file_id=str(uuid.uuid4())))

    assert response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE
    assert response.json() == error(ErrorCode.STORAGE_UNAVAILABLE)
