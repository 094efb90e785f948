"""Tier 1: what ships beside the code, checked statically (no Docker engine, no runner).

A rendered service's image (hadolint), compose file (the compose-spec JSON schema, through
check-jsonschema's vendored copy) and its proxy (``caddy validate``), CI workflow (actionlint,
with shellcheck on ``run:`` scripts) and pre-commit hooks; then the template's own workflows and
documentation site (``mkdocs build --strict``). Each tool is a dev dependency whose wheel carries
its binary. The Kubernetes manifests have their own file (``tests/test_kubernetes.py``).
"""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import copier
import pytest
import yaml

from tests.helpers import ANSWER_SETS, TEMPLATE_ROOT, AnswerSet, run, run_unchecked

Rendered = Callable[[AnswerSet], Path]
answer_sets = pytest.mark.parametrize("answer_set", ANSWER_SETS, ids=lambda s: s.name)
with_ci = pytest.mark.parametrize(
    "answer_set",
    [s for s in ANSWER_SETS if s.answers.get("ci", "github") == "github"],
    ids=lambda s: s.name,
)
with_compose = pytest.mark.parametrize(
    "answer_set", [s for s in ANSWER_SETS if "compose" in s.deploy], ids=lambda s: s.name
)
TEMPLATE_WORKFLOWS = TEMPLATE_ROOT / ".github" / "workflows"
# Services that `docker compose up --scale NAME=N` may run several of.
SCALED_SERVICES = {"app", "worker"}


def tool(name: str) -> str:
    """A command installed next to this interpreter (the template's dev environment)."""
    return str(Path(sys.executable).parent / name)


def hadolint(dockerfile: Path) -> list[str]:
    return [tool("hadolint"), "--no-color", "--failure-threshold", "style", str(dockerfile)]


def actionlint(*workflows: Path) -> list[str]:
    checks = ["-shellcheck", tool("shellcheck"), "-pyflakes", ""]
    return [tool("actionlint"), "-oneline", "-no-color", *checks, *map(str, workflows)]


def compose_schema(compose: Path) -> list[str]:
    return [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(compose)]


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    pairs = []
    for line in re.sub(r"\\\n", " ", dockerfile).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, arguments = line.strip().partition(" ")
            pairs.append((keyword.upper(), " ".join(arguments.split())))
    return pairs


def stages(dockerfile: str) -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, arguments in instructions(dockerfile):
        if keyword == "FROM":
            found.append([])
        if found:
            found[-1].append((keyword, arguments))
    return found


def image_command(project: Path) -> list[str]:
    """The final stage's CMD: what a container of the image runs unless told otherwise."""
    *_, final = stages((project / "Dockerfile").read_text())
    return list(json.loads(dict(final)["CMD"]))


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def worker_command(project: Path) -> list[str]:
    """scripts/worker's taskiq command, as a container runs it: from ``taskiq`` on (no ``uv run``,
    no developer-database wrapper, no ``$@``)."""
    script = (project / "scripts" / "worker").read_text()
    line = next(line for line in script.splitlines() if line.startswith("exec uv run "))
    words = shlex.split(line)
    return [word for word in words[words.index("taskiq") :] if word != "$@"]


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def steps_run(job: dict[str, Any]) -> list[str]:
    return [line for step in job["steps"] for line in step.get("run", "").splitlines()]


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True


def database_name(project: Path) -> str:
    return str(load_yaml(project / ".copier-answers.yml")["project_slug"]).replace("-", "_")


# --- Dockerfile ------------------------------------------------------------------------------


@answer_sets
def test_dockerfile_passes_hadolint(answer_set: AnswerSet, rendered: Rendered) -> None:
    run(hadolint(rendered(answer_set) / "Dockerfile"), TEMPLATE_ROOT)


def test_hadolint_refuses_an_untagged_base_image(tmp_path: Path, rendered: Rendered) -> None:
    dockerfile = (rendered(ANSWER_SETS[0]) / "Dockerfile").read_text()
    broken = tmp_path / "Dockerfile"
    broken.write_text(re.sub(r"^FROM python:\S+", "FROM python", dockerfile, flags=re.M))

    result = run_unchecked(hadolint(broken), tmp_path)

    assert result.returncode != 0
    assert "DL3006" in result.stdout


@answer_sets
def test_image_runs_the_locked_runtime_as_non_root(
    answer_set: AnswerSet, rendered: Rendered
) -> None:
    project = rendered(answer_set)
    dockerfile = (project / "Dockerfile").read_text()
    *builders, final = stages(dockerfile)
    final_args = dict(final)
    command = json.loads(final_args["CMD"])
    healthcheck = final_args["HEALTHCHECK"]

    assert f"ARG PYTHON_VERSION={answer_set.python_version}\n" in dockerfile
    assert final[0][1].startswith("python:${PYTHON_VERSION}-slim")
    assert any("uv sync --locked --no-dev" in a for s in builders for k, a in s if k == "RUN")
    # Only the virtual environment and the code reach the final image: no uv, no installs.
    assert not [a for k, a in final if k == "RUN" and re.search(r"\b(uv|pip)\b", a)]
    assert not [a for k, a in final if k == "COPY" and "--from=uv" in a]
    user, _, group = final_args["USER"].partition(":")
    assert int(user) > 0
    assert int(group or user) > 0
    assert command[:2] == ["uvicorn", "src.main:app"]
    assert command[command.index("--log-config") + 1] == "logging.ini"
    assert (project / "logging.ini").is_file()
    port = command[command.index("--port") + 1]
    assert final_args["EXPOSE"] == port
    assert f"urllib.request.urlopen('http://127.0.0.1:{port}/healthz'" in healthcheck
    assert "curl" not in healthcheck


@answer_sets
def test_dockerignore_admits_only_what_the_image_uses(
    answer_set: AnswerSet, rendered: Rendered
) -> None:
    project = rendered(answer_set)
    patterns = [
        line
        for line in (project / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    admitted = {line[1:].rstrip("/") for line in patterns if line.startswith("!")}
    used = set()
    for keyword, arguments in instructions((project / "Dockerfile").read_text()):
        if keyword == "COPY" and "--from=" not in arguments:
            used.update(source.rstrip("/") for source in arguments.split()[:-1])
        if keyword == "RUN":
            used.update(re.findall(r"--mount=type=bind,source=([^,\s]+)", arguments))

    assert patterns[0] == "*"  # everything else stays out, .env and .git first
    assert admitted == used
    assert {".env", ".git", ".venv", ".postgres"}.isdisjoint(admitted)
    assert all((project / name).exists() for name in used - {"uv.lock"})  # uv lock makes it


# --- compose.yaml ----------------------------------------------------------------------------


@with_compose
def test_compose_matches_the_compose_spec(answer_set: AnswerSet, rendered: Rendered) -> None:
    run(compose_schema(rendered(answer_set) / "compose.yaml"), TEMPLATE_ROOT)


def test_compose_spec_refuses_an_unknown_condition(tmp_path: Path, rendered: Rendered) -> None:
    compose = (rendered(ANSWER_SETS[0]) / "compose.yaml").read_text()
    broken = tmp_path / "compose.yaml"
    broken.write_text(compose.replace("service_completed_successfully", "service_done"))

    result = run_unchecked(compose_schema(broken), tmp_path)

    assert result.returncode != 0
    assert "service_done" in result.stdout


@with_compose
def test_compose_migrates_before_the_app_starts(answer_set: AnswerSet, rendered: Rendered) -> None:
    project = rendered(answer_set)
    services = load_yaml(project / "compose.yaml")["services"]
    db, migrate, app = services["db"], services["migrate"], services["app"]
    database_url = urlsplit(app["environment"]["DATABASE_URL"])

    assert migrate["command"] == ["alembic", "upgrade", "head"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_isready" in db["healthcheck"]["test"]
    assert migrate["image"] == app["image"]
    for service in (migrate, app):
        assert service["env_file"] == ".env"
        assert (project / service["build"] / "Dockerfile").is_file()
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name
    assert database_url.hostname == "db"
    assert database_url.path == f"/{db['environment']['POSTGRES_DB']}"
    assert db["environment"]["POSTGRES_DB"] == database_name(project)


@with_compose
def test_compose_runs_the_documented_worker(answer_set: AnswerSet, rendered: Rendered) -> None:
    """P04: with the worker, Redis and a worker running scripts/worker's command; else neither."""
    project = rendered(answer_set)
    services = load_yaml(project / "compose.yaml")["services"]
    if not answer_set.answers.get("worker", False):
        assert {"redis", "worker"}.isdisjoint(services)
        return
    worker = services["worker"]

    assert worker["command"] == worker_command(project)
    assert "src.worker:ProcessPoolReceiver" in worker["command"]
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"
    assert worker["image"] == services["app"]["image"]
    assert urlsplit(worker["environment"]["REDIS_URL"]).hostname == "redis"
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]


def fixed_host_ports(service: dict[str, Any]) -> list[str]:
    """The host ports a service publishes by number (a second replica could not bind them)."""
    found = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            if port.get("published"):
                found.append(str(port["published"]))
            continue
        parts = str(port).split("/")[0].rsplit(":", 2)
        if len(parts) > 1 and parts[-2]:
            found.append(parts[-2])
    return found


def check_scalable(services: dict[str, Any]) -> None:
    """Every service but the proxy can run as several replicas: no fixed host port or name."""
    for name, service in services.items():
        if name in SCALED_SERVICES:
            assert fixed_host_ports(service) == [], f"{name} publishes a fixed host port"
            assert "container_name" not in service, f"{name} has a fixed container name"
    published = {name for name, service in services.items() if fixed_host_ports(service)}
    assert published <= {"proxy"}, f"only the proxy publishes host ports, not {published}"


@with_compose
def test_compose_scales_the_app_behind_the_proxy(answer_set: AnswerSet, rendered: Rendered) -> None:
    project = rendered(answer_set)
    compose = load_yaml(project / "compose.yaml")
    services = compose["services"]
    app, proxy = services["app"], services["proxy"]
    (edge,) = compose["networks"]["edge"]["ipam"]["config"]
    proxy_address = ipaddress.ip_address(proxy["networks"]["edge"]["ipv4_address"])

    check_scalable(services)
    assert set(fixed_host_ports(proxy)) == {"80", "443"}
    # uvicorn trusts forwarded headers from the proxy's address only, which Docker never gives
    # to another container: it lies in the subnet, outside the range handed out.
    assert app["environment"]["FORWARDED_ALLOW_IPS"] == str(proxy_address)
    assert proxy_address in ipaddress.ip_network(edge["subnet"])
    assert proxy_address not in ipaddress.ip_network(edge["ip_range"])
    assert set(app["networks"]) == {"default", "edge"}
    assert set(proxy["networks"]) == {"edge"}
    # One ROOT_PATH for both: Caddy strips the prefix, uvicorn tells the app about it.
    assert app["environment"]["UVICORN_ROOT_PATH"] == proxy["environment"]["ROOT_PATH"]
    assert proxy["environment"]["ROOT_PATH"] == "${ROOT_PATH:-}"
    assert proxy["environment"]["DOMAIN"] == "${DOMAIN:-localhost}"
    caddyfile, target = proxy["volumes"][0].split(":")[:2]
    assert (project / caddyfile).is_file()
    assert target == "/etc/caddy/Caddyfile"


@pytest.mark.parametrize(
    "ports",
    [["8000:8000"], ["127.0.0.1:8000:8000"], [{"target": 8000, "published": "8000"}]],
    ids=["short", "address", "long"],
)
def test_a_fixed_host_port_on_the_app_cannot_scale(ports: list[Any], rendered: Rendered) -> None:
    services = load_yaml(rendered(ANSWER_SETS[0]) / "compose.yaml")["services"]
    check_scalable(services)
    services["app"]["ports"] = ports

    with pytest.raises(AssertionError, match="app publishes a fixed host port"):
        check_scalable(services)


def test_an_ephemeral_host_port_scales(rendered: Rendered) -> None:
    services = load_yaml(rendered(ANSWER_SETS[0]) / "compose.yaml")["services"]
    services["app"]["ports"] = ["8000", "127.0.0.1::8000"]

    check_scalable(services)


# --- the proxy's Caddyfile -------------------------------------------------------------------


def caddy_env(home: Path, **env: str) -> dict[str, str]:
    """Caddy's state in a directory of the test's own, and the variables compose passes it."""
    return {"XDG_DATA_HOME": str(home), "XDG_CONFIG_HOME": str(home), "HOME": str(home), **env}


def adapted_caddyfile(project: Path, home: Path, **env: str) -> dict[str, Any]:
    """The rendered Caddyfile as Caddy's JSON configuration (what Caddy runs)."""
    caddyfile = project / "deploy" / "compose" / "Caddyfile"
    command = [tool("caddy"), "adapt", "--config", str(caddyfile), "--adapter", "caddyfile"]
    return dict(json.loads(run(command, home, caddy_env(home, **env)).stdout))


def handlers(config: Any, name: str) -> list[dict[str, Any]]:
    """Every handler called ``name`` anywhere in an adapted configuration."""
    if isinstance(config, list):
        return [found for item in config for found in handlers(item, name)]
    if not isinstance(config, dict):
        return []
    own = [config] if config.get("handler") == name else []
    return own + [found for value in config.values() for found in handlers(value, name)]


@with_compose
@pytest.mark.parametrize("root_path", ["", "/api"], ids=["root", "prefix"])
def test_caddyfile_is_valid(
    answer_set: AnswerSet, root_path: str, tmp_path: Path, rendered: Rendered
) -> None:
    caddyfile = rendered(answer_set) / "deploy" / "compose" / "Caddyfile"
    validate = [tool("caddy"), "validate", "--config", str(caddyfile), "--adapter", "caddyfile"]

    env = caddy_env(tmp_path, DOMAIN="api.example.com", ROOT_PATH=root_path)

    result = run(validate, tmp_path, env)

    assert "Valid configuration" in result.stdout


def test_caddy_validate_refuses_a_broken_caddyfile(tmp_path: Path, rendered: Rendered) -> None:
    caddyfile = (rendered(ANSWER_SETS[0]) / "deploy" / "compose" / "Caddyfile").read_text()
    broken = tmp_path / "Caddyfile"
    broken.write_text(caddyfile.replace("lb_policy round_robin", "lb_policy round_robbin"))
    validate = [tool("caddy"), "validate", "--config", str(broken), "--adapter", "caddyfile"]

    result = run_unchecked(validate, tmp_path, caddy_env(tmp_path))

    assert result.returncode != 0
    assert "round_robbin" in result.stdout


@with_compose
def test_caddy_proxies_every_app_replica(
    answer_set: AnswerSet, tmp_path: Path, rendered: Rendered
) -> None:
    project = rendered(answer_set)
    config = adapted_caddyfile(project, tmp_path, DOMAIN="api.example.com", ROOT_PATH="/api")
    (proxy,) = handlers(config, "reverse_proxy")
    (strip,) = handlers(config, "rewrite")
    command = image_command(project)
    keep_alive_ns = proxy["transport"]["keep_alive"]["idle_timeout"]

    # Every address Docker's DNS gives for the app service, on the port the image listens on.
    assert proxy["dynamic_upstreams"]["source"] == "a"
    assert proxy["dynamic_upstreams"]["name"] == "app"
    assert "app" in load_yaml(project / "compose.yaml")["services"]
    assert proxy["dynamic_upstreams"]["port"] == option(command, "--port")
    assert strip["strip_path_prefix"] == "/api"
    # Caddy drops idle connections before uvicorn closes them (no 502 on a reused connection).
    assert keep_alive_ns / 1e9 < int(option(command, "--timeout-keep-alive"))
    assert "api.example.com" in json.dumps(config["apps"]["http"]["servers"])


# --- the service's CI workflow ---------------------------------------------------------------


@answer_sets
def test_ci_workflow_only_when_asked(answer_set: AnswerSet, rendered: Rendered) -> None:
    workflow = rendered(answer_set) / ".github" / "workflows" / "ci.yml"

    assert workflow.is_file() == (answer_set.answers.get("ci", "github") == "github")
    assert (rendered(answer_set) / ".github").exists() == workflow.is_file()


@with_ci
def test_ci_workflow_passes_actionlint(answer_set: AnswerSet, rendered: Rendered) -> None:
    run(actionlint(rendered(answer_set) / ".github" / "workflows" / "ci.yml"), TEMPLATE_ROOT)


def test_actionlint_refuses_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "ci.yml"
    broken.write_text(
        "on: push\njobs:\n  lint:\n    runs_on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v7\n      - run: echo $UNQUOTED\n"
    )

    result = run_unchecked(actionlint(broken), tmp_path)

    assert result.returncode != 0
    assert '"runs-on" section is missing' in result.stdout
    assert "SC2086" in result.stdout  # shellcheck ran on the run: script


@with_ci
def test_ci_workflow_runs_every_check(answer_set: AnswerSet, rendered: Rendered) -> None:
    project = rendered(answer_set)
    workflow = load_yaml(project / ".github" / "workflows" / "ci.yml")
    jobs = workflow["jobs"]
    runs = {name: steps_run(job) for name, job in jobs.items()}

    assert set(triggers(workflow)) >= {"push", "pull_request"}
    assert {
        "uv run ruff check --no-fix --output-format=github .",
        "uv run ruff format --check .",
    } <= set(runs["lint"])
    assert "uv run mypy" in runs["types"]
    assert "uv run lint-imports" in runs["import-contracts"]
    assert "uv run pytest" in runs["tests"]
    assert jobs["tests"]["env"]["FUZZ_PROFILE"] == "ci"  # the service's fuzzing at CI strength
    round_trip = [line for line in runs["migrations"] if line.startswith("uv run alembic")]
    assert round_trip == [
        "uv run alembic upgrade head",
        "uv run alembic downgrade base",
        "uv run alembic upgrade head",
    ]
    for name in ("tests", "migrations"):
        url = urlsplit(jobs[name]["env"]["DATABASE_URL"])
        assert "postgres" in jobs[name]["services"], name
        assert (url.hostname, url.port, url.path) == (
            "localhost",
            5432,
            f"/{database_name(project)}",
        )
    assert jobs["migrations"]["services"]["postgres"]["env"]["POSTGRES_DB"] == database_name(
        project
    )
    # client=true: a job fails when openapi.json is not the app's document (or is missing).
    client = answer_set.answers.get("client", False)
    assert ("client" in jobs) == client
    if client:
        assert "scripts/client --check" in runs["client"]
    # The worker and jobs tests need Redis (under CI they fail without one, never skip).
    worker = answer_set.answers.get("worker", False)
    assert ("redis" in jobs["tests"]["services"]) == worker
    assert ("REDIS_URL" in jobs["tests"]["env"]) == worker
    for name, job in jobs.items():
        setup_uv = [step for step in job["steps"] if step.get("uses", "").startswith("astral-sh/")]
        assert setup_uv[0]["with"]["python-version"] == answer_set.python_version, name
        install = runs[name].index("uv sync --locked")  # before anything runs, uv.lock exact
        assert not [line for line in runs[name][:install] if "uv run" in line], name


def test_ci_question_refuses_other_services(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=re.escape("Invalid choice for 'ci'")):
        copier.run_copy(
            str(TEMPLATE_ROOT),
            tmp_path / "service",
            data={"ci": "gitlab"},
            defaults=True,
            unsafe=True,
            vcs_ref="HEAD",
            quiet=True,
        )


# --- pre-commit ------------------------------------------------------------------------------


def test_pre_commit_config_is_valid(rendered: Rendered) -> None:
    project = rendered(ANSWER_SETS[0])
    config = load_yaml(project / ".pre-commit-config.yaml")
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}

    run([tool("pre-commit"), "validate-config", ".pre-commit-config.yaml"], project)
    # Copier writes inline conflicts outside any git merge: the check must not wait for one.
    assert "--assume-in-merge" in hooks["check-merge-conflict"]["args"]
    assert shlex.split(hooks["ruff-check"]["entry"])[:4] == ["uv", "run", "ruff", "check"]
    assert "--fix" in hooks["ruff-check"]["entry"]
    assert shlex.split(hooks["ruff-format"]["entry"])[:4] == ["uv", "run", "ruff", "format"]
    assert hooks["no-rej-files"]["language"] == "fail"


def test_pre_commit_refuses_rej_files(tmp_path: Path, rendered: Rendered) -> None:
    """The local .rej guard, run for real (the remote hooks would need a clone)."""
    config = load_yaml(rendered(ANSWER_SETS[0]) / ".pre-commit-config.yaml")
    guard = [
        {"repo": "local", "hooks": [hook for hook in repo["hooks"] if hook["id"] == "no-rej-files"]}
        for repo in config["repos"]
        if repo["repo"] == "local"
    ]
    repository = tmp_path / "service"
    repository.mkdir()
    (repository / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": guard}))
    (repository / "main.py").write_text("")
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    pre_commit = [tool("pre-commit"), "run", "--all-files", "--color", "never"]
    run(["git", "init", "-q"], repository)
    run(["git", "add", "."], repository)

    run(pre_commit, repository, env)
    (repository / "main.py.rej").write_text("@@ -1 +1 @@\n")
    run(["git", "add", "."], repository)
    result = run_unchecked(pre_commit, repository, env)

    assert result.returncode != 0
    assert "main.py.rej" in result.stdout


# --- the template's own workflows ------------------------------------------------------------


def test_template_workflows_pass_actionlint() -> None:
    workflows = sorted(TEMPLATE_WORKFLOWS.glob("*.yml"))

    assert [path.name for path in workflows] == ["drift.yml", "tests.yml"]
    run(actionlint(*workflows), TEMPLATE_ROOT)


def test_template_workflows_run_the_tiers() -> None:
    tests = load_yaml(TEMPLATE_WORKFLOWS / "tests.yml")
    drift = load_yaml(TEMPLATE_WORKFLOWS / "drift.yml")
    render, deep = tests["jobs"]["render"], tests["jobs"]["deep"]
    (latest,) = drift["jobs"].values()

    assert set(triggers(tests)) >= {"push", "pull_request"}
    assert 'uv run pytest -m "not deep"' in steps_run(render)
    assert "uv run pytest -m deep" in steps_run(deep)
    assert deep["needs"] == "render"
    assert list(triggers(drift)["schedule"][0]) == ["cron"]
    assert latest["env"]["TEMPLATE_DEPENDENCIES_AS_OF"] == "latest"
    assert "uv run pytest" in steps_run(latest)
    for job in (deep, latest):
        assert set(job["services"]) == {"postgres", "redis"}
        assert urlsplit(job["env"]["DATABASE_URL"]).port == 5432
        assert urlsplit(job["env"]["REDIS_URL"]).port == 6379


# --- documentation site ----------------------------------------------------------------------


def test_docs_site_builds_strictly(tmp_path: Path) -> None:
    build = [tool("mkdocs"), "build", "--strict", "--site-dir", str(tmp_path / "site")]
    run(build, TEMPLATE_ROOT, {"NO_MKDOCS_2_WARNING": "1"})

    assert (tmp_path / "site" / "index.html").is_file()


def test_docs_nav_lists_every_page() -> None:
    def pages(nav: Any) -> list[str]:
        if isinstance(nav, str):
            return [nav]
        items = nav.values() if isinstance(nav, dict) else nav
        return [page for item in items for page in pages(item)]

    nav = pages(load_yaml(TEMPLATE_ROOT / "mkdocs.yml")["nav"])
    docs = TEMPLATE_ROOT / "docs"

    assert sorted(nav) == sorted(path.relative_to(docs).as_posix() for path in docs.rglob("*.md"))
