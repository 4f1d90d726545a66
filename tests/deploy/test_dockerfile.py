"""The Dockerfile, read without a Docker engine: a pinned base, the wheel installed at the
versions of constraints.txt without the dev-server extra, a user of its own, a health check;
and a .dockerignore that keeps state, secrets and the venv out of the build."""

from __future__ import annotations

import re

from settings import PROJECT_ROOT

DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions(name: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(f"{name} ")]


def test_every_base_image_is_pinned() -> None:
    for base in instructions("FROM"):
        image = base.split()[0]
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*", image), image


def test_it_installs_the_wheel_from_the_constraints_without_the_dev_servers() -> None:
    installs = [run for run in instructions("RUN") if "pip install" in run]
    assert installs, "the wheel is installed"
    assert all("--constraint /tmp/constraints.txt" in run for run in installs)
    assert not any("dev-server" in run or "[dev" in run for run in installs)
    assert "COPY constraints.txt /tmp/constraints.txt" in DOCKERFILE


def test_it_runs_as_a_user_of_its_own_with_a_health_check() -> None:
    (user,) = instructions("USER")
    assert user not in {"root", "0"}
    (check,) = instructions("HEALTHCHECK")
    assert '"control.health", "worker"' in check
    assert instructions("CMD") == ['["python", "-m", "worker"]']


def test_the_build_context_leaves_out_state_secrets_and_the_venv() -> None:
    ignored = set((PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".venv", "var", "config", ".env"} <= ignored
