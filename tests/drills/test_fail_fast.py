"""Failing fast and short, for real: `worker.py` and `scheduler.py run` check their configuration
before anything starts and say in one line what is wrong where (never a traceback, never a
password); SIGTERM and SIGINT stop everything `run` started, the dev server too; a port already
taken is named; a dead dev server ends `run`; verbs that need the worker answer within seconds
when it is not there, and nothing is left to be applied later."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
from sqlmodel import select

from control import operations
from models.statuses import MilestoneStatus
from models.tables import Milestone, Task
from settings import PROJECT_ROOT
from storage.db import session_scope
from tests.drills.harness import LOCAL_TZ, DevServer, DrillProduct, eventually
from tests.notifications.servers import free_port

pytestmark = pytest.mark.slow

SECRET = "hunter22"
PLAN = (
    "STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú\n"
    "I. CHỈ ĐẠO,,,,,\n"
    "1,Báo cáo nhanh,Ban Tôn giáo,,ngày {day}/{month}/{year},\n"
)


def run(
    args: list[str], environment: dict[str, str], *, seconds: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env={**os.environ, **environment},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=seconds,
    )


def one_line(output: str) -> str:
    """What a person reads: one line (as wide as the terminal allows), no traceback."""
    assert "Traceback" not in output
    return " ".join(output.split())


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return {
        "NHACHAN_VAR_DIR": str(tmp_path / "var"),
        "NHACHAN_DATABASE_URL": f"sqlite:///{tmp_path / 'nhachan.db'}",
        "NHACHAN_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "NHACHAN_TEMPORAL_UI_PORT": str(free_port()),
    }


def broken_contacts(tmp_path: Path) -> tuple[dict[str, str], str]:
    path = tmp_path / "contacts.yaml"
    path.write_text(
        f"units:\n  van-phong:\n    - nosuch://nhachan:{SECRET}@smtp.example.org\n",
        encoding="utf-8",
    )
    return {"NHACHAN_CONTACTS": str(path)}, f"{path}: units: van-phong: channels[1]"


def broken_calendar(tmp_path: Path) -> tuple[dict[str, str], str]:
    folder = tmp_path / "calendar"
    folder.mkdir()
    year = pendulum.now(LOCAL_TZ).year
    (folder / f"{year}.yaml").write_text(
        f"year: {year}\nworking_days:\n  - {{date: {year}-02-30, name: x, decision: y}}\n",
        encoding="utf-8",
    )
    return {"NHACHAN_CALENDAR_DIR": str(folder)}, f"{folder / f'{year}.yaml'}"


def broken_policy(tmp_path: Path) -> tuple[dict[str, str], str]:
    path = tmp_path / "policy.yaml"
    path.write_text("reminders: {at: '25:00'}\n", encoding="utf-8")
    return {"NHACHAN_POLICY_FILE": str(path)}, str(path)


def broken_database(tmp_path: Path) -> tuple[dict[str, str], str]:
    url = f"postgresql+psycopg://nhachan:{SECRET}@127.0.0.1:{free_port()}/nhachan"
    shown = url.replace(SECRET, "***")
    return {"NHACHAN_DATABASE_URL": url}, f"database {shown} (NHACHAN_DATABASE_URL)"


def no_server(tmp_path: Path) -> tuple[dict[str, str], str]:
    return {}, "cannot reach Temporal at 127.0.0.1:"


@pytest.mark.parametrize(
    "broken",
    [broken_contacts, broken_calendar, broken_policy, broken_database, no_server],
    ids=lambda broken: broken.__name__,
)
def test_the_worker_refuses_a_broken_configuration_in_one_line(
    tmp_path: Path, environment: dict[str, str], broken: object
) -> None:
    changes, names = broken(tmp_path)  # type: ignore[operator]
    started = time.monotonic()
    result = run(["worker.py"], {**environment, **changes})
    assert result.returncode == 1
    said = one_line(result.stderr)
    assert said.startswith("worker.py: ") and names in said, said
    assert SECRET not in result.stdout + result.stderr
    assert time.monotonic() - started < 30


def test_run_checks_its_configuration_before_starting_anything(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    changes, names = broken_contacts(tmp_path)
    result = run(["scheduler.py", "run"], {**environment, **changes})
    assert result.returncode == 1
    said = one_line(result.stderr)
    assert said.startswith("error: ") and names in said, said
    assert SECRET not in result.stdout + result.stderr
    assert "Starting the Temporal dev server" not in result.stdout


def test_run_names_a_port_already_taken(environment: dict[str, str]) -> None:
    port = int(environment["NHACHAN_TEMPORAL_ADDRESS"].rpartition(":")[2])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = run(["scheduler.py", "run"], environment)
    assert result.returncode == 1
    said = one_line(result.stderr)
    assert f"port {port} on 127.0.0.1 (NHACHAN_TEMPORAL_ADDRESS) is taken" in said, said


# --------------------------------------------------------------- `run` started, then stopped


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (the dev server `run` started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


@pytest.fixture
def running(tmp_path: Path, environment: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """`scheduler.py run` on a plan of one task, until it printed that the plan started."""
    today = pendulum.now(LOCAL_TZ).date()
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN.format(day=today.day, month=today.month, year=today.year), "utf-8")
    process = subprocess.Popen(
        [sys.executable, "scheduler.py", "run", str(plan)],
        env={**os.environ, **environment, "COLUMNS": "200"},
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 90
    for line in process.stdout:
        if "task(s) started" in line or time.monotonic() > deadline:
            break
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        for pid in children(process.pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_stops_everything_run_started(
    running: subprocess.Popen[str], environment: dict[str, str], stop: signal.Signals
) -> None:
    servers = children(running.pid)
    assert servers, "run started no dev server"
    running.send_signal(stop)
    out, err = running.communicate(timeout=60)
    assert running.returncode == 0, err
    assert "Stopped: the worker and the dev server are down" in out
    assert not any(alive(pid) for pid in servers)
    port = int(environment["NHACHAN_TEMPORAL_ADDRESS"].rpartition(":")[2])
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))  # free again: the next run starts its own


def test_a_dead_dev_server_ends_run_with_a_clear_message(
    running: subprocess.Popen[str],
) -> None:
    [server] = children(running.pid)
    os.kill(server, signal.SIGKILL)
    started = time.monotonic()
    _out, err = running.communicate(timeout=60)
    assert running.returncode == 1
    said = one_line(err)
    assert "the Temporal dev server at 127.0.0.1:" in said and "stopped answering" in said, said
    assert time.monotonic() - started < 30


# ------------------------------------------------------------------- verbs without a worker


async def test_verbs_that_need_the_worker_answer_in_seconds_and_record_nothing(
    tmp_path: Path,
) -> None:
    server = DevServer(tmp_path / "temporal")
    server.start()
    product = DrillProduct("verbs", tmp_path / "product", server)
    try:
        client = await server.client(product.settings)
        plan = tmp_path / "plan.csv"
        today = product.today
        plan.write_text(PLAN.format(day=today.day, month=today.month, year=today.year), "utf-8")
        report = await operations.start_plan(client, product.settings, plan, year=today.year)
        evidence = ["scheduler.py", "evidence", "I.1", "--by", "ban-ton-giao"]
        evidence += ["--document", "5/BC-SNV", "--plan", report.plan_key]

        # No worker has ever polled: refused at once.
        started = time.monotonic()
        result = await asyncio.to_thread(run, evidence, product.environment())
        assert result.returncode == 1
        assert "no worker serves the task queue 'drill-verbs'" in one_line(result.stderr)
        assert "nothing was recorded" in one_line(result.stderr)
        assert time.monotonic() - started < 15

        # A worker that has just died still looks like one to the server: it must answer.
        worker = product.worker()
        await product.polled(client)
        await eventually(
            lambda: task_status(product) is MilestoneStatus.OPEN, seconds=60, what="projection"
        )
        worker.signal(signal.SIGKILL)
        worker.wait()
        started = time.monotonic()
        result = await asyncio.to_thread(run, evidence, product.environment())
        assert result.returncode == 1, result.stdout
        assert "does not answer" in one_line(result.stderr)
        assert time.monotonic() - started < 25

        # A worker again: the evidence never reached the task.
        product.worker()
        snapshot = await operations.task_snapshot(client, report.plan_key, "I.1")
        assert [m.status for m in snapshot.milestones] == [MilestoneStatus.OPEN]
    finally:
        product.close()
        server.kill()


def task_status(product: DrillProduct) -> MilestoneStatus | None:
    with session_scope(product.database_url) as session:
        row = session.exec(
            select(Milestone).join(Task).where(Task.code == "I.1", Task.title == "Báo cáo nhanh")
        ).first()
        return row.status if row is not None else None
