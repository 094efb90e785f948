"""Tier 2: three replicas of the installed service behind a real nginx, on loopback.

As a deployment runs it: three uvicorn processes with the image's command and a taskiq worker
with scripts/worker's, sharing one PostgreSQL database and one Redis, behind Debian's nginx (its
configuration in tests/cluster.py: idempotent requests, and any request a replica refused before
receiving it, go to the next replica). Each test starts its own cluster and stops every process.
"""

from __future__ import annotations

import http.client
import re
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.cluster import (
    ANSWER_SET,
    NGINX,
    NGINX_CONFIG,
    NGINX_SERVER,
    Client,
    Cluster,
    bearer,
    cluster,
    database,
    refresh_cookie,
    register_and_log_in,
    require,
)
from tests.helpers import TEMPLATE_ROOT, AnswerSet

REPLICAS = 3
LOAD_THREADS = 8
LOAD_SECONDS = 6.0
STOP_AFTER_SECONDS = 2.0
LOGINS_PER_MINUTE = 5

Installed = Callable[[AnswerSet], Path]


@contextmanager
def replicated(installed: Installed, purpose: str, **env: str) -> Iterator[Cluster]:
    require(NGINX, "nginx")
    project = installed(ANSWER_SET)
    with (
        database(project, purpose) as url,
        cluster(project, url, replicas=REPLICAS, **env) as running,
    ):
        yield running


def email() -> str:
    return f"replica-{uuid.uuid4().hex[:12]}@example.com"


@pytest.mark.deep
def test_sessions_jobs_and_rate_limits_are_shared_by_the_replicas(installed: Installed) -> None:
    settings = {
        "AUTH_REFRESH_TOKEN_REUSE_GRACE": "PT0S",  # no grace window for a second tab
        "RATE_LIMIT_ENABLED": "true",  # counted in Redis (REDIS_URL), under this run's prefix
        "RATE_LIMIT_LOGIN": f"{LOGINS_PER_MINUTE}/minute",
    }
    with replicated(installed, "replicas_shared", **settings) as running:
        first, second, third = (Client(port) for port in running.replica_ports)
        address = email()
        token, cookie = register_and_log_in(first, address)

        # The access token is accepted by every replica (one signing key, no local session).
        for client in (first, second, third):
            assert client.request("GET", "/auth/users/me", headers=bearer(token)).status == 200
        # A refresh token issued by one replica works through another, once: each replica sees
        # what the others recorded.
        refreshed = second.request("PUT", "/auth/users/tokens", headers={"Cookie": cookie})
        assert refreshed.status == 200, refreshed.body
        renewed = third.request(
            "PUT", "/auth/users/tokens", headers={"Cookie": refresh_cookie(refreshed)}
        )
        assert renewed.status == 200, renewed.body
        access = bearer(renewed.json()["access_token"])
        assert first.request("GET", "/auth/users/me", headers=access).status == 200
        replayed = first.request("PUT", "/auth/users/tokens", headers={"Cookie": cookie})
        assert replayed.status == 401, replayed.body

        # A rate limit counts across replicas: the logins from one address, whichever replica
        # answers them (the one above too, seconds ago; per process, none would reach the limit).
        replicas = [first, second, third] * LOGINS_PER_MINUTE
        wrong = {"username": email(), "password": "Wrong-Password-1"}
        for client in replicas[: LOGINS_PER_MINUTE - 1]:
            answer = client.request("POST", "/auth/users/tokens", form=wrong)
            assert answer.status == 401, answer.body
        for client in (first, second, third):
            refused = client.request("POST", "/auth/users/tokens", form=wrong)
            assert refused.status == 429, refused.body
            assert 0 < int(refused.headers["retry-after"]) <= 60

        # A job queued through any replica runs (one worker), and any replica reports it.
        jobs = []
        for limit, client in zip((100, 1000, 10000), (first, second, third), strict=True):
            queued = client.request(
                "POST", "/prime-counts", json_body={"limit": limit}, headers=bearer(token)
            )
            assert queued.status == 202, queued.body
            jobs.append(queued.json()["id"])
        proxy = Client(running.proxy_port)
        deadline = time.monotonic() + 30
        results = {}
        while len(results) < len(jobs) and time.monotonic() < deadline:
            for job in set(jobs) - set(results):
                answer = proxy.request("GET", f"/jobs/{job}").json()
                if answer["status"] != "pending":
                    results[job] = answer
            time.sleep(0.1)
        assert [results.get(job, {}).get("result") for job in jobs] == [25, 168, 1229]
        assert all(results[job]["status"] == "succeeded" for job in jobs)


@dataclass
class Request:
    method: str
    started: float
    status: int  # 0: no answer from nginx at all


@dataclass
class Load:
    requests: list[Request] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # ids of posts answered with 201
    lock: threading.Lock = field(default_factory=threading.Lock)


def writer(port: int, token: str, deadline: float, load: Load) -> None:
    """Create a post, read it back, list: through nginx, until the deadline."""
    client = Client(port)
    while time.monotonic() < deadline:
        last = None
        for method, path, body in (
            ("POST", "/posts", {"title": "Under load", "content": "x", "published": True}),
            ("GET", "/posts/{last}", None),
            ("GET", "/posts?limit=10", None),
        ):
            started = time.monotonic()
            try:
                answer = client.request(
                    method, path.format(last=last), json_body=body, headers=bearer(token)
                )
            except (OSError, http.client.HTTPException):  # no answer, or one cut short
                status = 0
            else:
                status = answer.status
            with load.lock:
                load.requests.append(Request(method, started, status))
                if method == "POST" and status == 201:
                    last = answer.json()["id"]
                    load.acknowledged.append(last)
            if last is None:
                break
    client.close()


@pytest.mark.deep
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_replica_stopped_under_load_loses_no_acknowledged_write(
    installed: Installed, stop: signal.Signals
) -> None:
    with replicated(installed, f"replicas_{stop.name.lower()}") as running:
        token, _ = register_and_log_in(Client(running.proxy_port), email())
        load = Load()
        deadline = time.monotonic() + LOAD_SECONDS
        threads = [
            threading.Thread(target=writer, args=(running.proxy_port, token, deadline, load))
            for _ in range(LOAD_THREADS)
        ]
        for thread in threads:
            thread.start()
        time.sleep(STOP_AFTER_SECONDS)
        stopped_at = time.monotonic()
        running.processes.signal(running.replica(1), stop)
        for thread in threads:
            thread.join(timeout=LOAD_SECONDS + 30)
        assert not any(thread.is_alive() for thread in threads)
        exit_code = running.processes.stop(running.replica(1), timeout=10)

        after = [request for request in load.requests if request.started > stopped_at + 1]
        failed = [request for request in load.requests if request.status >= 500]
        print(  # shown with -rP: what the run measured
            f"{stop.name}: {len(load.requests)} requests, {len(load.acknowledged)} posts "
            f"acknowledged, failed: {[(r.method, r.status) for r in failed]}, resent by nginx: "
            f"{sum(len(upstreams) > 1 for _, _, upstreams in running.proxied())}"
        )
        # Load went on after the stop, through the other replicas.
        assert len(after) > 10
        assert all(request.status in {200, 201} for request in after), failed
        # nginx always answers, but it cannot finish an answer whose replica was killed after
        # sending its headers (http.client's IncompleteRead): only in flight at a kill.
        cut = [request for request in load.requests if request.status == 0]
        assert len(cut) <= LOAD_THREADS, cut
        for request in cut:
            assert stop == signal.SIGKILL, request
            assert request.started < stopped_at + 0.5, (stopped_at, request)
        # The only failures: requests nginx had already sent to the stopped replica, which it
        # cannot resend because they are not idempotent (a POST it may have run). A read goes to
        # another replica. Killed, the replica drops what it was serving; stopped, it finishes
        # that, and only a request racing the close of an idle keep-alive connection can fail
        # (the orchestrator takes a replica out of the proxy before it stops it for that).
        stopped = f"127.0.0.1:{running.replica_ports[1]}"
        assert len(failed) <= LOAD_THREADS, failed
        for request in failed:
            assert (request.method, request.status) == ("POST", 502), request
            assert request.started < stopped_at + 0.5, (stopped_at, request)
        failures = [(s, m, u) for s, m, u in running.proxied() if s >= 500]
        assert len(failures) == len(failed)
        assert all(upstreams[-1] == stopped for _, _, upstreams in failures), failures
        # Requests nginx resent: each ended on another replica than the stopped one.
        resent = [(s, m, u) for s, m, u in running.proxied() if len(u) > 1]
        assert all(s < 500 and u[0] == stopped for s, _, u in resent), resent
        if stop == signal.SIGTERM:  # uvicorn shut down gracefully, then re-raised the signal
            assert exit_code == -signal.SIGTERM
            assert "Finished server process" in running.processes.log(running.replica(1))
        else:
            assert exit_code == -signal.SIGKILL

        # Every write that was acknowledged is there, through any replica.
        reader = Client(running.proxy_port)
        missing = [
            post
            for post in load.acknowledged
            if reader.request("GET", f"/posts/{post}", headers=bearer(token)).status != 200
        ]
        assert len(load.acknowledged) > 20
        assert missing == []


def test_the_documented_proxy_settings_are_the_tested_ones() -> None:
    """docs/deploy.md's nginx block says what this file's nginx runs with (tier 1)."""
    page = (TEMPLATE_ROOT / "docs" / "deploy.md").read_text()
    (block,) = re.findall(r"```nginx\n(.*?)```", page, re.DOTALL)
    directives = {line.split("#")[0].strip() for line in block.splitlines()}
    tested = {line.strip() for line in NGINX_CONFIG.splitlines()}
    proxy = {d for d in directives if d.startswith(("proxy_", "keepalive"))}

    assert len(proxy) >= 8
    assert proxy <= tested
    servers = {re.sub(r"\S+:8000", "127.0.0.1:{port}", d) for d in directives if "server " in d}
    assert servers == {NGINX_SERVER}
