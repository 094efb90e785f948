"""Load on the posts endpoints, reads and writes: zero errors, pool never exhausted.

    uv run python benchmarks/load.py [--seconds 30] [--connections 64] [--project PATH]

Renders a service with auth and posts (or uses --project), installs it, seeds a fresh database
(BENCH_DATABASE_URL, DATABASE_URL or the PostgreSQL at 127.0.0.1:5432), serves it with one
uvicorn worker and the default pool settings, registers and logs in a user, then drives each
scenario with wrk (a Lua script sends the bearer token and the JSON bodies) for --seconds:
GET /posts/{post_id}, GET /posts, POST /posts, PATCH /posts/{post_id}, and a mix of the four.

It fails (exit 1) on any error: a socket error, a non-2xx answer, or a line in the server's log
(a 503 logs "Database unavailable", for instance an exhausted pool's QueuePool timeout). It
samples the service's connections in pg_stat_activity every 0.2 s to show how full the pool got.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from service import JWT_SECRET, free_port, load, prepare_database, prepare_service, serving, uvicorn

PASSWORD = "Load-test-passw0rd!"  # noqa: S105 (a throwaway user)
OWN_POSTS = 64  # posts of the logged-in user, spread over the PATCH requests
# A slower answer counts as an error (a hang): the pool timeout, DATABASE_POOL_TIMEOUT_SECONDS.
TIMEOUT_SECONDS = 10

# Each scenario: (weight, method, path template, body); {id} is a seeded post, {own} one of the
# user's. wrk runs the script with one thread: math.random is deterministic per seed.
SCENARIOS = {
    "GET /posts/{post_id}": [(1, "GET", "/posts/{id}", None)],
    "GET /posts": [(1, "GET", "/posts?limit=20", None)],
    "POST /posts": [(1, "POST", "/posts", {"title": "Load", "content": "Written under load."})],
    "PATCH /posts/{post_id}": [(1, "PATCH", "/posts/{own}", {"title": "Edited under load"})],
    "mix 50/20/15/15": [
        (50, "GET", "/posts/{id}", None),
        (20, "GET", "/posts?limit=20", None),
        (15, "POST", "/posts", {"title": "Load", "content": "Written under load."}),
        (15, "PATCH", "/posts/{own}", {"title": "Edited under load"}),
    ],
}

# The data (token, ids, weighted steps) is prepended as Lua globals by write_script.
LUA = """
math.randomseed(8)
local total = 0
for _, step in ipairs(steps) do total = total + step[1] end

request = function()
  local pick, step = math.random(total), nil
  for _, candidate in ipairs(steps) do
    pick = pick - candidate[1]
    if pick <= 0 then step = candidate break end
  end
  local path = step[3]:gsub("{id}", seeded[math.random(#seeded)])
  path = path:gsub("{own}", own[math.random(#own)])
  local headers = {["Authorization"] = "Bearer " .. token}
  local body = nil
  if step[4] ~= "" then
    headers["Content-Type"] = "application/json"
    body = step[4]
  end
  return wrk.format(step[2], path, headers, body)
end
"""

SAMPLER = """
import asyncio, os, sys, asyncpg

async def main():
    connection = await asyncpg.connect(os.environ["SAMPLER_URL"])
    while True:
        count = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            os.environ["SAMPLER_DATABASE"],
        )
        print(count, flush=True)
        await asyncio.sleep(0.2)

asyncio.run(main())
"""


def lua(value: object) -> str:
    """A Lua literal: JSON strings and numbers read the same in Lua (ASCII text only)."""
    if isinstance(value, list | tuple):
        return "{" + ", ".join(map(lua, value)) + "}"
    return json.dumps(value)


def write_script(
    path: Path,
    steps: list[tuple[int, str, str, object]],
    token: str,
    seeded: list[str],
    own: list[str],
) -> Path:
    rows = [
        (weight, method, url, json.dumps(body) if body else "")
        for weight, method, url, body in steps
    ]
    data = f"token = {lua(token)}\nseeded = {lua(seeded)}\nown = {lua(own)}\nsteps = {lua(rows)}\n"
    path.write_text(data + LUA)
    return path


def call(base: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
    request = urllib.request.Request(base + path, body, headers, method=method)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def log_in_with_posts(base: str) -> tuple[str, list[str]]:
    """Register and log in a user, create its posts; its bearer token and their ids."""
    user = json.dumps({"email": "load@example.com", "password": PASSWORD}).encode()
    call(base, "POST", "/auth/users", user, {"Content-Type": "application/json"})
    form = f"username=load%40example.com&password={PASSWORD}".encode()
    tokens = call(
        base,
        "POST",
        "/auth/users/tokens",
        form,
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    token: str = tokens["access_token"]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    post = json.dumps({"title": "Mine", "content": "To be edited."}).encode()
    own = [call(base, "POST", "/posts", post, headers)["id"] for _ in range(OWN_POSTS)]
    return token, own


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--project", type=Path)
    parser.add_argument("--scenario", choices=list(SCENARIOS), action="append")
    # The service's defaults.
    parser.add_argument("--pool-size", type=int, default=10, help="DATABASE_POOL_SIZE")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("Needs wrk (apt install wrk): it sends the POST and PATCH bodies.")

    project = prepare_service(args.project, ["auth", "posts"])
    url = prepare_database(project, "bench_load", users=100, posts=2000)
    # Some of the posts prepare_database seeded (uuid ints from 10**6).
    seeded = [str(uuid.UUID(int=10**6 + i)) for i in range(0, 2000, 7)]
    env = {
        "DATABASE_URL": url,
        "ENVIRONMENT": "production",
        "AUTH_JWT_SECRET": JWT_SECRET,
        "AUTH_JWT_EXP": "PT2H",
        "DATABASE_POOL_SIZE": str(args.pool_size),
        "RATE_LIMIT_ENABLED": "false",  # capacity, not the rate limits (docs/operate.md)
    }
    workdir = Path(tempfile.mkdtemp(prefix="load-"))
    log = workdir / "server.log"
    python = str(project / ".venv" / "bin" / "python")
    sampler_env = {"SAMPLER_URL": url, "SAMPLER_DATABASE": "bench_load"}
    results: dict[str, dict[str, float]] = {}
    with serving(
        uvicorn(project, "src.main:app", port := free_port()), project, env, port, log
    ) as base:
        token, own = log_in_with_posts(base)
        for name in args.scenario or list(SCENARIOS):
            script = write_script(workdir / "load.lua", SCENARIOS[name], token, seeded, own)
            load(base + "/", seconds=2, connections=args.connections, script=script)  # warm-up
            sampler = subprocess.Popen(
                [python, "-c", SAMPLER],
                env={**os.environ, **sampler_env},
                stdout=subprocess.PIPE,
                text=True,
            )
            results[name] = load(
                base + "/",
                seconds=args.seconds,
                connections=args.connections,
                script=script,
                timeout_seconds=TIMEOUT_SECONDS,
            )
            sampler.terminate()
            samples = [int(line) for line in (sampler.communicate()[0] or "").split()]
            results[name]["max_connections"] = max(samples, default=0)
    server_log = log.read_text().strip()

    print(
        f"{args.connections} connections, {args.seconds} s per scenario, one uvicorn worker, "
        f"pool of {args.pool_size}"
    )
    print(
        f"{'scenario':<24} {'req/s':>7} {'p99 ms':>7} {'errors':>7} "
        f"{'timeouts':>8} {'non-2xx':>8} {'db conns':>8}"
    )
    for name, result in results.items():
        print(
            f"{name:<24} {result['rps']:>7.0f} {result['p99_ms']:>7.0f} {result['errors']:>7.0f} "
            f"{result['timeouts']:>8.0f} {result['non_2xx']:>8.0f} "
            f"{result['max_connections']:>8.0f}"
        )
    errors = sum(result["errors"] for result in results.values())
    if server_log:
        print(f"\nserver log ({log}):\n{server_log[-3000:]}")
    if errors or server_log:
        print("\nFAILED: errors or server log lines (see above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
