"""Requests/s of the hot reads against a bare Starlette + asyncpg handler running the same SQL.

    uv run python benchmarks/posts.py [--seconds 10] [--connections 64] [--rounds 3]
        [--project PATH] [--database NAME] [--ops] [--before PATH] [--floor]

Renders the template with auth and posts (or uses --project), installs it, seeds a fresh
database (BENCH_DATABASE_URL, DATABASE_URL or the PostgreSQL at 127.0.0.1:5432), then serves
each app with one uvicorn worker and loads it with wrk (a Python client when wrk is missing):
GET /posts/{post_id}, GET /posts and GET /auth/users/me (with a bearer token; the bare
handler decodes it with PyJWT too). The target: the service reaches 70 % of the bare handler.

Besides requests/s, each server's CPU time per request (from /proc): on a shared machine the
requests/s of both apps move with the load, their CPU per request much less.

--floor serves a third app, FastAPI's floor: the bare handler's functions and queries behind
FastAPI routes (a path parameter validated as a UUID), with no middleware and no dependency.
No FastAPI service can beat it, so it tells what of the gap FastAPI itself takes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
from pathlib import Path

from service import (
    JWT_SECRET,
    free_port,
    interleaved_rounds,
    prepare_database,
    prepare_service,
    serving,
    uvicorn,
)

BARE_APP = '''
"""The same queries as src/posts/service.py, by hand: asyncpg, Starlette, json."""

import json
import os
import uuid
from contextlib import asynccontextmanager

import asyncpg
import jwt
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

NAME = os.environ["BARE_NAME_COLUMN"]  # display_name, or email before it existed
COLUMNS = f"""
    p.id, p.title, p.content, p.published_at, p.created_at, p.updated_at,
    (SELECT json_build_object('id', u.id, '{NAME}', u.{NAME}) FROM auth_user u
     WHERE u.id = p.creator_id) AS creator,
    (SELECT count(*) FROM post_like l WHERE l.post_id = p.id) AS likes
"""
GET = f"SELECT {COLUMNS} FROM post p WHERE p.id = $1"
LIST = (
    f"SELECT {COLUMNS}, count(*) OVER () AS total FROM post p "
    "ORDER BY coalesce(p.updated_at, p.published_at, p.created_at) DESC, p.id LIMIT $1 OFFSET $2"
)
ME = f"SELECT id, email, {NAME}, is_active, created_at FROM auth_user WHERE id = $1"
SECRET = os.environ["BARE_JWT_SECRET"]
pool = None


async def no_reset(connection):
    """The same pool settings as the service's: no reset query on release."""


async def init(connection):
    await connection.set_type_codec(
        "json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )


@asynccontextmanager
async def lifespan(app):
    global pool
    pool = await asyncpg.create_pool(
        os.environ["BARE_URL"], min_size=10, max_size=10, init=init, reset=no_reset
    )
    yield
    await pool.close()


def dumps(data):
    return Response(json.dumps(data, default=str), media_type="application/json")


async def get_post(request):
    row = await pool.fetchrow(GET, request.path_params["post_id"])
    return dumps(dict(row)) if row else Response(status_code=404)


async def list_posts(request):
    limit, offset = int(request.query_params.get("limit", 20)), 0
    rows = [dict(row) for row in await pool.fetch(LIST, limit, offset)]
    total = rows[0].pop("total") if rows else 0
    for row in rows[1:]:
        row.pop("total")
    return dumps({"items": rows, "total": total, "limit": limit, "offset": offset})


async def get_me(request):
    token = request.headers["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    row = await pool.fetchrow(ME, uuid.UUID(claims["sub"]))
    return dumps(dict(row))


app = Starlette(
    routes=[
        Route("/posts/{post_id:uuid}", get_post),
        Route("/posts", list_posts),
        Route("/auth/users/me", get_me),
    ],
    lifespan=lifespan,
)
'''

FLOOR_APP = '''
"""FastAPI's floor: bare_app's queries and handlers behind FastAPI routes, nothing else."""

import uuid

from fastapi import FastAPI, Request
from starlette.responses import Response

import bare_app

app = FastAPI(lifespan=bare_app.lifespan)


@app.get("/posts/{post_id}")
async def get_post(post_id: uuid.UUID) -> Response:
    row = await bare_app.pool.fetchrow(bare_app.GET, post_id)
    return bare_app.dumps(dict(row)) if row else Response(status_code=404)


@app.get("/posts")
async def list_posts(request: Request) -> Response:
    return await bare_app.list_posts(request)


@app.get("/auth/users/me")
async def get_me(request: Request) -> Response:
    return await bare_app.get_me(request)
'''

POST_ID = "00000000-0000-0000-0000-0000000f4241"  # the second seeded post (uuid int 10**6 + 1)
ENDPOINTS = {
    "GET /posts/{post_id}": f"/posts/{POST_ID}",
    "GET /posts?limit=20": "/posts?limit=20",
    "GET /auth/users/me": "/auth/users/me",
}
USER_ID = "00000000-0000-0000-0000-000000000001"  # the first seeded user
CREATE_BEARER = (
    "import sys, uuid\n"
    "from src.auth.security import create_access_token\n"
    "print(create_access_token(uuid.UUID(sys.argv[1])))\n"
)


def access_token(project: Path, env: dict[str, str]) -> str:
    """A bearer token of the service itself (what login returns), valid for its JWT_EXP."""
    python = str(project / ".venv" / "bin" / "python")
    result = subprocess.run(
        [python, "-c", CREATE_BEARER, USER_ID], cwd=project, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return result.stdout.strip()


def name_column(project: Path) -> str:
    models = (project / "src" / "auth" / "models.py").read_text()
    return "display_name" if "display_name" in models else "email"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--project", type=Path)
    # Two runs at once (two checkouts) each need their own database.
    parser.add_argument("--database", default="bench_posts", help="name of the seeded database")
    # Operations' overhead (docs/operate.md): the service again, its access lines written as JSON
    # (logging.ini) and its rate limits counting (never tripping); "service" runs without both.
    parser.add_argument("--ops", action="store_true", help="also run with logs and limits on")
    # Before and after a change, in the same rounds: an installed render of the old template.
    parser.add_argument("--before", type=Path, help="an installed service to compare with")
    parser.add_argument("--floor", action="store_true", help="also serve FastAPI's floor")
    args = parser.parse_args()

    project = prepare_service(args.project, ["auth", "posts"])
    url = prepare_database(project, args.database, users=100, posts=2000)
    (project / "bare_app.py").write_text(BARE_APP)
    (project / "floor_app.py").write_text(FLOOR_APP)
    service_env = {"DATABASE_URL": url, "ENVIRONMENT": "production", "AUTH_JWT_SECRET": JWT_SECRET}
    # Long enough for the whole run.
    token = access_token(project, {**os.environ, **service_env, "AUTH_JWT_EXP": "PT1H"})
    headers = {"Authorization": f"Bearer {token}"}
    bare_env = {"BARE_URL": url, "BARE_JWT_SECRET": JWT_SECRET}
    bare_env["BARE_NAME_COLUMN"] = name_column(project)
    ops_off = {**service_env, "RATE_LIMIT_ENABLED": "false"}
    apps = {
        "service": (uvicorn(project, "src.main:app", port := free_port()), ops_off, port, project),
        "bare": (uvicorn(project, "bare_app:app", port := free_port()), bare_env, port, project),
    }
    if args.ops:
        command = [*uvicorn(project, "src.main:app", port := free_port()), "--log-config"]
        ops_on = {**service_env, "RATE_LIMIT_DEFAULT": "1000000/minute"}
        apps["ops on"] = ([*command, "logging.ini"], ops_on, port, project)
    if args.floor:
        apps["floor"] = (
            uvicorn(project, "floor_app:app", port := free_port()),
            bare_env,
            port,
            project,
        )
    if args.before:
        command = uvicorn(args.before, "src.main:app", port := free_port())
        apps["before"] = (command, ops_off, port, args.before)

    # Both apps serve at once (an idle one costs nothing) and take turns on each endpoint, so
    # a change in the machine's load hits both; each round gives a ratio, the table the median.
    with contextlib.ExitStack() as stack:
        bases = {
            name: stack.enter_context(serving(command, cwd, env, port))
            for name, (command, env, port, cwd) in apps.items()
        }
        rounds = interleaved_rounds(
            bases,
            ENDPOINTS,
            seconds=args.seconds,
            rounds=args.rounds,
            connections=args.connections,
            headers=headers,
        )

    print(
        f"{args.connections} connections, {args.seconds} s per run, one uvicorn worker each, "
        f"median of {args.rounds} interleaved rounds (ratios per round in brackets)"
    )
    print(
        f"{'endpoint':<22} {'service rps':>12} {'bare rps':>10} {'ratio':>7} {'p99 ms':>8} errors"
        "  [ratio per round]  CPU ms/request service/bare (ratio)"
    )
    for endpoint in ENDPOINTS:
        runs = [results[endpoint] for results in rounds]
        service_cpu = statistics.median(run["service"]["cpu_ms"] for run in runs)
        bare = statistics.median(run["bare"]["rps"] for run in runs)
        print_against_bare(endpoint, runs, "service", f"{bare:>10.0f}")
        if "ops on" in runs[0]:
            on = statistics.median(run["ops on"]["rps"] for run in runs)
            changes = [run["ops on"]["rps"] / run["service"]["rps"] - 1 for run in runs]
            on_errors = sum(run["ops on"]["errors"] for run in runs)
            on_cpu = statistics.median(run["ops on"]["cpu_ms"] for run in runs)
            print(
                f"{'  logs, limits on':<22} {on:>12.0f} {statistics.median(changes):>+17.0%} "
                f"{on_errors:.0f}  [{', '.join(f'{change:+.0%}' for change in changes)}]  "
                f"{on_cpu:.3f} ({on_cpu / service_cpu - 1:+.0%} CPU)"
            )
        for name, label in (("floor", "  FastAPI floor"), ("before", "  before")):
            if name in runs[0]:
                print_against_bare(label, runs, name, f"{'':>10}")


def print_against_bare(
    label: str, runs: list[dict[str, dict[str, float]]], name: str, bare: str
) -> None:
    """One line: ``name``'s requests/s, its ratio to the bare handler's (per round in brackets),
    p99, errors and CPU per request against the bare handler's."""
    rps = statistics.median(run[name]["rps"] for run in runs)
    ratios = [run[name]["rps"] / run["bare"]["rps"] for run in runs]
    p99 = statistics.median(run[name]["p99_ms"] for run in runs)
    errors = sum(run[name]["errors"] for run in runs)
    bare_errors = sum(run["bare"]["errors"] for run in runs)
    cpu = statistics.median(run[name]["cpu_ms"] for run in runs)
    bare_cpu = statistics.median(run["bare"]["cpu_ms"] for run in runs)
    print(
        f"{label:<22} {rps:>12.0f} {bare} {statistics.median(ratios):>6.0%} "
        f"{p99:>8.1f} {errors:.0f}/{bare_errors:.0f}  "
        f"[{', '.join(f'{ratio:.0%}' for ratio in ratios)}]  "
        f"{cpu:.3f}/{bare_cpu:.3f} ({bare_cpu / cpu:.0%})"
    )


if __name__ == "__main__":
    main()
