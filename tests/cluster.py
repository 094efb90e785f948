"""Run an installed service the way production runs it, on loopback: a database of its own,
uvicorn processes with the image's command, a taskiq worker with scripts/worker's, and the real
proxies in front (nginx, PgBouncer: Debian packages). Shared by tests/test_replicas.py,
tests/test_pgbouncer.py and benchmarks/replicas.py.

Every process runs in a process group of its own and is stopped with it (``Processes``); a
configuration a system daemon must read lives in a directory of its own, readable by ``nobody``
(PgBouncer refuses to run as root, and nginx's workers drop to ``nobody``).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ANSWER_SETS, query, run, server_database_url
from tests.test_shipping import image_command, worker_command

# auth + posts + the worker (and files, which needs nothing running until a file is sent).
ANSWER_SET = next(s for s in ANSWER_SETS if s.name == "all")
JWT_SECRET = "cluster-secret-of-at-least-thirty-two-characters"  # noqa: S105 (throwaway)
PASSWORD = "Cluster-Password-1"  # noqa: S105 (throwaway)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
NGINX = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
PGBOUNCER = shutil.which("pgbouncer", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


def require(program: str | None, package: str) -> str:
    """A Debian package's program; missing, a skip on a laptop and a failure under CI (where
    .ci/run installs it): the tests that need it must not pass by skipping there."""
    if program is None:
        reason = f"needs {package} (apt-get install {package}; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return program


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unique_name(purpose: str) -> str:
    prefix = os.environ.get("TEMPLATE_TEST_DB_PREFIX", "cfp")
    return re.sub(r"[^a-z0-9]+", "_", f"{prefix}_{purpose}_{uuid.uuid4().hex[:8]}".lower())


@contextlib.contextmanager
def shared_directory(prefix: str) -> Iterator[Path]:
    """A temporary directory the daemons' unprivileged users can read; removed after."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        directory.chmod(0o755)
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# --- PostgreSQL --------------------------------------------------------------------------------


@contextlib.contextmanager
def database(project: Path, purpose: str) -> Iterator[str]:
    """A new database on the server, migrated with the service's migrations; dropped after."""
    server = server_database_url()
    assert server is not None, "needs a PostgreSQL server (DATABASE_URL or 127.0.0.1:5432)"
    name = unique_name(purpose)
    url = f"{server.rsplit('/', 1)[0]}/{name}"
    query(project, server, f"CREATE DATABASE {name}")
    try:
        alembic = [str(project / ".venv" / "bin" / "alembic"), "upgrade", "head"]
        run(alembic, project, {"DATABASE_URL": url, "ENVIRONMENT": "production"})
        yield url
    finally:
        query(project, server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def delete_queue(project: Path, queue: str) -> None:
    script = (
        "import sys, redis\n"
        "client = redis.Redis.from_url(sys.argv[1])\n"
        "keys = list(client.scan_iter(sys.argv[2] + '*'))\n"
        "if keys: client.delete(*keys)\n"
    )
    run([str(project / ".venv" / "bin" / "python"), "-c", script, REDIS_URL, queue], project)


# --- Processes ---------------------------------------------------------------------------------


@dataclass
class Processes:
    """Processes started in their own process groups, their output in ``logs``."""

    logs: Path
    started: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: list[str], cwd: Path, env: Mapping[str, str]) -> None:
        with (self.logs / f"{name}.log").open("wb") as log:
            self.started[name] = subprocess.Popen(
                command,
                cwd=cwd,
                env={"PATH": "/usr/bin:/bin", **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def wait_for_port(self, name: str, port: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            process = self.started[name]
            if process.poll() is not None:
                msg = f"{name} exited {process.returncode}:\n{self.log(name)[-3000:]}"
                raise RuntimeError(msg)
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                return
            if time.monotonic() > deadline:
                msg = f"{name}: nothing on port {port} after {timeout} s\n{self.log(name)[-3000:]}"
                raise RuntimeError(msg)
            time.sleep(0.05)

    def signal(self, name: str, number: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.started[name].pid, number)

    def stop(self, name: str, timeout: float = 15) -> int:
        """SIGTERM the group, SIGKILL it after ``timeout``; the process's exit code."""
        process = self.started[name]
        if process.poll() is None:
            self.signal(name, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal(name, signal.SIGKILL)
                process.wait()
        self.signal(name, signal.SIGKILL)  # whatever the group left behind (pool processes)
        return process.returncode

    def stop_all(self) -> None:
        for name in reversed(list(self.started)):
            self.stop(name)


@contextlib.contextmanager
def processes(logs: Path) -> Iterator[Processes]:
    started = Processes(logs)
    try:
        yield started
    finally:
        started.stop_all()


def service_env(database_url: str, queue: str, **extra: str) -> dict[str, str]:
    """A deployed (production) service's environment, on loopback."""
    return {
        "ENVIRONMENT": "production",
        "DATABASE_URL": database_url,
        "AUTH_JWT_SECRET": JWT_SECRET,
        "STORAGE_BUCKET": "cluster-files",
        "REDIS_URL": REDIS_URL,
        "WORKER_QUEUE": queue,
        "WORKER_PROCESSES": "1",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        # Rate limits (where the service has them) would refuse the tests' load from one
        # address; a test that checks them turns them on, with keys of its own.
        "RATE_LIMIT_ENABLED": "false",
        "RATE_LIMIT_KEY_PREFIX": f"{queue}-rate-limits",
        **extra,
    }


def app_command(project: Path, port: int, *options: str) -> list[str]:
    """The image's command on a loopback port (inside a container it binds 0.0.0.0:8000)."""
    command = image_command(project)
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    return [str(project / ".venv" / "bin" / command[0]), *command[1:], *options]


def worker_process_command(project: Path) -> list[str]:
    command = worker_command(project)
    return [str(project / ".venv" / "bin" / command[0]), *command[1:]]


# --- nginx ---------------------------------------------------------------------------------------

# What the proxy does when a replica goes away (the docs' deploy page explains it):
# - a refused or reset connection, a timeout, or a 502/503/504 from a replica sends the request
#   to the next replica, GET, HEAD, PUT, DELETE alike, and POST/PATCH too when nothing was sent
#   yet (nginx never resends a non-idempotent request a replica may have received:
#   `non_idempotent` is deliberately absent);
# - at most 3 replicas and 10 s per request; a replica that failed is skipped for 2 s;
# - keep-alive connections to the replicas (shorter than uvicorn's --timeout-keep-alive 75 s).
NGINX_SERVER = "server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;"
NGINX_CONFIG = """\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    # For the tests: each answer's status, and the replicas nginx sent the request to.
    log_format replicas '$status $request_method $upstream_addr';
    access_log {prefix}/access.log replicas;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream app {{
{servers}
        keepalive 64;
        keepalive_timeout 60s;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
            proxy_next_upstream error timeout http_502 http_503 http_504;
            proxy_next_upstream_tries 3;
            proxy_next_upstream_timeout 10s;
        }}
    }}
}}
"""


def nginx_command(prefix: Path, listen: int, upstreams: list[int]) -> list[str]:
    """nginx in the foreground with a configuration of its own (not the system's service)."""
    servers = "\n".join("        " + NGINX_SERVER.format(port=port) for port in upstreams)
    config = prefix / "nginx.conf"
    config.write_text(NGINX_CONFIG.format(prefix=prefix, servers=servers, port=listen))
    config.chmod(0o644)
    return [
        require(NGINX, "nginx"),
        "-p",
        str(prefix),
        "-c",
        str(config),
        "-e",
        "stderr",
        "-g",
        "daemon off;",
    ]


# --- The cluster ---------------------------------------------------------------------------------


@dataclass
class Cluster:
    project: Path
    database_url: str
    queue: str
    proxy_port: int
    replica_ports: list[int]
    processes: Processes
    directory: Path

    def replica(self, index: int) -> str:
        return f"app{index}"

    def proxied(self) -> list[tuple[int, str, list[str]]]:
        """nginx's access log: (status, method, the replicas it sent the request to, in order)."""
        lines = (self.directory / "access.log").read_text().splitlines()
        return [
            (int(status), method, upstreams.split(", "))
            for status, method, upstreams in (line.split(" ", 2) for line in lines)
        ]


@contextlib.contextmanager
def cluster(
    project: Path, database_url: str, *, replicas: int, worker: bool = True, **env: str
) -> Iterator[Cluster]:
    """``replicas`` uvicorn processes (the image's command) and a worker behind nginx."""
    queue = unique_name("cluster")
    ports = [free_port() for _ in range(replicas)]
    proxy_port = free_port()
    environment = service_env(database_url, queue, **env)
    try:
        with shared_directory("cluster-") as directory, processes(directory) as started:
            for index, port in enumerate(ports):
                started.start(f"app{index}", app_command(project, port), project, environment)
            if worker:
                started.start("worker", worker_process_command(project), project, environment)
            started.start("nginx", nginx_command(directory, proxy_port, ports), directory, {})
            for index, port in enumerate(ports):
                started.wait_for_port(f"app{index}", port)
            started.wait_for_port("nginx", proxy_port)
            yield Cluster(project, database_url, queue, proxy_port, ports, started, directory)
    finally:
        if worker:
            delete_queue(project, queue)


# --- PgBouncer ---------------------------------------------------------------------------------


def pgbouncer_version() -> tuple[int, ...]:
    output = subprocess.run(
        [require(PGBOUNCER, "pgbouncer"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"PgBouncer (\d+)\.(\d+)", output)
    assert found is not None, output
    return tuple(int(part) for part in found.groups())


def pgbouncer_command(directory: Path, settings: str, server: str, port: int) -> list[str]:
    """PgBouncer on ``port`` in front of ``server`` (a PostgreSQL URL), with ``settings`` (lines
    of its [pgbouncer] section), trusting loopback clients; as ``nobody`` when run as root."""
    parts = urllib.parse.urlsplit(server)
    # Clients are trusted (loopback); PgBouncer logs in to the server with this password.
    user, password = parts.username or "postgres", parts.password or ""
    (directory / "users.txt").write_text(f'"{user}" "{password}"\n')
    config = directory / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = host={parts.hostname} port={parts.port or 5432}\n\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {directory / 'users.txt'}\n"
        f"{settings}\n"
    )
    for path in (config, directory / "users.txt"):
        path.chmod(0o644)
    as_nobody = ["-u", "nobody"] if os.geteuid() == 0 else []
    return [require(PGBOUNCER, "pgbouncer"), *as_nobody, str(config)]


# --- HTTP ----------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One keep-alive HTTP/1.1 connection to a loopback port (reopened after a failure)."""

    def __init__(self, port: int, timeout: float = 15) -> None:
        self.port = port
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        body: bytes | None = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, self.timeout)
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if answer.headers.get("connection", "").lower() == "close":
            self.close()
        return answer

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register_and_log_in(client: Client, email: str) -> tuple[str, str]:
    """A new user's access token and refresh-token cookie (``name=value``)."""
    created = client.request(
        "POST", "/auth/users", json_body={"email": email, "password": PASSWORD}
    )
    assert created.status == 201, created.body
    return log_in(client, email)


def log_in(client: Client, email: str) -> tuple[str, str]:
    answer = client.request(
        "POST", "/auth/users/tokens", form={"username": email, "password": PASSWORD}
    )
    assert answer.status == 200, answer.body
    return answer.json()["access_token"], refresh_cookie(answer)


def refresh_cookie(answer: Answer) -> str:
    cookie = answer.headers["set-cookie"]
    assert cookie, answer.headers
    return str(cookie).split(";", 1)[0]
