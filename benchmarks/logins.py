"""A burst of failed logins must not starve other routes: GET /posts/{post_id} meanwhile.

    uv run python benchmarks/logins.py [--seconds 10] [--logins 64] [--project PATH]

Renders and installs a service with auth and posts (or uses --project), seeds a database, serves
it with one uvicorn worker and the default pool (10 connections), then runs two wrk loads at
once: --logins connections sending failed logins (each an Argon2 verify of ~0.1 s of CPU and
64 MiB) and 8 connections reading one post. It prints the reads' p99 and errors; the target is a
p99 under 1 s and no error (a login used to hold a pooled connection while it hashed).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
from pathlib import Path

from service import JWT_SECRET, free_port, load, prepare_database, prepare_service, serving, uvicorn

POST_ID = "00000000-0000-0000-0000-0000000f4241"
FAILED_LOGIN = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
-- An unknown address: the seeded users have no real hash, the unknown one pays a full verify.
wrk.body = "username=nobody%40example.com&password=Wr0ng%21Password"
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--logins", type=int, default=64)
    parser.add_argument("--project", type=Path)
    args = parser.parse_args()

    project = prepare_service(args.project, ["auth", "posts"])
    url = prepare_database(project, "bench_logins", users=100, posts=2000)
    script = Path(tempfile.mkdtemp(prefix="logins-")) / "login.lua"
    script.write_text(FAILED_LOGIN)
    env = {"DATABASE_URL": url, "ENVIRONMENT": "production", "AUTH_JWT_SECRET": JWT_SECRET}
    env["RATE_LIMIT_ENABLED"] = "false"  # capacity, not the login limits (docs/operate.md)
    results: dict[str, dict[str, float]] = {}
    with serving(uvicorn(project, "src.main:app", port := free_port()), project, env, port) as base:
        read = base + f"/posts/{POST_ID}"
        load(read, seconds=2, connections=8)  # warm-up
        alone = load(read, seconds=args.seconds, connections=8)

        def logins() -> None:
            results["logins"] = load(
                base + "/auth/users/tokens",
                seconds=args.seconds + 2,
                connections=args.logins,
                script=script,
                timeout_seconds=10,
            )

        burst = threading.Thread(target=logins)
        burst.start()
        during = load(read, seconds=args.seconds, connections=8)
        burst.join()

    print(f"{args.logins} connections of failed logins, 8 reading GET /posts/{{post_id}}")
    print(f"{'reads':<22} {'req/s':>8} {'p99 ms':>8} {'errors':>7}")
    for name, result in (("alone", alone), ("during the logins", during)):
        print(f"{name:<22} {result['rps']:>8.0f} {result['p99_ms']:>8.1f} {result['errors']:>7.0f}")
    logins_result = results["logins"]
    print(
        f"logins: {logins_result['rps']:.1f}/s, p99 {logins_result['p99_ms']:.0f} ms, "
        f"{logins_result['non_2xx']:.0f} answered 401 as they should"
    )


if __name__ == "__main__":
    main()
