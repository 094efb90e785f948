"""Request ids and logs: every response names its request id (errors included), every log line
of a request carries it, one access line per request names the route template, never the raw
path; JSON lines when deployed, text elsewhere, through logging.ini for uvicorn too."""

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from src import logs
from src.config import Config
from src.main import create_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LIMIT = 100


@cache  # one app for the module's tests: building an app's routes takes longer than a test
def items_app() -> FastAPI:
    app = create_app(Config(MAX_REQUEST_BODY_BYTES=LIMIT))

    @app.get("/items/{item_id}")
    async def get_item(item_id: int) -> dict[str, int]:
        logging.getLogger("src.items").info("Reading item")
        return {"id": item_id}

    @app.post("/items")
    async def create_item(item: dict[str, str]) -> dict[str, str]:
        return item

    @app.delete("/items/{item_id}")
    async def delete_item(item_id: int) -> None:
        raise RuntimeError

    return app


@pytest.fixture
async def client() -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=items_app(), raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="https://test") as client:
        yield client


def access_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "src.access"]


@pytest.mark.parametrize("request_id", ["4bf92f3577b34da6a3ce929d0e0e4736", "req-42.a_b"])
async def test_a_valid_request_id_is_kept(client: AsyncClient, request_id: str) -> None:
    response = await client.get("/items/1", headers={"X-Request-ID": request_id})

    assert response.headers["x-request-id"] == request_id


@pytest.mark.parametrize("request_id", [b"", b"a b", b"x" * 65, "id\u00e9".encode(), b"<script>"])
async def test_an_invalid_request_id_is_replaced(client: AsyncClient, request_id: bytes) -> None:
    response = await client.get("/items/1", headers={b"X-Request-ID": request_id})

    assert len(response.headers["x-request-id"]) == 32
    assert response.headers["x-request-id"].encode() != request_id


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/items/1", None, 200),
        ("GET", "/nowhere", None, 404),
        ("GET", "/items/x", None, 422),
        ("POST", "/items", {"text": "x" * LIMIT}, 413),
        ("DELETE", "/items/1", None, 500),
    ],
)
async def test_every_response_has_a_request_id(
    client: AsyncClient, method: str, path: str, body: dict[str, str] | None, status: int
) -> None:
    response = await client.request(method, path, json=body)

    assert response.status_code == status
    assert len(response.headers["x-request-id"]) == 32


async def test_browsers_may_read_the_request_id() -> None:
    app = create_app(Config(CORS_ORIGINS=["https://app.example.com"]))
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="https://test") as client:
        response = await client.get("/healthz", headers={"Origin": "https://app.example.com"})

    assert response.headers["access-control-expose-headers"] == "X-Request-ID"


async def test_one_access_line_with_the_route_template(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    response = await client.get("/items/12345?token=secret-value")

    [line] = access_lines(caplog)
    fields = vars(line)
    assert (fields["method"], fields["route"], fields["status"]) == ("GET", "/items/{item_id}", 200)
    assert fields["duration_ms"] >= 0
    assert "12345" not in line.getMessage()
    service_lines = [record for record in caplog.records if record.name != "httpx"]  # the client's
    assert all("secret-value" not in record.getMessage() for record in service_lines)
    assert response.status_code == 200


async def test_errors_have_their_access_line(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    await client.delete("/items/7")
    await client.post("/items", json={"text": "x" * LIMIT})

    assert [vars(line)["status"] for line in access_lines(caplog)] == [500, 413]


async def test_every_line_of_a_request_carries_its_request_id(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.handler.setFormatter(logs.TextFormatter(logs.TEXT_FORMAT))

    await client.get("/items/1", headers={"X-Request-ID": "req-1"})

    # This request's lines: not those of servers the suite starts in other threads meanwhile.
    here = threading.get_ident()
    lines = [caplog.handler.format(record) for record in caplog.records if record.thread == here]
    [reading] = [line for line in lines if "Reading item" in line]
    assert "[req-1]" in reading
    assert all("[req-1]" in line for line in lines), lines


def test_json_lines_when_deployed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    record = logging.LogRecord("src.x", logging.WARNING, __file__, 1, "Hello %s", ("you",), None)
    record.route = "/items/{item_id}"  # an extra field, after the fixed ones

    line = json.loads(logs.formatter().format(record))

    fields = ["level", "logger", "message", "request_id", "user_id", "route", "timestamp"]
    assert list(line) == fields
    assert line["level"] == "WARNING"
    assert line["logger"] == "src.x"
    assert line["message"] == "Hello you"
    assert line["request_id"] == "-"
    assert line["route"] == "/items/{item_id}"
    assert line["timestamp"] == datetime.fromtimestamp(record.created, tz=UTC).isoformat()


@pytest.mark.parametrize(
    ("environment", "log_format", "json_lines"),
    [
        ("local", None, False),
        ("testing", None, False),
        ("staging", None, True),
        ("production", "text", False),
        ("local", "json", True),
    ],
)
def test_the_log_format_follows_the_environment(
    environment: str, log_format: str | None, json_lines: bool
) -> None:
    config = logs.LogConfig(ENVIRONMENT=environment, LOG_FORMAT=log_format)

    assert config.json_lines is json_lines


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get_when_up(url: str, timeout: float = 180) -> httpx.Response:
    """The first answer from ``url``; the app's import took over 60 s at a load of 20."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, headers={"X-Request-ID": "up-1"})
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@dataclass
class Server:
    """``uvicorn src.main:app`` with the Dockerfile's --log-config, in a process of its own."""

    process: "subprocess.Popen[str]"
    port: int

    @classmethod
    def start(cls) -> "Server":
        port = free_port()
        # Testing, as the suite (the developer's .env stays unread); JSON, as when deployed.
        env = {**os.environ, "ENVIRONMENT": "testing", "LOG_FORMAT": "json"}
        command = [sys.executable, "-m", "uvicorn", "src.main:app", "--port", str(port)]
        process = subprocess.Popen(  # noqa: S603  # our own interpreter and arguments
            [*command, "--log-config", "logging.ini"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return cls(process, port)

    def stop(self) -> str:
        """Its whole output, once it has stopped."""
        self.process.terminate()
        output, _ = self.process.communicate(timeout=10)
        return output


# Started by start_early, for the uvicorn test.
early_servers: list[Server] = []


def start_early(session: pytest.Session) -> None:
    """Called by tests/conftest.py before the first test: when the uvicorn test is selected,
    its server starts now and imports the app while the tests before it run."""
    name = test_uvicorn_logs_json_lines_through_logging_ini.__name__
    if any(item.path == Path(__file__) and item.name == name for item in session.items):
        early_servers.append(Server.start())
        session.config.add_cleanup(stop_early_servers)


def stop_early_servers() -> None:  # if the test never ran (deselected by -x, ^C)
    for server in early_servers:
        server.stop()


def test_uvicorn_logs_json_lines_through_logging_ini() -> None:
    """The real server, with the Dockerfile's --log-config: every line it writes is JSON, and
    the request has one access line (uvicorn's own, with the raw path, is off)."""
    server = early_servers.pop() if early_servers else Server.start()
    try:
        assert get_when_up(f"http://127.0.0.1:{server.port}/healthz?probe=1").status_code == 200
    finally:
        output = server.stop()

    lines = [json.loads(line) for line in output.splitlines()]
    assert any(line["logger"] == "uvicorn.error" for line in lines), output
    assert not any("color_message" in line for line in lines)
    access = [line for line in lines if line["logger"] == "src.access"]
    assert [(line["route"], line["request_id"]) for line in access] == [("/healthz", "up-1")]


def test_uvicorn_never_builds_its_access_line() -> None:
    """uvicorn builds its access line (the raw path, quoted) for every request when a handler
    could receive it, even one its level then drops: logging.ini leaves it none."""
    code = "import logging; from src import logs; logs.configure(); "
    code += "print(logging.getLogger('uvicorn.access').hasHandlers())"
    result = subprocess.run(  # noqa: S603  # our own interpreter and code
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={**os.environ, "ENVIRONMENT": "testing"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"
