"""How the engine scales: `python benchmarks/scale.py --tasks N` (see docs/BENCHMARKS.md).

On one Temporal dev server, in one run, against the product's own worker (`worker.py`, run as
a process of its own so that its memory is its alone):

(a) the anchor: N workflows that only wait, taking the tasks' own inputs and search attributes,
    started one by one and then with a bounded number in flight; then the plan: `start` of a
    synthetic plan of N tasks in the seed's layout. For each: starts per second, and the time
    from the first start until every one has planned itself: until visibility counts every one
    with the search attribute its first workflow task upserts (the anchor's NhachanNextDue, a
    task's NhachanGeneration). Not the database: the starter writes each task's projection
    before it starts the task (workflows/first_plan.py), so a state there says nothing of the
    task having run. The ratio is the plan's start rate against the anchor's concurrent one;
    the planned ratio, the anchor's time until all planned over the plan's;
(b) the worker's peak resident memory (VmHWM) once the N tasks have planned themselves;
(c) an event that a second plan of 1,000 tasks waits on: the time from triggering it until the
    database shows every one of them running its clock; and its anchor, as many anchors waiting
    on it, signalled from the benchmark's client with as many in flight as the engine's routing
    (the setting event_routing_in_flight), until every one has recorded it;

then, with that dev server and worker stopped:

(d) the lateness of steps due at one instant under the load of N tasks (or --lateness-tasks),
    p50 and p99. By default on a dev server and worker of their own, on the real clock: a plan
    of today whose every task's reminder falls due at the same instant, a few minutes after the
    start (--lateness-window, once every task has planned itself), as the first working morning
    of a month does; a reminder's lateness is when the notification log shows it sent against
    its scheduled instant. With --lateness-clock skipping, on the time-skipping test server
    instead: the plan in 2023 over its first --lateness-days days, each step's notification
    activity started against the step's instant (the test server gives way at a few thousand
    tasks);
(e) one simulated year of the seed plan (as benchmarks/simulate_year.py).

--phases runs some of them only (e.g. `c`, the fan-out alone; `b`, the plan and the worker's
memory without the anchors).

Prints the figures as a table and, as its last line, one JSON object. Progress goes to stderr.
No target is asserted: docs/BENCHMARKS.md holds the targets and the latest figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import col, select  # noqa: E402
from temporalio import activity  # noqa: E402
from temporalio.api.enums.v1 import TaskQueueType  # noqa: E402
from temporalio.api.taskqueue.v1 import TaskQueue  # noqa: E402
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest  # noqa: E402
from temporalio.client import Client  # noqa: E402
from temporalio.common import WorkflowIDReusePolicy  # noqa: E402

from benchmarks.anchor import ANCHOR_WORKFLOW  # noqa: E402
from benchmarks.smtp_sink import SmtpSink  # noqa: E402
from benchmarks.synthetic_plan import write_synthetic_plan  # noqa: E402
from control import operations, starting  # noqa: E402
from control.permissions import Actor  # noqa: E402
from control.runtime import build_worker, exit_without_finalizing, start_dev_server  # noqa: E402
from deadlines.local_time import in_vietnam, local_day  # noqa: E402
from models.payloads import (  # noqa: E402
    DeliveryOutcome,
    MessageBatch,
    MessageKind,
    MessageResult,
    NotificationOutcome,
    NotificationRequest,
    SendResult,
)
from models.statuses import DisplayStatus  # noqa: E402
from models.tables import NotificationLog, NotificationStatus, Plan, Task, UnitRole  # noqa: E402
from models.workflow_messages import EventOccurrence, TaskWorkflowInput  # noqa: E402
from plan_import.units import load_unit_directory  # noqa: E402
from settings import Settings, get_settings  # noqa: E402
from simulation.clock import start_time_skipping_at  # noqa: E402
from simulation.real_clock import office_window, write_calendar  # noqa: E402
from simulation.run import TIMELINE_ACTIONS, local_start, simulated_plan  # noqa: E402
from storage.db import session_scope  # noqa: E402
from storage.notifications import as_utc  # noqa: E402
from workflows.search_attributes import initial_search_attributes  # noqa: E402

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


async def wait_for_worker(client: Client, task_queue: str) -> None:
    async def polled() -> bool:
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        return bool(response.pollers)

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


# ----------------------------------------------------------------------------- (a) the anchor


async def anchor_run(
    client: Client, inputs: Sequence[TaskWorkflowInput], in_flight: int, timeout: float
) -> tuple[float, float]:
    """Starts per second and seconds until every anchor has planned itself."""
    semaphore = asyncio.Semaphore(in_flight)

    async def start(input: TaskWorkflowInput) -> None:
        async with semaphore:
            await client.start_workflow(
                ANCHOR_WORKFLOW,
                input,
                id=f"{input.plan_key}/{input.task_code}",
                task_queue=ANCHOR_QUEUE,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=initial_search_attributes(input),
            )

    plan_key = inputs[0].plan_key
    query = f'NhachanPlan = "{plan_key}" AND NhachanNextDue IS NOT NULL'

    async def all_planned() -> bool:
        return (await client.count_workflows(query)).count >= len(inputs)

    began = time.perf_counter()
    if in_flight == 1:
        for input in inputs:
            await start(input)
    else:
        await asyncio.gather(*(start(input) for input in inputs))
    started = time.perf_counter()
    planned = await wait_until(all_planned, limit=timeout, what="the anchors")
    return len(inputs) / (started - began), planned - began


async def fanout_anchor_run(
    client: Client,
    inputs: Sequence[TaskWorkflowInput],
    event: EventOccurrence,
    in_flight: int,
    timeout: float,
) -> float:
    """Seconds from the first signal of `event` to anchors started from `inputs` (and planned)
    until every one has recorded it, `in_flight` signals at once (as the worker's routing)."""
    await anchor_run(client, inputs, in_flight, timeout)
    semaphore = asyncio.Semaphore(in_flight)

    async def signal(input: TaskWorkflowInput) -> None:
        async with semaphore:
            handle = client.get_workflow_handle(f"{input.plan_key}/{input.task_code}")
            await handle.signal("event_occurred", event)

    plan_key = inputs[0].plan_key
    query = f'NhachanPlan = "{plan_key}" AND NhachanStatus = "{DisplayStatus.ACTIVE}"'

    async def all_took_it() -> bool:
        return (await client.count_workflows(query)).count >= len(inputs)

    began = time.perf_counter()
    await asyncio.gather(*(signal(input) for input in inputs))
    took = await wait_until(all_took_it, limit=timeout, what="the fan-out's anchors")
    return took - began


# ----------------------------------------------------------------------------- (d) lateness


class LatenessRecorder:
    """Stands in for `send_notification` on the time-skipping server: records how late each step
    was sent (activity started against the step's instant), for steps due after `since`."""

    def __init__(self) -> None:
        self.since: datetime | None = None
        self.lateness: list[float] = []
        self._seen: set[str] = set()

    @activity.defn(name="send_notification")
    def send_notification(self, request: NotificationRequest) -> NotificationOutcome:
        if request.key not in self._seen:
            self._seen.add(request.key)
            since = self.since
            regular = request.kind in TIMELINE_ACTIONS
            if since is not None and regular and request.scheduled_at >= since:
                started = activity.info().started_time
                self.lateness.append((started - request.scheduled_at).total_seconds())
        return NotificationOutcome(
            key=request.key, per_unit={u: DeliveryOutcome.SENT for u in request.recipients}
        )

    @activity.defn(name="send_messages")
    def send_messages(self, batch: MessageBatch) -> list[MessageResult]:
        """A task's messages of one instant: each recorded as `send_notification` records it."""
        for message in batch.messages:
            self.send_notification(message.request)
        return [MessageResult(m.request.key, SendResult.SETTLED) for m in batch.messages]


def percentile(values: Sequence[float], fraction: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


async def measure_lateness(
    settings: Settings, plan_path: Path, folder: Path, days: int, timeout: float
) -> tuple[list[float], int, float]:
    """Lateness of every step sent; also the tasks started and the seconds it took."""
    start_at = local_start(date(SIMULATED_YEAR, 1, 1))
    sim_settings = settings.model_copy(
        update={
            "var_dir": folder,
            "database_url": f"sqlite:///{folder / 'lateness.db'}",
            "task_queue": "nhachan-benchmark-lateness",
        }
    )
    recorder = LatenessRecorder()
    env = await start_time_skipping_at(start_at)
    async with env:
        with ThreadPoolExecutor(max_workers=16) as executor:
            worker = build_worker(
                env.client,
                sim_settings,
                executor=executor,
                extra_activities=[recorder.send_notification, recorder.send_messages],
                replace_notifications=True,
            )
            async with worker:
                began = time.perf_counter()
                report = await starting.start_plan(
                    env.client, sim_settings, plan_path, year=SIMULATED_YEAR, with_digest=False
                )
                total = len(report.started)

                planned = await wait_planned(
                    sim_settings, report.plan_key, total, limit=timeout, what="the lateness plan"
                )
                recorder.since = await env.get_current_time()
                say(
                    f"(d) {total} tasks planned on the time-skipping server in "
                    f"{planned - began:.1f} s; skipping {days} days from "
                    f"{recorder.since.isoformat()}"
                )
                target = start_at + timedelta(days=days)
                now = recorder.since
                while now < target:
                    # A day at a time: one call that skips over many tasks' timers can outlast
                    # the test server's call timeout.
                    await env.sleep(min(target - now, timedelta(days=1)))
                    now = await env.get_current_time()
    return recorder.lateness, total, planned - began


# ------------------------------------------------------------------- (d) lateness, real time


@dataclasses.dataclass
class RealTimeLateness:
    lateness: list[float]
    tasks: int
    # Seconds from the first start until every task had planned itself, and until the steps.
    planned_s: float
    window_s: float
    # Tasks with no step sent when the phase ended (0 when all were).
    unsent: int
    # At the SMTP server on loopback every message goes to: how many it accepted, and how many
    # of them it accepted twice (by Message-ID); against the log's messages sent.
    accepted: int = 0
    doubled: int = 0
    logged: int = 0


def real_time_settings(
    base: Settings, folder: Path, window: float, *, now: datetime
) -> tuple[Settings, datetime, str]:
    """Settings whose plan sends every task's on-due-day reminder at one instant, at least
    `window` seconds after `now`, at any hour: the instant's day (and the days after it) are
    working days, the office opens at midnight and closes a quarter of an hour after the instant
    (the deadline "ngày <day>" is that close; a window that would cross midnight in Vietnam
    starts just after it), every step of the policy falls at the instant, and no other reminder
    comes before it. Also the instant (UTC) and the deadline text."""
    office = office_window(now, timedelta(seconds=window), timedelta(minutes=15))
    calendar = write_calendar(folder / "calendar", office.days(), name="benchmark")
    at = f"{office.at.hour:02d}:{office.at.minute:02d}:{office.at.second:02d}"
    policy = folder / "policy.yaml"
    # Every step at the instant: the worker refuses a policy with a step outside office hours.
    policy.write_text(
        f'reminders: {{working_days_before: [], on_due_day: true, at: "{at}"}}\n'
        f'escalations: {{at: "{at}"}}\ncheck_ins: {{at: "{at}"}}\nnudges: {{at: "{at}"}}\n',
        encoding="utf-8",
    )
    settings = base.model_copy(
        update={
            "var_dir": folder / "var",
            "database_url": f"sqlite:///{folder / 'var' / 'nhachan.db'}",
            "temporal_address": f"127.0.0.1:{free_port()}",
            "temporal_ui_port": free_port(),
            "task_queue": "nhachan-benchmark-lateness",
            "contacts": None,
            "calendar_dir": calendar,
            "policy_file": policy,
            "office_opens": office.opens,
            "office_closes": office.closes,
        }
    )
    # The synthetic plan is written in the seed's year: `start` moves its dates to this year.
    return settings, office.at.astimezone(UTC), office.deadline_text(SIMULATED_YEAR)


def sent_messages(settings: Settings) -> int:
    """Every message the log shows sent, one per unit, of every kind."""
    with session_scope(settings.resolved_database_url()) as session:
        rows = session.exec(
            select(NotificationLog.key).where(NotificationLog.status == NotificationStatus.SENT)
        ).all()
    return len(rows)


def sent_reminders(settings: Settings, since: datetime) -> tuple[list[float], int, int]:
    """Lateness of each reminder sent for `since` or later (sent against scheduled), the
    tasks they came from, and the reminders still queued."""
    with session_scope(settings.resolved_database_url()) as session:
        rows = session.exec(
            select(NotificationLog).where(
                NotificationLog.kind == MessageKind.REMINDER.value,
                col(NotificationLog.scheduled_at) >= since.replace(tzinfo=None),
            )
        ).all()
    lateness = [
        (as_utc(row.sent_at) - as_utc(row.scheduled_at)).total_seconds()
        for row in rows
        if row.status is NotificationStatus.SENT and row.sent_at is not None
    ]
    tasks = len({row.workflow_id for row in rows if row.status is NotificationStatus.SENT})
    queued = sum(1 for row in rows if row.status is NotificationStatus.QUEUED)
    return lateness, tasks, queued


class PlannedTooLate(TimeoutError):
    """The tasks planned themselves after their reminders' instant: the window was too short
    for this machine now."""

    def __init__(self, took: float, window: float) -> None:
        super().__init__(
            f"the tasks planned themselves after their reminders' instant ({took:.0f} s from the "
            f"window's start, window {window:.0f} s): give --lateness-window"
        )
        self.took = took


# Windows (d) tries on the real clock: each after the first twice what the last one needed.
REAL_TIME_TRIES = 3


async def measure_lateness_real_time(
    args: argparse.Namespace, tasks: int, folder: Path
) -> RealTimeLateness:
    """(d) on a dev server of its own, on the real clock: a plan of `tasks` tasks whose
    reminders all fall due at one instant once they have planned themselves. A loaded machine
    that plans them after the instant gets a longer window (what it took, twice), not a
    failure."""
    window = args.lateness_window or max(180.0, 0.4 * tasks)
    for number in range(1, REAL_TIME_TRIES + 1):
        try:
            return await _lateness_real_time(args, tasks, folder / f"try-{number}", window)
        except PlannedTooLate as late:
            if number == REAL_TIME_TRIES:
                raise
            say(f"(d) {late}; again with a window of {2 * late.took:.0f} s")
            window = 2 * late.took
    raise AssertionError("unreachable")


async def _lateness_real_time(
    args: argparse.Namespace, tasks: int, folder: Path, window: float
) -> RealTimeLateness:
    folder.mkdir(parents=True, exist_ok=True)
    window_began = time.perf_counter()
    settings, instant, deadline = real_time_settings(
        get_settings(), folder, window, now=datetime.now(UTC)
    )
    plan_path = write_synthetic_plan(folder, tasks, subject=f"đúng giờ {tasks}", deadline=deadline)
    env = worker_environment(settings, args)
    env.update(
        NHACHAN_CALENDAR_DIR=str(settings.calendar_dir),
        NHACHAN_POLICY_FILE=str(settings.policy_file),
        NHACHAN_OFFICE_OPENS=settings.office_opens.isoformat(),
        NHACHAN_OFFICE_CLOSES=settings.office_closes.isoformat(),
    )
    say(f"(d) real time: {tasks} tasks, every reminder due at {instant.isoformat()}")
    with SmtpSink() as smtp:
        env.update(NHACHAN_CONTACTS=str(smtp.write_contacts(folder / "contacts.yaml")))
        real = await _lateness_at_the_instant(
            args, settings, env, plan_path, instant, folder, window=window, began=window_began
        )
        real.accepted, real.doubled = smtp.accepted, smtp.doubled
    real.logged = sent_messages(settings)
    return real


async def _lateness_at_the_instant(
    args: argparse.Namespace,
    settings: Settings,
    env: dict[str, str],
    plan_path: Path,
    instant: datetime,
    folder: Path,
    *,
    window: float,
    began: float,
) -> RealTimeLateness:
    """The plan started, planned and its burst sent, on a dev server and worker of their own;
    `began` is when the window did (perf_counter)."""
    window_began = began
    async with await start_dev_server(settings) as dev:
        worker = spawn([sys.executable, str(ROOT / "worker.py")], env, folder, "worker")
        try:
            await wait_for_worker(dev.client, settings.task_queue)
            began = time.perf_counter()
            year = in_vietnam(instant).year
            report = await starting.start_plan(
                dev.client, settings, plan_path, year=year, with_digest=False
            )
            total = len(report.started)

            planned = await wait_running(
                dev.client, report.plan_key, total, limit=args.timeout, what="the lateness plan"
            )
            window_s = (instant - datetime.now(UTC)).total_seconds() + (time.perf_counter() - began)
            say(f"(d) {total} tasks planned in {planned - began:.1f} s")
            if datetime.now(UTC) >= instant:
                raise PlannedTooLate(planned - window_began, window)

            # How many were sent at the last look, and since when.
            seen = [-1.0, 0.0]

            async def all_sent() -> bool:
                if datetime.now(UTC) < instant:
                    return False
                lateness, sent_tasks, queued = sent_reminders(settings, instant)
                # A task's next message of the instant has no row until its batch reaches it:
                # done once nothing is queued and no row has come for SETTLED_S.
                if len(lateness) != seen[0]:
                    seen[:] = [len(lateness), time.perf_counter()]
                settled = time.perf_counter() - seen[1] >= SETTLED_S
                return sent_tasks >= total and queued == 0 and settled

            with contextlib.suppress(TimeoutError):
                await wait_until(
                    all_sent,
                    limit=(instant - datetime.now(UTC)).total_seconds() + args.timeout,
                    what="the reminders",
                )
            lateness, sent_tasks, _queued = sent_reminders(settings, instant)
        finally:
            stop(worker)
    return RealTimeLateness(lateness, total, planned - began, window_s, total - sent_tasks)


# ----------------------------------------------------------------------------- (e) the seed year


async def seed_year(settings: Settings) -> float:
    start = local_start(date(SIMULATED_YEAR, 1, 1))
    async with simulated_plan(SEED, start_at=start, settings=settings, year=SIMULATED_YEAR) as sim:
        began = time.perf_counter()
        await sim.sleep_until(local_start(date(SIMULATED_YEAR + 1, 1, 1)))
        return time.perf_counter() - began


# ----------------------------------------------------------------------------- the run


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


@dataclasses.dataclass
class Anchors:
    """(a)'s anchors: the concurrent start rate and time until all planned, the one-by-one
    rate, and the lines of the table."""

    rate: float
    planned_s: float
    sequential_rate: float
    lines: list[str]


async def anchor_phase(
    client: Client, settings: Settings, args: argparse.Namespace, plan_path: Path
) -> Anchors:
    """The anchors of (a): one by one, then `--in-flight` at once."""
    one_by_one = task_inputs(settings, plan_path, args.year, "benchmark-anchor-one-by-one")
    sequential_rate, sequential_planned = await anchor_run(client, one_by_one, 1, args.timeout)
    say(f"(a) anchor one by one: {sequential_rate:.0f}/s, {sequential_planned:.1f} s")
    bounded = task_inputs(settings, plan_path, args.year, "benchmark-anchor-concurrent")
    rate, planned = await anchor_run(client, bounded, args.in_flight, args.timeout)
    say(f"(a) anchor, {args.in_flight} in flight: {rate:.0f}/s, {planned:.1f} s")
    lines = [
        row(
            "(a) anchor one by one",
            f"{sequential_rate:.1f} starts/s",
            f"all planned in {sequential_planned:.1f} s",
        ),
        row(
            f"(a) anchor, {args.in_flight} in flight",
            f"{rate:.1f} starts/s",
            f"all planned in {planned:.1f} s",
        ),
    ]
    return Anchors(rate, planned, sequential_rate, lines)


def routing_in_flight(args: argparse.Namespace) -> int:
    """The signals the worker's routing keeps in flight: its setting, or the one tried."""
    in_flight = get_settings().event_routing_in_flight
    for setting in args.worker_setting:
        name, _, value = setting.partition("=")
        if name.lower() == "event_routing_in_flight":
            in_flight = int(value)
    return in_flight


async def on_dev_server(args: argparse.Namespace, figures: Figures, folder: Path) -> list[str]:
    """(a), (b), (c); the lines of the table they fill."""
    var = folder / "var"
    settings = get_settings().model_copy(
        update={
            "var_dir": var,
            "database_url": f"sqlite:///{var / 'nhachan.db'}",
            "temporal_address": f"127.0.0.1:{free_port()}",
            "temporal_ui_port": free_port(),
            "task_queue": "nhachan-benchmark",
            "contacts": None,
        }
    )
    plan_path = write_synthetic_plan(folder, args.tasks, subject=f"quy mô {args.tasks}")
    fanout_path = write_synthetic_plan(
        folder, args.fanout, subject="lan tỏa", deadline=FANOUT_DEADLINE
    )
    env = worker_environment(settings, args)
    lines: list[str] = []
    say(f"dev server on {settings.temporal_address}, state in {var}")
    async with await start_dev_server(settings) as dev:
        client = dev.client
        anchor_worker = spawn(
            [sys.executable, "-m", "benchmarks.anchor", settings.temporal_address, ANCHOR_QUEUE],
            env,
            folder,
            "anchor-worker",
        )
        worker = spawn([sys.executable, str(ROOT / "worker.py")], env, folder, "worker")
        try:
            await wait_for_worker(client, ANCHOR_QUEUE)
            await wait_for_worker(client, settings.task_queue)
            idle_mib = memory_mib(worker.pid, "VmRSS")
            say(f"workers polling; the product's worker holds {idle_mib:.0f} MiB")

            year = args.year
            running = 0
            if {"a", "b"} & set(args.phases):
                if "a" in args.phases:
                    floor = await anchor_phase(client, settings, args, plan_path)
                    lines += floor.lines

                began = time.perf_counter()
                report = await starting.start_plan(client, settings, plan_path, year=year)
                started = time.perf_counter()
                started_count = running = len(report.started)
                say(f"(a) plan: {started_count} tasks started in {started - began:.1f} s")

                planned = await wait_running(
                    client,
                    report.plan_key,
                    started_count,
                    limit=args.timeout,
                    what="the plan's tasks",
                )
                figures.plan_per_s = started_count / (started - began)
                figures.planned_s = planned - began
                figures.rss_mb = memory_mib(worker.pid, "VmHWM")
                say(
                    f"(a) every task planned after {figures.planned_s:.1f} s; "
                    f"(b) the worker's peak: {figures.rss_mb:.0f} MiB"
                )
                lines.append(
                    row(
                        f"(a) plan `start`, {started_count} tasks",
                        f"{figures.plan_per_s:.1f} tasks/s",
                        f"all planned in {figures.planned_s:.1f} s",
                    )
                )
                if "a" in args.phases:
                    figures.anchor_per_s = floor.rate
                    figures.ratio = figures.plan_per_s / floor.rate
                    figures.planned_ratio = floor.planned_s / figures.planned_s
                    lines += [
                        row(
                            "(a) ratio to the anchor",
                            f"{figures.ratio:.2f}",
                            f"{figures.plan_per_s / floor.sequential_rate:.2f} to one by one",
                        ),
                        row(
                            "(a) planned ratio to the anchor",
                            f"{figures.planned_ratio:.2f}",
                            f"{floor.planned_s:.1f} s against {figures.planned_s:.1f} s",
                        ),
                    ]
                lines.append(
                    row(
                        "(b) worker memory",
                        f"{figures.rss_mb:.0f} MiB peak",
                        f"{idle_mib:.0f} MiB before the plan",
                    )
                )

            if "c" in args.phases:
                fanout_began = time.perf_counter()
                fanout = await starting.start_plan(client, settings, fanout_path, year=year)
                fanout_count = len(fanout.started)

                await wait_running(
                    client,
                    fanout.plan_key,
                    fanout_count,
                    limit=args.timeout,
                    what="the fan-out plan's tasks",
                )
                say(
                    f"(c) {fanout_count} tasks wait, "
                    f"ready in {time.perf_counter() - fanout_began:.1f} s"
                )
                imported = starting.load_plan_for_start(
                    fanout_path, year=year, directory=load_unit_directory(settings.units_file)
                )
                subscription = starting.event_subscriptions(imported, settings)[0]
                today = local_day(datetime.now(UTC))
                event = EventOccurrence(
                    key=subscription.event_key,
                    occurred_on=today,
                    decision="benchmark",
                    due_on=today + timedelta(days=30) if subscription.needs_due_date else None,
                )
                anchors = task_inputs(settings, fanout_path, year, "benchmark-anchor-fanout")
                in_flight = routing_in_flight(args)
                figures.fanout_anchor_s = await fanout_anchor_run(
                    client, anchors, event, in_flight, args.timeout
                )
                say(
                    f"(c) anchor: {len(anchors)} took the event after "
                    f"{figures.fanout_anchor_s:.1f} s"
                )
                triggered = time.perf_counter()
                routed_to = await operations.trigger_event(
                    client, fanout.plan_key, event, actor=Actor("benchmark", UnitRole.COORDINATOR)
                )
                routed = time.perf_counter()

                async def reacted() -> bool:
                    moved = count_tasks(
                        settings, fanout.plan_key, lambda s: s != DisplayStatus.WAITING_EVENT
                    )
                    return moved >= fanout_count

                all_reacted = await wait_until(reacted, limit=args.timeout, what="the fan-out")
                figures.fanout_tasks = fanout_count
                figures.fanout_s = all_reacted - triggered
                peak_mib = memory_mib(worker.pid, "VmHWM")
                say(
                    f"(c) event routed to {len(routed_to.tasks)} in {routed - triggered:.1f} s, "
                    f"all reacted after {figures.fanout_s:.1f} s"
                )
                lines += [
                    row(
                        f"(c) anchor, event to {len(anchors)}",
                        f"{figures.fanout_anchor_s:.1f} s until all took it",
                        f"signalled by the benchmark, {in_flight} in flight",
                    ),
                    row(
                        f"(c) event to {fanout_count} tasks",
                        f"{figures.fanout_s:.1f} s until all reacted",
                        f"the plan routed it in {routed - triggered:.1f} s; "
                        f"{figures.fanout_s / figures.fanout_anchor_s:.2f}× the anchor",
                    ),
                    row(
                        "(b) worker memory at the end",
                        f"{peak_mib:.0f} MiB peak",
                        f"with {running + fanout_count} tasks",
                    ),
                ]
        finally:
            stop(worker)
            stop(anchor_worker)
    return lines


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def row(what: str, figure: str, detail: str = "") -> str:
    return f"{what:<34} {figure:<28} {detail}"


async def lateness_phase(args: argparse.Namespace, figures: Figures, folder: Path) -> str:
    """(d) on the clock --lateness-clock names; the line of the table. A failure (the test
    server gives way under thousands of tasks; a window too short) leaves its figures out and
    keeps those already measured."""
    tasks = args.lateness_tasks or args.tasks
    what = f"(d) step lateness, {tasks} tasks"
    try:
        if args.lateness_clock == "real":
            real = await measure_lateness_real_time(args, tasks, folder / "lateness")
            lateness = real.lateness
            unsent = f", {real.unsent} tasks unsent" if real.unsent else ""
            detail = (
                f"{len(lateness)} reminders due at one instant, {real.window_s:.0f} s after "
                f"the start (planned in {real.planned_s:.0f} s{unsent}); the SMTP server "
                f"accepted {real.accepted} ({real.doubled} twice), the log {real.logged} sent"
            )
        else:
            plan_path = write_synthetic_plan(folder, tasks, subject=f"quy mô {tasks}")
            lateness, _total, planning_s = await measure_lateness(
                get_settings(), plan_path, folder / "lateness", args.lateness_days, args.timeout
            )
            detail = (
                f"{len(lateness)} steps over {args.lateness_days} days "
                f"(planned in {planning_s:.0f} s)"
            )
    except Exception as error:
        say(f"(d) failed: {error!r}")
        return row(what, "failed", repr(error))
    figures.lateness_p50_s = percentile(lateness, 0.50)
    figures.lateness_p99_s = percentile(lateness, 0.99)
    shown = f"p50 {seconds(figures.lateness_p50_s)}, p99 {seconds(figures.lateness_p99_s)}"
    say(f"(d) {len(lateness)} steps sent: {shown}")
    return row(what, shown, detail)


async def run(args: argparse.Namespace, folder: Path) -> tuple[Figures, list[str]]:
    figures = Figures(tasks=args.tasks)
    lines = await on_dev_server(args, figures, folder) if set("abc") & set(args.phases) else []
    if "d" in args.phases:
        lines.append(await lateness_phase(args, figures, folder))

    if args.seed_year and "e" in args.phases:
        try:
            figures.seed_year_s = await seed_year(get_settings())
        except Exception as error:
            say(f"(e) failed: {error!r}")
            lines.append(row("(e) a simulated year of the seed", "failed", repr(error)))
        else:
            say(f"(e) one simulated year of the seed: {figures.seed_year_s:.1f} s")
            lines.append(row("(e) a simulated year of the seed", f"{figures.seed_year_s:.1f} s"))
    return figures, lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=500, help="tasks in the synthetic plan")
    parser.add_argument("--fanout", type=int, default=1000, help="tasks waiting on one event")
    parser.add_argument(
        "--in-flight", type=int, default=32, help="starts in flight for the concurrent anchor"
    )
    parser.add_argument(
        "--lateness-days",
        type=int,
        default=31,
        help="simulated days over which lateness is measured",
    )
    parser.add_argument(
        "--year",
        type=int,
        default=date.today().year + 1,
        help="the year the dev-server plans run in (default: next year, see docs/BENCHMARKS.md)",
    )
    parser.add_argument(
        "--lateness-clock",
        choices=("real", "skipping"),
        default="real",
        help="(d) on a dev server of its own, on the real clock, every task's reminder due at "
        "one instant (real), or on the time-skipping test server over --lateness-days days "
        "(skipping; it gives way at a few thousand tasks)",
    )
    parser.add_argument(
        "--lateness-window",
        type=float,
        default=0,
        help="(d) on the real clock: seconds from the start to the reminders' instant, longer "
        "than the tasks take to plan themselves (default: 180, or 0.4 s a task if more)",
    )
    parser.add_argument(
        "--lateness-tasks",
        type=int,
        default=0,
        help="tasks of the plan whose lateness (d) is measured (default: --tasks)",
    )
    parser.add_argument(
        "--worker-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting of the product's worker for this run, e.g. "
        "worker_max_cached_workflows=2000 (repeatable)",
    )
    parser.add_argument(
        "--phases",
        default="abcde",
        help="the phases to run, e.g. `c` for the fan-out alone (default: abcde); figures of "
        "phases left out stay 0 or null",
    )
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds to wait for any one phase"
    )
    parser.add_argument(
        "--seed-year",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="(e) one simulated year of the seed (left out by the smoke test)",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="nhachan-scale-"))
    say(f"working in {folder}")
    # The Temporal servers write their logs to the standard output they inherit: into a file,
    # so that the table and the JSON line stand alone.
    table = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    with (folder / "servers.log").open("wb") as servers_log:
        os.dup2(servers_log.fileno(), sys.stdout.fileno())
        figures, lines = asyncio.run(run(args, folder))
    print(row("measure", "figure", "detail"), file=table)
    print("-" * 100, file=table)
    for line in lines:
        print(line, file=table)
    print(json.dumps(dataclasses.asdict(figures)), file=table)
    table.flush()
    exit_without_finalizing(0)


if __name__ == "__main__":
    main()
