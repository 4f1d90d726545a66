"""docker-compose.yml, checked without a Docker engine: every service the product needs is there,
wired by its environment, waits for what it needs (healthy or done), restarts, keeps its files
on volumes and runs a pinned image; and `docker-compose config` (Debian's docker-compose 1.29,
which scripts/setup-system.sh installs) accepts the file."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from settings import PROJECT_ROOT, Settings
from workflows.search_attributes import ALL

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
APP_SERVICES = ("migrate", "worker", "web")
LONG_RUNNING = ("postgresql", "temporal", "temporal-ui", "worker", "web", "mailpit")
ONE_SHOT_JOBS = ("temporal-schema", "temporal-setup", "migrate")
# Read by the web app (issue 10), whose settings come with it.
WEB_SETTINGS = {"secret_key", "web_listen"}
REQUIRED = {"POSTGRES_PASSWORD": "p1", "NHACHAN_DB_PASSWORD": "p2", "NHACHAN_SECRET_KEY": "k"}


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return dict(document["services"])


def depends(service: dict[str, Any]) -> dict[str, str]:
    needs = service.get("depends_on", {})
    assert isinstance(needs, dict), "depends_on in the long form, each with its condition"
    return {name: need["condition"] for name, need in needs.items()}


def test_every_service_the_product_needs_is_defined(services: dict[str, dict[str, Any]]) -> None:
    needed = {*LONG_RUNNING, *ONE_SHOT_JOBS}
    assert needed <= set(services), f"missing: {sorted(needed - set(services))}"


def test_every_image_is_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and re.search(r"\d", tag), f"{name}: {image} is not pinned to a version"
        assert tag != "latest", name


def test_each_step_waits_for_the_one_before(services: dict[str, dict[str, Any]]) -> None:
    healthy, done = "service_healthy", "service_completed_successfully"
    assert depends(services["temporal-schema"]) == {"postgresql": healthy}
    assert depends(services["temporal"]) == {"temporal-schema": done}
    assert depends(services["temporal-setup"]) == {"temporal": healthy}
    assert depends(services["temporal-ui"]) == {"temporal": healthy}
    assert depends(services["migrate"]) == {"postgresql": healthy}
    for name in ("worker", "web"):
        assert depends(services[name]) == {"migrate": done, "temporal-setup": done}
    for name, service in services.items():
        for needed, condition in depends(service).items():
            if condition == healthy:
                assert "healthcheck" in services[needed], f"{name} waits on {needed}'s health"
            if condition == done:
                assert needed in ONE_SHOT_JOBS, f"{name} waits for {needed} to finish"


def test_long_running_services_have_health_checks_and_restart(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in LONG_RUNNING:
        service = services[name]
        if name != "temporal-ui":  # the UI has no command to check with; nothing waits on it
            assert service["healthcheck"]["test"], name
        assert service["restart"] in {"on-failure", "unless-stopped", "always"}, name
    for name in ("worker", "web"):
        assert services[name]["restart"] == "on-failure"
    for name in ONE_SHOT_JOBS:
        assert services[name]["restart"].startswith("on-failure:"), f"{name} retries, then stops"


def test_the_app_is_wired_by_its_environment(services: dict[str, dict[str, Any]]) -> None:
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        url = environment["NHACHAN_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://nhachan:${NHACHAN_DB_PASSWORD:?")
        assert url.endswith("@postgresql:5432/nhachan")
        assert environment["NHACHAN_TEMPORAL_ADDRESS"].endswith("temporal:7233}")
        assert environment["NHACHAN_SECRET_KEY"].startswith("${NHACHAN_SECRET_KEY:?")
        for variable in environment:
            if variable.startswith("NHACHAN_"):
                field = variable.removeprefix("NHACHAN_").lower()
                assert field in Settings.model_fields or field in WEB_SETTINGS, variable
        tls = {v for v in environment if v.startswith("TEMPORAL_")}
        assert {"TEMPORAL_API_KEY", "TEMPORAL_TLS_CLIENT_CERT_PATH"} <= tls
        assert all(environment[v] is None for v in tls), "passed on only when set"
    postgres = services["postgresql"]["environment"]
    assert postgres["NHACHAN_DB_PASSWORD"].startswith("${NHACHAN_DB_PASSWORD:?")


def test_the_database_role_is_made_with_its_password_from_the_environment(
    services: dict[str, dict[str, Any]],
) -> None:
    mounts = services["postgresql"]["volumes"]
    init = next(m for m in mounts if "/docker-entrypoint-initdb.d/" in m)
    script = (PROJECT_ROOT / init.split(":")[0]).read_text(encoding="utf-8")
    assert "CREATE ROLE nhachan LOGIN PASSWORD :'password'" in script
    assert 'password="$NHACHAN_DB_PASSWORD"' in script


def test_outbox_and_evidence_live_on_volumes(services: dict[str, dict[str, Any]]) -> None:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    for name in ("worker", "web"):
        var = services[name]["environment"]["NHACHAN_VAR_DIR"]
        mounts = set(services[name]["volumes"])
        assert f"outbox:{var}/outbox" in mounts, name
        assert f"evidence:{var}/evidence" in mounts, name
    assert {"postgresql", "outbox", "evidence"} <= set(document["volumes"])


def test_the_search_attributes_registered_are_the_workflows_own(
    services: dict[str, dict[str, Any]],
) -> None:
    registered = dict(
        pair.split("=")
        for pair in services["temporal-setup"]["environment"]["SEARCH_ATTRIBUTES"].split()
    )
    # KEYWORD_LIST → KeywordList, as the temporal CLI names the types.
    expected = {key.name: key.indexed_value_type.name.title().replace("_", "") for key in ALL}
    assert registered == expected


def test_scripts_and_modules_the_services_run_exist(services: dict[str, dict[str, Any]]) -> None:
    for service in services.values():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("./deploy/"):
                subprocess.run(["sh", "-n", str(PROJECT_ROOT / source)], check=True)
        for run in (service.get("command") or [], service.get("healthcheck", {}).get("test", [])):
            if "python" in run and "-m" in run:
                module = run[run.index("-m") + 1]
                assert importlib.util.find_spec(module) is not None, module


def compose_config(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed: `make setup` installs it")
    return subprocess.run(
        [binary, "--file", str(COMPOSE), "config"],
        env={"PATH": "/usr/bin:/bin", **environment},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_docker_compose_accepts_the_file() -> None:
    result = compose_config(REQUIRED)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    worker = resolved["services"]["worker"]
    assert worker["environment"]["NHACHAN_DATABASE_URL"].startswith(
        "postgresql+psycopg://nhachan:p2@"
    )
    assert worker["depends_on"]["temporal-setup"]["condition"] == "service_completed_successfully"


def test_docker_compose_refuses_to_start_without_the_passwords() -> None:
    result = compose_config({})
    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD" in result.stderr or "set NHACHAN_" in result.stderr


def test_deploy_example_env_names_every_required_variable() -> None:
    example = (PROJECT_ROOT / "deploy" / "example.env").read_text(encoding="utf-8")
    for variable in REQUIRED:
        assert f"\n{variable}=" in f"\n{example}", variable
