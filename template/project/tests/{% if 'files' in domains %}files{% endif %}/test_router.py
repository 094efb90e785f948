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


@pytest.mark.parametrize(
    "content_type",
    ["text/pl\x00ain", "text/plain\x01", "text/\u00e9t\u00e9", "plain", "x/" + "y" * 300],
)
async def test_upload_with_a_content_type_that_is_no_media_type_is_refused(
    client: AsyncClient, write_headers: dict[str, str], s3: Any, content_type: str
) -> None:
    """The part's Content-Type is stored and served back with every download: a NUL in it was
    a 500 (after the object was stored), a non-ASCII one came back garbled."""
    body = (
        '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        f"Content-Type: {content_type}\r\n\r\nhello\r\n--b--\r\n"
    ).encode()
    stored = s3.list_objects_v2(Bucket=storage_settings.BUCKET).get("KeyCount")

    response = await client.post(
        app.url_path_for("upload_file"),
        content=body,
        headers={**write_headers, "Content-Type": "multipart/form-data; boundary=b"},
    )

    assert response.status_code == status.HTTP_400_BAD_REQUEST, response.text
    assert response.json() == error(ErrorCode.CONTENT_TYPE_NOT_VALID)
    assert s3.list_objects_v2(Bucket=storage_settings.BUCKET).get("KeyCount") == stored


async def test_the_link_downloads_a_page_instead_of_opening_it(
    client: AsyncClient, write_headers: dict[str, str]
) -> None:
    """An uploaded page keeps its Content-Type, and its link makes a browser save it: opened,
    its scripts would run on the storage's origin."""
    page = b"<script>alert(document.domain)</script>"
    response = await client.post(
        app.url_path_for("upload_file"),
        files={"file": ("page.html", page, "text/html")},
        headers=write_headers,
    )
    assert response.status_code == status.HTTP_201_CREATED
    found = await client.get(app.url_path_for("get_file", file_id=response.json()["id"]))
    async with httpx.AsyncClient() as storage:
        download = await storage.get(found.json()["download_url"])
    assert download.content == page
    assert download.headers["content-disposition"] == "attachment"
