"""Shared by the service benchmarks: render and install a service, seed PostgreSQL, run servers,
and drive load with wrk (or a small Python client when wrk is missing)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.helpers import DEPENDENCIES_AS_OF, render, run, server_database_url

JWT_SECRET = "benchmark-secret-of-at-least-thirty-two-characters"  # noqa: S105 (throwaway)

SEED = """
import asyncio, os, uuid, asyncpg

async def main():
    connection = await asyncpg.connect(os.environ["SEED_URL"])
    users = [uuid.UUID(int=i + 1) for i in range({users})]
    # Services generated before the display name have no such column.
    display_name = await connection.fetchval(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_name = 'auth_user' AND column_name = 'display_name'"
    )
    columns = "id, email, password_hash" + (", display_name" if display_name else "")
    values = "$1, $2, 'x'" + (", $3" if display_name else "")
    await connection.executemany(
        f"INSERT INTO auth_user ({{columns}}) VALUES ({{values}})",
        [
            (user, f"user{{i}}@example.com", f"User {{i}}")[: 3 if display_name else 2]
            for i, user in enumerate(users)
        ],
    )
    posts = [uuid.UUID(int=10**6 + i) for i in range({posts})]
    await connection.executemany(
        # Published: drafts are their creator's only (a 404 for anyone else).
        "INSERT INTO post (id, creator_id, title, content, created_at, published_at) "
        "VALUES ($1, $2, $3, $4, now() - make_interval(mins => $5), "
        "now() - make_interval(mins => $5))",
        [(post, users[i % len(users)], f"Post {{i}}", "Lorem ipsum " * 20, i)
         for i, post in enumerate(posts)],
    )
    await connection.executemany(
        "INSERT INTO post_like (post_id, user_id) VALUES ($1, $2)",
        [(post, users[(i + j) % len(users)]) for i, post in enumerate(posts) for j in range(i % 5)],
    )
    await connection.close()

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_service(project: Path | None, domains: list[str]) -> Path:
    """Render (unless given) and install a service with ``domains``."""
    if project is None:
        project = Path(tempfile.mkdtemp(prefix="bench-")) / "service"
        render(project, {"domains": domains})
    env = {"UV_EXCLUDE_NEWER": DEPENDENCIES_AS_OF} if DEPENDENCIES_AS_OF != "latest" else {}
    run(["uv", "sync", "-q"], project, env)
    return project


def prepare_database(project: Path, name: str, *, users: int, posts: int) -> str:
    """A fresh, migrated and seeded database; its URL."""
    server = os.environ.get("BENCH_DATABASE_URL") or server_database_url()
    if server is None:
        sys.exit("Needs a PostgreSQL server: set BENCH_DATABASE_URL (or DATABASE_URL).")
    url = f"{server.rsplit('/', 1)[0]}/{name}"
    python = str(project / ".venv" / "bin" / "python")
    admin = (
        "import asyncio, asyncpg, os\n"
        "async def main():\n"
        "    c = await asyncpg.connect(os.environ['ADMIN_URL'])\n"
        f"    await c.execute('DROP DATABASE IF EXISTS {name} WITH (FORCE)')\n"
        f"    await c.execute('CREATE DATABASE {name}')\n"
        "asyncio.run(main())\n"
    )
    run([python, "-c", admin], project, {"ADMIN_URL": server})
    run([python, "-m", "alembic", "upgrade", "head"], project, {"DATABASE_URL": url})
    seed = SEED.format(users=users, posts=posts)
    run([python, "-c", seed], project, {"SEED_URL": url})
    return url


# The process behind each base URL ``serving`` yields (for ``cpu_seconds``).
SERVER_PIDS: dict[str, int] = {}


def cpu_seconds(base: str) -> float:
    """CPU time (user + system) the server at ``base`` has used so far (Linux /proc): divided
    by the requests it served, a cost per request that the machine's load does not divide."""
    stat = Path(f"/proc/{SERVER_PIDS[base]}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def serving(
    command: list[str], cwd: Path, env: dict[str, str], port: int, log: Path | None = None
) -> Iterator[str]:
    """Run an ASGI server until the block ends; yield its base URL once it answers.

    Its stderr goes to ``log`` (a temporary file by default): a pipe nobody reads would block
    a server that logs a lot.
    """
    log = log or Path(tempfile.mkstemp(prefix="server-", suffix=".log")[1])
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=stderr
        )
    deadline = time.monotonic() + 120  # a busy machine imports slowly
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            sys.exit(f"server did not start: {' '.join(command)}\n{log.read_text()}")
        time.sleep(0.1)
    base = f"http://127.0.0.1:{port}"
    SERVER_PIDS[base] = process.pid
    try:
        yield base
    finally:
        SERVER_PIDS.pop(base, None)
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:  # still finishing queued requests
            process.kill()
            process.wait()


def uvicorn(project: Path, app: str, port: int) -> list[str]:
    return [
        str(project / ".venv" / "bin" / "uvicorn"),
        app,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]


def load(
    url: str,
    *,
    seconds: int,
    connections: int,
    script: Path | None = None,
    timeout_seconds: int = 2,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    """Requests/s, p99 latency (ms) and errors, from wrk (or the Python fallback).

    ``errors`` counts socket errors, requests slower than ``timeout_seconds`` (wrk's timeouts)
    and non-2xx/3xx answers; ``timeouts`` and ``non_2xx`` break it down.
    """
    if shutil.which("wrk") is None:
        return python_load(url, seconds=seconds, connections=connections)
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout_seconds}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command += ["--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    timeouts = re.search(r"timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),  # type: ignore[union-attr]
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


Rounds = list[dict[str, dict[str, dict[str, float]]]]


def interleaved_rounds(
    bases: dict[str, str],
    endpoints: dict[str, str],
    *,
    seconds: int,
    rounds: int,
    connections: int,
    headers: dict[str, str] | None = None,
) -> Rounds:
    """Load every server (name → base URL) on every endpoint in turn, ``rounds`` times, after a
    warm-up: servers serving at once take turns, so a change in the machine's load hits them
    all. Each round maps endpoint → server → ``load``'s numbers plus ``cpu_ms``, the server's
    CPU time per request served."""
    options: dict[str, Any] = {"connections": connections, "headers": headers}
    for base in bases.values():
        for path in endpoints.values():
            load(base + path, seconds=2, **options)  # warm-up
    results: Rounds = []
    for _ in range(rounds):
        results.append({})
        for endpoint, path in endpoints.items():
            for name, base in bases.items():
                before = cpu_seconds(base)
                result = load(base + path, seconds=seconds, **options)
                served = result["rps"] * seconds
                result["cpu_ms"] = (cpu_seconds(base) - before) * 1000 / max(served, 1)
                results[-1].setdefault(endpoint, {})[name] = result
    return results


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def python_load(url: str, *, seconds: int, connections: int) -> dict[str, float]:
    """Fallback without wrk: asyncio + raw HTTP/1.1 keep-alive GETs (slower than wrk)."""
    import asyncio
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    request = f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    latencies: list[float] = []
    errors = 0

    async def worker(deadline: float) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        while time.monotonic() < deadline:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"content-length: (\d+)", head.lower()).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            errors += not head.startswith(b"HTTP/1.1 2")
            latencies.append(time.perf_counter() - start)
        writer.close()

    async def main() -> None:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(worker(deadline) for _ in range(connections)))

    asyncio.run(main())
    latencies.sort()
    return {
        "rps": len(latencies) / seconds,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "errors": errors,
    }


def print_json(data: object) -> None:
    print(json.dumps(data, indent=2))
