"""CPU per request of benchmarks/posts.py's apps, called in process (no HTTP server, no client).

    uv run python benchmarks/posts_in_process.py [--requests 2000] [--rounds 3] [--project PATH]
        [--before PATH] [--database NAME] [--callgrind]

The same service, bare handler and FastAPI floor as posts.py, on the same seeded database; each
app runs in a process of its own that calls it as an ASGI app, 8 requests at a time, and times
``time.process_time`` (uvicorn's share is left out of every app). The apps take turns endpoint
by endpoint, each round, and the table gives the smallest of the rounds.

--callgrind counts instructions instead (valgrind's callgrind: slow, but the machine's load
does not change the count): per request, the difference between a run of --requests and one
of a fifth as many, so start-up and imports cancel out.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
from pathlib import Path

from posts import BARE_APP, ENDPOINTS, FLOOR_APP, access_token, name_column
from service import JWT_SECRET, prepare_database, prepare_service

DRIVER = '''
"""Call an ASGI app N times (8 at a time) on one endpoint after a warm-up: CPU µs/request."""

import asyncio, importlib, os, sys, time

path, _, query = sys.argv[2].partition("?")
module, _, name = sys.argv[1].partition(":")
app = getattr(importlib.import_module(module), name)
headers = [(b"host", b"127.0.0.1"), (b"authorization", os.environ["BEARER"].encode())]


async def call():
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query.encode(), "headers": headers, "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000), "state": {},
    }
    status = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    assert status == [200], status


async def requests(count):
    async def caller():
        for _ in range(count // 8):
            await call()

    await asyncio.gather(*(caller() for _ in range(8)))


async def main():
    started, stop = asyncio.Event(), asyncio.Event()

    async def receive():
        if not started.is_set():
            return {"type": "lifespan.startup"}
        await stop.wait()
        return {"type": "lifespan.shutdown"}

    async def send(message):
        if message["type"] == "lifespan.startup.complete":
            started.set()

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    lifespan = asyncio.create_task(app(scope, receive, send))
    await started.wait()
    count = int(sys.argv[3])
    await requests(min(count, 400))
    begin = time.process_time()
    await requests(count)
    print((time.process_time() - begin) / count * 1e6)
    stop.set()
    await lifespan


asyncio.run(main())
'''


def run_driver(
    project: Path, app: str, url: str, count: int, env: dict[str, str], *, callgrind: bool
) -> float:
    """µs of CPU per request, or with ``callgrind`` the instructions the whole run took."""
    project = project.resolve()  # --before as given
    command = [str(project / ".venv" / "bin" / "python"), "in_process_driver.py", app, url]
    out = project / "callgrind.out.bench"
    if callgrind:
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command]
    result = subprocess.run(
        [*command, str(count)],
        cwd=project,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr[-2000:])
    if not callgrind:
        return float(result.stdout.split()[-1])
    out.unlink(missing_ok=True)
    collected = re.search(r"Collected : (\d+)", result.stderr)
    if collected is None:
        raise SystemExit(result.stderr[-2000:])
    return float(collected.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--project", type=Path)
    parser.add_argument("--before", type=Path, help="an installed service to compare with")
    parser.add_argument("--database", default="bench_posts_in_process")
    parser.add_argument("--callgrind", action="store_true", help="count instructions")
    args = parser.parse_args()

    project = prepare_service(args.project and args.project.resolve(), ["auth", "posts"])
    url = prepare_database(project, args.database, users=100, posts=2000)
    for path in (project, args.before):
        if path is not None:
            (path / "in_process_driver.py").write_text(DRIVER)
    (project / "bare_app.py").write_text(BARE_APP)
    (project / "floor_app.py").write_text(FLOOR_APP)
    service_env = {"DATABASE_URL": url, "ENVIRONMENT": "production", "AUTH_JWT_SECRET": JWT_SECRET}
    token = access_token(project, {**os.environ, **service_env, "AUTH_JWT_EXP": "PT1H"})
    service_env |= {"RATE_LIMIT_ENABLED": "false", "BEARER": f"Bearer {token}"}
    bare_env = {"BARE_URL": url, "BARE_JWT_SECRET": JWT_SECRET, "BEARER": f"Bearer {token}"}
    bare_env["BARE_NAME_COLUMN"] = name_column(project)
    apps = {
        "service": (project, "src.main:app", service_env),
        "floor": (project, "floor_app:app", bare_env),
        "bare": (project, "bare_app:app", bare_env),
    }
    if args.before:
        apps["before"] = (args.before, "src.main:app", service_env)

    best: dict[tuple[str, str], float] = {}
    for _ in range(args.rounds):
        for endpoint, endpoint_url in ENDPOINTS.items():
            for name, (path, app, env) in apps.items():
                count = args.requests
                cost = run_driver(path, app, endpoint_url, count, env, callgrind=args.callgrind)
                if args.callgrind:
                    fifth = run_driver(path, app, endpoint_url, count // 5, env, callgrind=True)
                    cost = (cost - fifth) / (count - count // 5)
                best[endpoint, name] = min(cost, best.get((endpoint, name), cost))

    unit = "instructions" if args.callgrind else "µs CPU"
    print(f"{unit} per request, in process, best of {args.rounds} rounds of {args.requests}")
    print(f"{'endpoint':<22} " + " ".join(f"{name:>16}" for name in apps) + "   vs bare, vs floor")
    for endpoint in ENDPOINTS:
        costs = {name: best[endpoint, name] for name in apps}
        ratios = ", ".join(
            f"{name} {costs['bare'] / costs[name]:.0%}/{costs['floor'] / costs[name]:.0%}"
            for name in apps
            if name in {"service", "before"}
        )
        print(
            f"{endpoint:<22} "
            + " ".join(f"{cost:>16,.0f}" for cost in costs.values())
            + f"   {ratios}"
        )


if __name__ == "__main__":
    main()
