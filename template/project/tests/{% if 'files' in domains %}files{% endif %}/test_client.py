"""P14: boto3 blocks, yet the event loop keeps serving while it waits for S3."""

import asyncio
import time
from typing import Any

import pytest
from fastapi import status
from httpx import AsyncClient
from moto.s3.models import S3Backend

from src.main import app

SLOW_SECONDS = 1.0


@pytest.fixture
def slow_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    """The S3 server (not the client) takes SLOW_SECONDS to store an object."""
    put_object = S3Backend.put_object

    def slow_put_object(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        time.sleep(SLOW_SECONDS)
        return put_object(self, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "put_object", slow_put_object)


@pytest.mark.usefixtures("slow_storage")
async def test_event_loop_serves_requests_while_s3_is_slow(client: AsyncClient) -> None:
    started = time.perf_counter()
    upload = asyncio.create_task(
        client.post(app.url_path_for("upload_file"), files={"file": ("a.txt", b"a", "text/plain")})
    )
    await asyncio.sleep(0.1)  # the upload is now waiting for S3

    health = await client.get(app.url_path_for("get_liveness"))
    answered_after = time.perf_counter() - started

    assert health.status_code == status.HTTP_200_OK
    assert answered_after < SLOW_SECONDS / 2, "the event loop was blocked while S3 was slow"
    assert not upload.done(), "the upload ended before /healthz answered"
    assert (await upload).status_code == status.HTTP_201_CREATED
