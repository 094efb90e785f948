"""Worker start-up: from starting ``scripts/worker``'s command to its first job's result.

    uv run python benchmarks/worker.py [--runs 5] [--project PATH] [--uv-run]

Renders the template with the worker and every domain (or uses --project), installs it, then
per run: queues one small job on a stream of its own (REDIS_URL, else redis://localhost:6379/0),
starts the worker with ``scripts/worker``'s taskiq command (through ``uv run`` with --uv-run),
and reads the phases from taskiq's log lines. Prints the median and range of each phase, in
seconds from the start:

- supervisor: taskiq's supervisor process logs its first line (Python and taskiq imported);
- tasks: the worker process imports the task modules (``src.worker`` imported);
- listening: the broker started (the app imported and its lifespan entered, in the worker);
- result: the first job's result is stored;
- cpu: CPU seconds the worker's processes used, start to stop (less sensitive to a busy machine
  than the wall-clock phases).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from service import DEPENDENCIES_AS_OF, render, run

PHASES = ("supervisor", "tasks", "listening", "result", "cpu")

RUN = """
import asyncio, datetime, json, os, resource, signal, subprocess, sys, time, uuid

queue = f"bench-{uuid.uuid4().hex}"
os.environ.update(ENVIRONMENT="local", WORKER_QUEUE=queue)
from redis.asyncio import Redis
from src.jobs import tasks
from src.worker import broker

MARKERS = {
    "supervisor": "Pid of a main process",
    "tasks": "Importing tasks from module",
    "listening": "Listening started.",
}


def stamp(line):
    return datetime.datetime.strptime(line[1:24], "%Y-%m-%d %H:%M:%S,%f").timestamp()


async def main():
    await broker.startup()
    task = await tasks.count_primes.kiq(10)
    log_path = f"{os.environ['LOG_DIR']}/{queue}.log"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(log_path, "w") as log:
        started = time.time()
        worker = subprocess.Popen(
            json.loads(os.environ["COMMAND"]), stdout=log, stderr=log, start_new_session=True
        )
        result = await task.wait_result(check_interval=0.01, timeout=120)
        phases = {"result": time.time() - started}
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    phases["cpu"] = sum(getattr(after, f) - getattr(before, f) for f in ("ru_utime", "ru_stime"))
    await broker.shutdown()
    async with Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0")) as redis:
        if keys := [key async for key in redis.scan_iter(f"{queue}*")]:
            await redis.delete(*keys)
    for line in open(log_path):
        for phase, marker in MARKERS.items():
            if marker in line and phase not in phases:
                phases[phase] = stamp(line) - started
    assert result.return_value == 4, result
    print(json.dumps(phases))


asyncio.run(main())
"""


def worker_command(project: Path, *, uv_run: bool) -> list[str]:
    for line in (project / "scripts" / "worker").read_text().splitlines():
        if line.startswith("exec uv run taskiq worker "):
            words = [word for word in shlex.split(line)[1:] if word != "$@"]
            return words if uv_run else [str(project / ".venv" / "bin" / "taskiq"), *words[3:]]
    sys.exit("scripts/worker has no `exec uv run taskiq worker ...` line")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--project", type=Path, help="an installed service with the worker")
    parser.add_argument("--uv-run", action="store_true", help="start it through `uv run`")
    args = parser.parse_args()

    project = args.project
    if project is None:
        project = Path(tempfile.mkdtemp(prefix="bench-")) / "service"
        render(project, {"domains": ["auth", "posts", "files"], "worker": True})
        as_of = {"UV_EXCLUDE_NEWER": DEPENDENCIES_AS_OF} if DEPENDENCIES_AS_OF != "latest" else {}
        run(["uv", "sync", "-q"], project, as_of)
    command = worker_command(project, uv_run=args.uv_run)
    print("command:", shlex.join(command))
    env = {
        **os.environ,
        "COMMAND": json.dumps(command),
        "LOG_DIR": tempfile.mkdtemp(prefix="bench-worker-"),
        # The app's settings outside a deployment; its lifespan may need a database URL.
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1/postgres"),
    }
    runs = []
    for _ in range(args.runs):
        python = str(project / ".venv" / "bin" / "python")
        output = subprocess.run(
            [python, "-c", RUN], cwd=project, env=env, capture_output=True, text=True, check=True
        )
        runs.append(json.loads(output.stdout.strip().splitlines()[-1]))
    print(f"{'phase':<11} {'median':>7} {'min':>7} {'max':>7}  ({args.runs} runs)")
    for phase in PHASES:
        values = [run[phase] for run in runs if phase in run]
        if values:
            print(
                f"{phase:<11} {statistics.median(values):7.2f} {min(values):7.2f} "
                f"{max(values):7.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
