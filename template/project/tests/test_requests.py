"""Bad requests get a 4xx with a clear JSON error, never a 500: oversized, malformed or non-JSON
bodies, unknown fields, wrong methods. A test route stands in for the domains' routes."""

from collections.abc import AsyncIterator
from functools import cache

import pytest
from fastapi import FastAPI, Response, status
from httpx import ASGITransport, AsyncClient
from pydantic import ConfigDict

from src.config import Config
from src.constants import ErrorCode
from src.exceptions import BadRequest
from src.main import create_app
from src.models import CustomModel
from tests.errors import error

LIMIT = 1_000


class Note(CustomModel):
    model_config = ConfigDict(extra="forbid")

    text: str


@cache  # one app for the module's tests: building an app's routes takes longer than a test
def notes_app(limit: int = LIMIT) -> FastAPI:
    app = create_app(Config(MAX_REQUEST_BODY_BYTES=limit, CORS_ORIGINS=["https://app.example.com"]))

    @app.post("/notes")
    async def create_note(note: Note) -> Note:
        return note

    @app.delete("/notes")
    async def delete_notes() -> None:
        raise BadRequest

    @app.put("/notes")
    async def replace_notes(secret: str) -> None:
        raise LookupError(secret)

    @app.post("/notes/archive", status_code=204, response_class=Response)
    async def archive_notes() -> None:
        return None

    @app.get("/notes/{note_id}")
    async def get_note(note_id: int) -> None:
        return None

    return app


@pytest.fixture
async def client() -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=notes_app(), raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="https://test") as client:
        yield client


async def test_a_valid_body_is_accepted(client: AsyncClient) -> None:
    response = await client.post("/notes", json={"text": "hello"})

    assert response.status_code == status.HTTP_200_OK


async def test_oversized_body_is_a_413_in_json(client: AsyncClient) -> None:
    response = await client.post("/notes", json={"text": "x" * LIMIT})

    assert response.status_code == status.HTTP_413_CONTENT_TOO_LARGE
    assert response.json() == error(ErrorCode.CONTENT_TOO_LARGE)


async def test_oversized_streamed_body_is_a_413_in_json(client: AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b" " * (LIMIT // 2)

    response = await client.post(
        "/notes", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == status.HTTP_413_CONTENT_TOO_LARGE
    assert response.json() == error(ErrorCode.CONTENT_TOO_LARGE)


@pytest.mark.parametrize(
    "body", [b'{"text": ', b'{"text": "\xe9"}'], ids=["syntax-error", "not-utf-8"]
)
async def test_malformed_json_is_a_422(client: AsyncClient, body: bytes) -> None:
    response = await client.post(
        "/notes", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
    assert [error["type"] for error in response.json()["detail"]] == ["json_invalid"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
async def test_a_body_that_is_not_json_is_a_422_that_says_so(
    client: AsyncClient, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}

    response = await client.post("/notes", content=b'{"text": "hello"}', headers=headers)

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
    assert response.json()["detail"] == [
        {
            "type": "unsupported_media_type",
            "loc": ["header", "content-type"],
            "msg": "Send the body as JSON, with Content-Type: application/json",
        }
    ]


async def test_unknown_field_is_a_422(client: AsyncClient) -> None:
    response = await client.post("/notes", json={"text": "hello", "txet": "typo"})

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
    assert response.json()["detail"][0]["type"] == "extra_forbidden"
    assert response.json()["detail"][0]["loc"] == ["body", "txet"]


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/notes", "DELETE, POST, PUT"),
        # Also matched by /notes/{note_id} (GET), which is another path of the schema.
        ("/notes/archive", "POST"),
        ("/notes/1", "GET"),
    ],
)
async def test_wrong_method_is_a_405_that_lists_the_paths_methods(
    client: AsyncClient, path: str, allow: str
) -> None:
    response = await client.patch(path, json={"text": "hello"})

    assert response.status_code == status.HTTP_405_METHOD_NOT_ALLOWED
    assert response.headers["allow"] == allow
    assert response.json() == error(ErrorCode.METHOD_NOT_ALLOWED)


async def test_domain_bad_request_stays_a_400(client: AsyncClient) -> None:
    response = await client.delete("/notes")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(ErrorCode.BAD_REQUEST)


async def test_unexpected_error_is_a_json_500_with_cors_and_no_request_data(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    origin = "https://app.example.com"

    response = await client.put(
        "/notes?secret=hunter2", headers={"Origin": origin, "X-Request-ID": "req-42"}
    )

    assert response.status_code == status.HTTP_500_INTERNAL_SERVER_ERROR
    assert response.json() == error(ErrorCode.INTERNAL_ERROR)
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["x-request-id"] == "req-42"
    [record] = [record for record in caplog.records if record.levelname == "ERROR"]
    assert "LookupError" in record.getMessage()
    assert "req-42" in record.getMessage()
    assert "hunter2" not in record.getMessage()


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"text": ' + b"9" * 5_000 + b"}"],
    ids=["nested-too-deep", "integer-too-long"],
)
async def test_unparsable_json_is_the_documented_422(body: bytes) -> None:
    transport = ASGITransport(app=notes_app(limit=len(body)))
    async with AsyncClient(transport=transport, base_url="https://test") as client:
        response = await client.post(
            "/notes", content=body, headers={"Content-Type": "application/json"}
        )

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
    assert response.json()["code"] == ErrorCode.VALIDATION_ERROR.name


async def test_security_headers(client: AsyncClient) -> None:
    response = await client.get("/notes/1")

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers  # not deployed here


async def test_no_content_has_no_content_type(client: AsyncClient) -> None:
    response = await client.post("/notes/archive")

    assert response.status_code == status.HTTP_204_NO_CONTENT
    assert "content-type" not in response.headers
