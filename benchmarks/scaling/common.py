"""What every phase of the scale benchmark shares: its figures, its waits and how it runs the
product's worker (benchmarks/scaling/__init__.py says what each phase measures)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlmodel import select
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from control import starting
from models.tables import Plan, Task
from models.workflow_messages import TaskWorkflowInput
from plan_import.units import load_unit_directory
from settings import Settings
from storage.db import session_scope

ROOT = Path(__file__).resolve().parent.parent.parent

SEED = ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt"
ANCHOR_QUEUE = "nhachan-benchmark-anchor"
# Every task of the fan-out plan waits on this one event.
FANOUT_DEADLINE = "Sau khi UBND tỉnh ban hành"
POLL = 0.2
# (d): how long no reminder may have come before the burst counts as over.
SETTLED_S = 3.0
# The seed's year, whose calendar files the project ships: the time-skipping runs start there.
SIMULATED_YEAR = 2023


@dataclasses.dataclass
class Figures:
    tasks: int
    anchor_per_s: float = 0.0
    plan_per_s: float = 0.0
    ratio: float = 0.0
    # The anchor's time until all planned over the plan's, in the same run.
    planned_ratio: float = 0.0
    planned_s: float = 0.0
    # CPU seconds (server, worker and client together) of the concurrent anchors and of the
    # plan, from the first start until all planned.
    anchor_cpu_s: float = 0.0
    plan_cpu_s: float = 0.0
    rss_mb: float = 0.0
    fanout_tasks: int = 0
    fanout_s: float = 0.0
    # The same number of anchors waiting on the event, signalled from the benchmark's client
    # with the routing's bound in flight: until every one has recorded it.
    fanout_anchor_s: float = 0.0
    # None when no step fell in the window.
    lateness_p50_s: float | None = None
    lateness_p99_s: float | None = None
    # None when left out (--no-seed-year).
    seed_year_s: float | None = None


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int | None = None) -> float:
    """The user and system CPU seconds a process (this one when None) has used so far."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_listening(port: int) -> int:
    """The process started with `--port <port>` (the dev server), from /proc."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            arguments = cmdline.read_bytes().split(b"\0")
            if any(
                flag == b"--port" and value == str(port).encode()
                for flag, value in itertools.pairwise(arguments)
            ):
                return int(cmdline.parent.name)
    raise LookupError(f"no process was started with --port {port}")


class CpuMeter:
    """The CPU seconds the server, a worker and this benchmark's client spend over a window:
    what a run costs, which the load of the machine's other work moves far less than times."""

    def __init__(self, server: int, worker: int) -> None:
        self._pids: dict[str, int | None] = {"server": server, "worker": worker, "client": None}
        self._from: dict[str, float] = {}

    def start(self) -> None:
        self._from = {name: cpu_seconds(pid) for name, pid in self._pids.items()}

    def spent(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) - self._from[name] for name, pid in self._pids.items()}


def cpu_detail(spent: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f}" for name, seconds in spent.items())


def memory_mib(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (the peak so far) of a process, in MiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"/proc/{pid}/status has no {field}")


async def wait_until(done: Callable[[], Awaitable[bool]], *, limit: float, what: str) -> float:
    """Polls until `done`; the instant (perf_counter) it was first seen true."""
    deadline = time.perf_counter() + limit
    while not await done():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what}: not done after {limit:.0f} s")
        await asyncio.sleep(POLL)
    return time.perf_counter()


async def wait_for_worker(client: Client, task_queue: str, *, count: int = 1) -> None:
    """Until `count` workers poll `task_queue` (each polls under an identity of its own)."""

    async def polled() -> bool:
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        return len({poller.identity for poller in response.pollers}) >= count

    await wait_until(polled, limit=120, what=f"a worker on {task_queue}")


def count_tasks(settings: Settings, plan_key: str, counted: Callable[[str | None], bool]) -> int:
    # The status column alone: loading the tasks whole five times a second took as much CPU in
    # the benchmark as a fifth of the worker's, on the same 2 cores, while the worker planned.
    with session_scope(settings.resolved_database_url()) as session:
        statuses = session.exec(select(Task.status).join(Plan).where(Plan.key == plan_key)).all()
    return sum(1 for status in statuses if counted(status))


async def wait_running(
    client: Client, plan_key: str, tasks: int, *, limit: float, what: str
) -> float:
    """Until visibility counts each of the plan's `tasks` with the attribute its first workflow
    task upserts (its generation), as the anchors are counted; the instant (perf_counter) it
    first did."""
    query = f'NhachanPlan = "{plan_key}" AND NhachanGeneration IS NOT NULL'

    async def running() -> bool:
        return (await client.count_workflows(query)).count >= tasks

    return await wait_until(running, limit=limit, what=what)


async def wait_planned(
    settings: Settings, plan_key: str, tasks: int, *, limit: float, what: str
) -> float:
    """Until the database shows a state for each of the plan's `tasks`; the instant
    (perf_counter) it first did. On the time-skipping server only, whose visibility counts
    nothing: the starter writes the states before the tasks run, the server skips no time
    before they have."""

    async def planned() -> bool:
        return count_tasks(settings, plan_key, lambda s: s is not None) >= tasks

    return await wait_until(planned, limit=limit, what=what)


def task_inputs(
    settings: Settings, path: Path, year: int, plan_key: str
) -> list[TaskWorkflowInput]:
    """The inputs `start` gives the plan's tasks, under another plan key."""
    directory = load_unit_directory(settings.units_file)
    imported = starting.load_plan_for_start(path, year=year, directory=directory)
    return [
        starting.task_workflow_input(imported, task, directory, plan_key=plan_key)
        for task in imported.tasks
    ]


def spawn(
    arguments: list[str], env: dict[str, str], folder: Path, name: str
) -> subprocess.Popen[bytes]:
    with (folder / f"{name}.log").open("wb") as log:  # the child keeps its own copy
        return subprocess.Popen(arguments, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_environment(settings: Settings, args: argparse.Namespace) -> dict[str, str]:
    """The environment of the product's worker: it reads its settings from there, and only the
    benchmark's (never a .env), with the settings tried on it (--worker-setting)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NHACHAN_")}
    env.update(
        NHACHAN_VAR_DIR=str(settings.var_dir),
        NHACHAN_DATABASE_URL=settings.resolved_database_url(),
        NHACHAN_TEMPORAL_ADDRESS=settings.temporal_address,
        NHACHAN_TASK_QUEUE=settings.task_queue,
    )
    for setting in args.worker_setting:
        name, _, value = setting.partition("=")
        env[f"NHACHAN_{name.upper()}"] = value
    return env


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def row(what: str, figure: str, detail: str = "") -> str:
    return f"{what:<34} {figure:<28} {detail}"
