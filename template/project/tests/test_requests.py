"""Bad requests get a 4xx with a clear JSON error, never a 500: oversized, malformed or non-JSON
bodies, unknown fields, wrong methods. A test route stands in for the domains' routes."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, status
from httpx import ASGITransport, AsyncClient
from pydantic import ConfigDict
from sqlalchemy.exc import IntegrityError

from src.config import Config
from src.exceptions import BadRequest
from src.main import create_app
from src.models import CustomModel

LIMIT = 1_000


class Note(CustomModel):
    model_config = ConfigDict(extra="forbid")

    text: str


def notes_app() -> FastAPI:
    app = create_app(Config(_env_file=None, MAX_REQUEST_BODY_BYTES=LIMIT))

    @app.post("/notes")
    async def create_note(note: Note) -> Note:
        return note

    @app.delete("/notes")
    async def delete_notes() -> None:
        raise BadRequest

    @app.put("/notes")
    async def replace_notes() -> None:
        raise IntegrityError("INSERT", None, Exception("duplicate key"))

    @app.post("/notes/archive")
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


async def test_oversized_body_is_a_413(client: AsyncClient) -> None:
    response = await client.post("/notes", json={"text": "x" * LIMIT})

    assert response.status_code == status.HTTP_413_CONTENT_TOO_LARGE


async def test_oversized_streamed_body_is_a_413_in_json(client: AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b" " * (LIMIT // 2)

    response = await client.post(
        "/notes", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == status.HTTP_413_CONTENT_TOO_LARGE
    assert response.json() == {"detail": "Content Too Large"}


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
    assert response.json() == {"detail": "Method Not Allowed"}


async def test_domain_bad_request_stays_a_400(client: AsyncClient) -> None:
    response = await client.delete("/notes")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == {"detail": "Bad request"}


async def test_other_database_errors_stay_500s(client: AsyncClient) -> None:
    """Only connection-level failures are 503s: a bug must not pass for an outage."""
    response = await client.put("/notes")

    assert response.status_code == status.HTTP_500_INTERNAL_SERVER_ERROR
