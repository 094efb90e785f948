"""What operations cost: the hot reads of a service with everything off against one with every
observability choice, logs and rate limits on (issue 13: at most 10 % fewer requests/s).

    uv run python benchmarks/operations.py [--seconds 10] [--connections 64] [--rounds 3]
        [--redis URL] [--observability metrics,errors] [--env OTEL_TRACES_SAMPLER_ARG=0.1]
        [--always-on] [--database bench_operations]

Renders two services with auth and posts: "off" answers `observability=[]` and runs without rate
limits or a log configuration (with --always-on, with both: the issue's always-on parts, so that
the difference is the observability choices alone); "on" answers every `observability` choice of
copier.yml and runs with `logging.ini` (JSON lines to stdout, as deployed; /dev/null here), rate
limits counting (in memory, or in Redis with --redis) but never tripping, `METRICS_TOKEN`, and
traces and error reports sent to a local sink that accepts them (OTLP over HTTP, Sentry's
envelopes), the traces sampled as the service ships (the `OTEL_TRACES_*` lines of its
`.env.example`, as its Kubernetes config map; `--env OTEL_TRACES_SAMPLER_ARG=1` keeps every
trace): what a deployed service pays, short of a network hop. Both serve at once, one uvicorn
worker each, and take turns under wrk. Besides requests/s (noisy on a busy machine), each run
reads the server's CPU time per request from /proc, which another process's load moves much
less.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import os
import statistics
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import yaml
from posts import ENDPOINTS, access_token
from service import (
    JWT_SECRET,
    free_port,
    interleaved_rounds,
    prepare_database,
    prepare_service,
    serving,
    uvicorn,
)

from tests.helpers import TEMPLATE_ROOT, render

SINK_DSN_KEY = "0123456789abcdef0123456789abcdef"  # a throwaway Sentry key for the sink


def observability_choices() -> list[str]:
    questions = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())
    return list(questions["observability"]["choices"].values())


class Sink(http.server.BaseHTTPRequestHandler):
    """Takes any POST (OTLP spans, Sentry envelopes) and answers 200, counting bodies."""

    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        Sink.received += 1
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def sink() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


def shipped_sampling(project: Path) -> dict[str, str]:
    """The trace sampling the service ships: the uncommented ``OTEL_TRACES_*`` lines of its
    ``.env.example`` (none: the SDK keeps every trace)."""
    lines = (project / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.startswith("OTEL_TRACES_"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", help="rate limits in this Redis (default: in memory)")
    # Two runs at once (two checkouts) each need their own database.
    parser.add_argument("--database", default="bench_operations", help="the seeded database")
    parser.add_argument(
        "--observability", help="the choices of the on service, comma-separated (default: all)"
    )
    parser.add_argument(
        "--env", action="append", default=[], help="KEY=VALUE for the on service (repeatable)"
    )
    # The issue's always-on parts (JSON logs, rate limits) in both services: what the
    # observability choices alone cost.
    parser.add_argument(
        "--always-on", action="store_true", help="JSON logs and rate limits in the off service too"
    )
    args = parser.parse_args()

    choices = args.observability.split(",") if args.observability else observability_choices()
    projects = {}
    for name, observability in (("off", []), ("on", choices)):
        project = Path(tempfile.mkdtemp(prefix=f"bench-ops-{name}-")) / "service"
        render(project, {"domains": ["auth", "posts"], "observability": observability})
        projects[name] = prepare_service(project, [])
    url = prepare_database(projects["off"], args.database, users=100, posts=2000)
    common = {"DATABASE_URL": url, "ENVIRONMENT": "production", "AUTH_JWT_SECRET": JWT_SECRET}
    token = access_token(projects["off"], {**os.environ, **common, "AUTH_JWT_EXP": "PT1H"})
    headers = {"Authorization": f"Bearer {token}"}

    with contextlib.ExitStack() as stack:
        sink_port = stack.enter_context(sink())
        sink_url = f"http://127.0.0.1:{sink_port}"
        limits = {"RATE_LIMIT_DEFAULT": "1000000/minute"}
        if args.redis:
            limits["RATE_LIMIT_STORAGE_URL"] = args.redis
        off = {**common, **(limits if args.always_on else {"RATE_LIMIT_ENABLED": "false"})}
        on = {
            **common,
            **limits,
            "METRICS_TOKEN": "m" * 32,
            "OTEL_EXPORTER_OTLP_ENDPOINT": sink_url,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "SENTRY_DSN": f"http://{SINK_DSN_KEY}@127.0.0.1:{sink_port}/1",
        }
        on.update(shipped_sampling(projects["on"]))
        on.update(item.split("=", 1) for item in args.env)
        sampling = {key: value for key, value in on.items() if key.startswith("OTEL_TRACES_")}
        servers = {}
        for name, env in (("off", off), ("on", on)):
            port = free_port()
            command = uvicorn(projects[name], "src.main:app", port)
            if name == "on" or args.always_on:
                command += ["--log-config", "logging.ini"]
            base = stack.enter_context(serving(command, projects[name], env, port))
            servers[name] = base

        load = os.getloadavg()
        rounds = interleaved_rounds(
            servers,
            ENDPOINTS,
            seconds=args.seconds,
            rounds=args.rounds,
            connections=args.connections,
            headers=headers,
        )

    off_parts = (
        "JSON logs, rate limits" if args.always_on else "no rate limits, no log configuration"
    )
    print(
        f"off: observability=[], {off_parts}; on: observability="
        f"{choices}, JSON logs, rate limits ({'Redis' if args.redis else 'memory'}), traces "
        f"({sampling or 'all kept'}) and error reports to a local sink {args.env or ''}. "
        f"{args.connections} connections, {args.seconds} s per run, median of {args.rounds} "
        f"rounds (per round in brackets), load average {load[0]:.1f} → {os.getloadavg()[0]:.1f}"
    )
    print(f"{'endpoint':<22} {'off rps':>9} {'on rps':>9} {'change':>7}   cpu/request off → on")
    for endpoint in ENDPOINTS:
        runs = [results[endpoint] for results in rounds]
        off_rps = statistics.median(run["off"]["rps"] for run in runs)
        on_rps = statistics.median(run["on"]["rps"] for run in runs)
        changes = [run["on"]["rps"] / run["off"]["rps"] - 1 for run in runs]
        cpu_off = statistics.median(run["off"]["cpu_ms"] * 1000 for run in runs)
        cpu_on = statistics.median(run["on"]["cpu_ms"] * 1000 for run in runs)
        errors = sum(run[name]["errors"] for run in runs for name in ("off", "on"))
        print(
            f"{endpoint:<22} {off_rps:>9.0f} {on_rps:>9.0f} {statistics.median(changes):>+7.0%}   "
            f"{cpu_off:.0f} µs → {cpu_on:.0f} µs ({cpu_on / cpu_off - 1:+.0%})  errors {errors:.0f}"
            f"  [{', '.join(f'{change:+.0%}' for change in changes)}]"
        )
    print(f"the sink received {Sink.received} exports (traces and error reports)")


if __name__ == "__main__":
    main()
