"""deploy/: Compose, Kubernetes and NATS files hold the properties the platform relies on.

Every service is migrated before it starts and is ready only by ``/readyz``; the NATS nodes fsync every
write; secrets only ever arrive from the environment or a Secret; and the files that must agree (the NATS
users, the passwords each server is given, the Secret's keys) do. tests/integration/test_nats_permissions.py
proves what the permissions themselves allow.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML arrives with uvicorn[standard]; no stubs installed

from services.platform.embedded import nats_server_binary

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SERVICES = ("catalog", "admission", "dispatch", "evaluation", "enforcement")
NATS_NODES = ("nats-1", "nats-2", "nats-3")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN", re.IGNORECASE)
URL_CREDENTIALS = re.compile(r"://([^:/@\s]+):([^@\s]+)@")
COMPOSE_VAR = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")
K8S_VAR = re.compile(r"\$\(([A-Z0-9_]+)\)")
PLACEHOLDER = "change-me"
SECRETS = "linkage-secrets"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def nats_conf(name: str) -> str:
    """A NATS config file without its comments, so that the examples in them are not mistaken for config."""
    lines = (DEPLOY / "nats" / name).read_text(encoding="utf-8").splitlines()
    return "\n".join(re.sub(r"^\s*#.*$|\s+#[^\"]*$", "", line) for line in lines)


def nats_variables(*names: str) -> set[str]:
    """Environment variables the NATS files read: unquoted ``$NAME`` (quoted ones are subjects like $JS.API)."""
    text = "\n".join(re.sub(r'"[^"]*"', '""', nats_conf(name)) for name in names)
    # Less the config's own variables (NAME = [...] at the top, e.g. the generated OUTSIDER_DURABLES).
    own = set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=", text, re.MULTILINE))
    return set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", text)) - own


def jetstream_block(name: str) -> str:
    found = re.search(r"jetstream\s*\{([^}]*)\}", nats_conf(name))
    assert found, f"{name} has no jetstream block"
    return found.group(1)


def strings(node: Any) -> list[str]:
    """Every string in a loaded YAML document (comments are gone by then)."""
    if isinstance(node, dict):
        return [text for value in node.values() for text in strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in strings(value)]
    return [node] if isinstance(node, str) else []


def is_compose_reference(value: str) -> bool:
    return bool(re.fullmatch(COMPOSE_VAR, value))


# ---------------------------------------------------------------------------------------------- Compose


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    services: dict[str, Any] = load(DEPLOY / "compose.yaml")["services"]
    return services


def test_compose_runs_three_nats_nodes_that_fsync_every_write(compose: dict[str, Any]) -> None:
    nodes = {name: spec for name, spec in compose.items() if spec["image"].startswith("nats:")}
    assert sorted(nodes) == list(NATS_NODES)
    names = {spec["environment"]["NATS_SERVER_NAME"] for spec in nodes.values()}
    assert names == set(NATS_NODES)  # JetStream needs a stable, unique server name per node
    for name, spec in nodes.items():
        config = Path(spec["command"][spec["command"].index("-c") + 1])
        mounts = dict(volume.split(":")[:2] for volume in spec["volumes"])
        host_dir = next(host for host, inside in mounts.items() if inside == str(config.parent))
        mounted = (DEPLOY / host_dir / config.name).resolve()
        assert mounted == DEPLOY / "nats" / "cluster.conf", name
        assert re.search(r"sync_interval\s*[:=]\s*\"?always\"?", jetstream_block("cluster.conf"))
        assert mounts[name] == "/data"  # a volume of its own for the store
        assert "wget" in spec["healthcheck"]["test"]
        assert any("/healthz" in part for part in spec["healthcheck"]["test"])
        # Every password accounts.conf reads is in the node's environment, or the node will not start.
        assert nats_variables("cluster.conf", "accounts.conf") <= set(spec["environment"]), name


def test_compose_migrates_each_service_before_starting_it_and_waits_for_readyz(compose: dict[str, Any]) -> None:
    for port, service in enumerate(SERVICES, start=8101):
        job = compose[f"migrate-{service}"]
        assert job["command"] == ["python", "-m", "services.runtime.migrate", service]
        assert job["restart"] == "no"
        assert job["depends_on"]["postgres"]["condition"] == "service_healthy"

        spec = compose[service]
        assert spec["environment"]["LINKAGE_SERVICE"] == service
        assert spec["ports"] == [f"{port}:8000"]
        conditions = {name: dependency["condition"] for name, dependency in spec["depends_on"].items()}
        assert conditions[f"migrate-{service}"] == "service_completed_successfully"
        assert all(conditions[node] == "service_healthy" for node in (*NATS_NODES, "postgres"))
        assert any("/readyz" in part for part in spec["healthcheck"]["test"])
        assert spec["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"


def test_compose_services_connect_to_every_node_as_their_own_nats_user(compose: dict[str, Any]) -> None:
    for service in SERVICES:
        urls = compose[service]["environment"]["LINKAGE_NATS_URL"].split(",")
        assert sorted(re.sub(r".*@([^:]+):4222$", r"\1", url) for url in urls) == list(NATS_NODES)
        for url in urls:
            credentials = URL_CREDENTIALS.search(url)
            assert credentials is not None, url
            assert credentials.groups() == (service, f"${{{service.upper()}_PASSWORD}}")


def test_compose_migrates_as_the_schemas_owner_and_runs_each_service_as_its_own_role(compose: dict[str, Any]) -> None:
    for service in SERVICES:
        migration = URL_CREDENTIALS.search(compose[f"migrate-{service}"]["environment"]["LINKAGE_DATABASE_URL"])
        running = URL_CREDENTIALS.search(compose[service]["environment"]["LINKAGE_DATABASE_URL"])
        assert migration is not None
        assert running is not None
        assert migration.groups() == (f"linkage_{service}_owner", f"${{PG_{service.upper()}_OWNER_PASSWORD}}")
        assert running.groups() == (f"linkage_{service}", f"${{PG_{service.upper()}_PASSWORD}}")
    roles = (DEPLOY / "postgres" / "roles.sh").read_text(encoding="utf-8")
    assert "AUTHORIZATION" in roles
    assert all(service in roles for service in SERVICES)
    assert "./postgres:/docker-entrypoint-initdb.d:ro" in compose["postgres"]["volumes"]


def test_compose_holds_no_literal_secret(compose: dict[str, Any]) -> None:
    for name, spec in compose.items():
        for key, value in (spec.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                assert is_compose_reference(str(value)), f"{name}: {key} is written out"
            for _, password in URL_CREDENTIALS.findall(str(value)):
                assert is_compose_reference(password), f"{name}: {key} carries a literal password"


def test_env_example_defines_every_secret_compose_reads_and_only_placeholders() -> None:
    example = dict(
        line.split("=", 1)
        for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    required = {
        match.group(1)
        for value in strings(load(DEPLOY / "compose.yaml"))
        for match in COMPOSE_VAR.finditer(value)
        if ":-" not in match.group(0)  # those have a default
    }
    assert required <= set(example), required - set(example)
    assert all(value.startswith(PLACEHOLDER) for key, value in example.items() if SECRET_NAME.search(key))
    assert ".env" in (DEPLOY / ".gitignore").read_text(encoding="utf-8").split()  # the real one stays out of git


# ------------------------------------------------------------------------------------------------- NATS


@pytest.mark.parametrize("name", ["single.conf", "cluster.conf"])
def test_nats_configs_are_valid_and_fsync_every_write(name: str) -> None:
    assert re.search(r"sync_interval\s*[:=]\s*\"?always\"?", jetstream_block(name))
    assert re.search(r"^\s*include\s+\.?/?accounts\.conf\s*$", nats_conf(name), re.MULTILINE)
    variables = nats_variables(name, "accounts.conf")
    env = {variable: "x" for variable in variables}
    checked = subprocess.run(
        [str(nats_server_binary()), "-t", "-c", str(DEPLOY / "nats" / name)], env=env, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # And a missing password stops the server rather than letting a user in with an empty one.
    password = next(variable for variable in sorted(variables) if variable.endswith("_PASSWORD"))
    missing = subprocess.run(
        [str(nats_server_binary()), "-t", "-c", str(DEPLOY / "nats" / name)],
        env={key: value for key, value in env.items() if key != password},
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0
    assert password in missing.stdout + missing.stderr


def test_nats_passwords_all_come_from_the_environment() -> None:
    for name in ("accounts.conf", "cluster.conf", "single.conf"):
        for value in re.findall(r"\b(?:password|pass|token)\s*[:=]\s*(\S+)", nats_conf(name)):
            assert value.startswith("$"), f"{name}: literal password {value!r}"


def test_every_organisation_user_is_confined_to_its_own_durable_in_an_account_of_its_own() -> None:
    text = nats_conf("accounts.conf")
    blocks = re.split(r"(?=\buser:\s*)", text)
    organisations = {}
    for block in blocks:
        if found := re.match(r"user:\s*((?:dept|street|agency|worker)-[a-z0-9-]+)\b", block):
            organisations[found.group(1)] = set(re.findall(r'"([^"]+)"', block.split("}\n    ]")[0]))
    users = {
        "dept-cgj",
        "dept-scjg",
        "street-wulong",
        "agency-wulong-cgzd",
        "worker-wgy-wulong-01",
        "worker-wgy-wulong-02",
    }
    assert users <= set(organisations)
    assert "worker-wgy-wulong-03" not in text  # a grid worker its street dropped (inactive) has no user
    for durable, subjects in organisations.items():
        code = durable.split("-", 1)[1]
        assert subjects == {
            f"LINKAGE.API.CONSUMER.INFO.DISPATCH.{durable}",
            f"LINKAGE.API.CONSUMER.MSG.NEXT.DISPATCH.{durable}",
            f"$JS.ACK.DISPATCH.{durable}.>",
            "_INBOX.>",
        }, durable
        assert f'"{durable}" {{' in text, f"{durable} has no account of its own"
        assert f"dispatch.task.assigned.v1.{code}" in text


# ------------------------------------------------------------------------------------------- Kubernetes


def k8s_objects() -> list[tuple[str, dict[str, Any]]]:
    objects = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        if path.name in ("kustomization.yaml", "nats-values.yaml"):
            continue
        objects += [(path.name, document) for document in yaml.safe_load_all(path.read_text(encoding="utf-8"))]
    return objects


def find(kind: str, name: str) -> dict[str, Any]:
    matches = [obj for _, obj in k8s_objects() if obj["kind"] == kind and obj["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    kustomization = load(DEPLOY / "k8s" / "kustomization.yaml")
    manifests = {path.name for path in (DEPLOY / "k8s").glob("*.yaml")}
    expected = manifests - {"kustomization.yaml", "nats-values.yaml", "secret.example.yaml"}
    assert set(kustomization["resources"]) == expected
    assert {f"{service}.yaml" for service in SERVICES} <= expected


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_runs_each_service_twice_behind_readyz_with_its_migration(service: str) -> None:
    job = find("Job", f"migrate-{service}")
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "python",
        "-m",
        "services.runtime.migrate",
        service,
    ]

    deployment = find("Deployment", service)
    assert deployment["spec"]["replicas"] == 2  # replicas share the durable consumers
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["limits"]["memory"] == "256Mi"
    assert container["resources"]["requests"]["memory"]
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True

    env = env_of(container)
    assert env["LINKAGE_SERVICE"]["value"] == service
    names = list(env)
    url = env["LINKAGE_NATS_URL"]["value"]
    credentials = URL_CREDENTIALS.search(url)
    assert credentials is not None
    assert credentials.group(1) == service
    (password_var,) = K8S_VAR.findall(credentials.group(2))
    assert names.index(password_var) < names.index("LINKAGE_NATS_URL")  # $(VAR) only sees earlier variables
    assert env[password_var]["valueFrom"]["secretKeyRef"] == {"name": SECRETS, "key": f"{service.upper()}_PASSWORD"}
    for variable in ("LINKAGE_DATABASE_URL", "LINKAGE_JWT_SECRET"):
        assert env[variable]["valueFrom"]["secretKeyRef"]["name"] == SECRETS
    # The service as its run-time role, its migration as the schema's owner.
    assert env["LINKAGE_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == f"{service.upper()}_DATABASE_URL"
    migration = env_of(job["spec"]["template"]["spec"]["containers"][0])["LINKAGE_DATABASE_URL"]
    assert migration["valueFrom"]["secretKeyRef"]["key"] == f"{service.upper()}_OWNER_DATABASE_URL"

    selector = find("Service", service)["spec"]["selector"]
    assert selector.items() <= pod["metadata"]["labels"].items()


def test_k8s_service_files_differ_only_in_the_service_name() -> None:
    template = (DEPLOY / "k8s" / "catalog.yaml").read_text(encoding="utf-8")
    for service in SERVICES:
        text = (DEPLOY / "k8s" / f"{service}.yaml").read_text(encoding="utf-8")
        assert text.replace(service, "catalog").replace(service.upper(), "CATALOG") == template, service


def test_k8s_holds_no_literal_secret() -> None:
    for file, obj in k8s_objects():
        if obj["kind"] == "Secret":
            assert file == "secret.example.yaml"
            assert all(PLACEHOLDER in value for value in obj["stringData"].values()), "a real value in the template"
            continue
        for container in _containers(obj):
            for name, entry in env_of(container).items():
                if SECRET_NAME.search(name):
                    assert "value" not in entry, f"{file}: {name} is written out"
                    assert "secretKeyRef" in entry["valueFrom"], f"{file}: {name} is not from a Secret"
                for _, password in URL_CREDENTIALS.findall(str(entry.get("value", ""))):
                    assert K8S_VAR.fullmatch(password), f"{file}: {name} carries a literal password"


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    containers: list[dict[str, Any]] = pod.get("containers", []) + pod.get("initContainers", [])
    return containers


def test_nats_helm_values_make_a_three_node_fsyncing_cluster_with_the_platform_users() -> None:
    values = load(DEPLOY / "k8s" / "nats-values.yaml")
    config = values["config"]
    assert config["cluster"]["enabled"] is True
    assert config["cluster"]["replicas"] == 3
    jetstream = config["jetstream"]
    assert jetstream["enabled"] is True
    assert jetstream["fileStore"]["enabled"] is True
    assert jetstream["fileStore"]["pvc"]["enabled"] is True
    assert jetstream["merge"]["sync_interval"] == "always"
    assert config["merge"]["$include"] == "accounts.conf"

    # Each password accounts.conf reads comes from the Secret, under its own name, and the template has it.
    secret_keys = set(find("Secret", SECRETS)["stringData"])
    env = values["container"]["env"]
    for variable in nats_variables("accounts.conf"):
        assert env[variable] == {"valueFrom": {"secretKeyRef": {"name": SECRETS, "key": variable}}}
        assert variable in secret_keys
