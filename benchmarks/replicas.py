"""Requests/s of 1 and 3 app replicas behind nginx, on this machine.

    uv run python benchmarks/replicas.py [--seconds 15] [--connections 64] [--project PATH]

Renders the template with auth, posts and the worker (the answer set the replica tests use) or
uses --project, installs it, seeds a fresh database (on DATABASE_URL's server or the PostgreSQL
at 127.0.0.1:5432; dropped at the end), then for 1 and 3 replicas starts uvicorn processes with the
image's command (production settings, its access log included) behind nginx configured as in
tests/cluster.py, and loads nginx with wrk: GET /posts?limit=20 (a page of posts from
PostgreSQL) and GET /healthz (no database: the app and the proxy alone). One replica without
nginx is the baseline of the proxy's cost.

Everything shares this machine's cores: wrk, nginx, PostgreSQL and the replicas. A replica is one
Python process, so it uses at most one core; more replicas than cores cannot add throughput.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from service import SEED, load, prepare_service

from tests.cluster import ANSWER_SET, cluster, database
from tests.helpers import render, run

PATHS = ("/posts?limit=20", "/healthz")


def measure(url: str, seconds: int, connections: int) -> dict[str, dict[str, float]]:
    results = {}
    for path in PATHS:
        load(url + path, seconds=2, connections=connections)  # warm up: pools, caches
        results[path] = load(url + path, seconds=seconds, connections=connections)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--project", type=Path, help="an installed or rendered service")
    args = parser.parse_args()

    project = args.project
    if project is None:
        project = Path(tempfile.mkdtemp(prefix="bench-replicas-")) / "service"
        render(project, ANSWER_SET.answers)
    project = prepare_service(project, [])
    rows = []
    with database(project, "bench_replicas") as url:
        seed = SEED.format(users=100, posts=2000)
        run([str(project / ".venv" / "bin" / "python"), "-c", seed], project, {"SEED_URL": url})
        for replicas in (1, 3):
            with cluster(project, url, replicas=replicas, worker=False) as running:
                if replicas == 1:
                    direct = f"http://127.0.0.1:{running.replica_ports[0]}"
                    rows.append(("1, no proxy", measure(direct, args.seconds, args.connections)))
                proxy = f"http://127.0.0.1:{running.proxy_port}"
                rows.append((f"{replicas}, nginx", measure(proxy, args.seconds, args.connections)))

    print(f"\n{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"wrk: {args.connections} connections, {args.seconds} s per row\n")
    header = "| replicas | " + " | ".join(
        f"{path} req/s (p99 ms, timeouts, non-2xx)" for path in PATHS
    )
    print(header + " |")
    print("|---" * (len(PATHS) + 1) + "|")
    for name, results in rows:
        cells = [
            f"{r['rps']:.0f} ({r['p99_ms']:.0f}, {r['timeouts']:.0f}, {r['non_2xx']:.0f})"
            for r in (results[path] for path in PATHS)
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
