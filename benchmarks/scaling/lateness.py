"""(d): the lateness of steps due at one instant, on the real clock or the time-skipping server."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import statistics
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select
from temporalio import activity

from benchmarks.scaling.common import (
    ROOT,
    SETTLED_S,
    SIMULATED_YEAR,
    Figures,
    free_port,
    row,
    say,
    seconds,
    spawn,
    stop,
    wait_for_worker,
    wait_planned,
    wait_running,
    wait_until,
    worker_environment,
)
from benchmarks.smtp_sink import SmtpSink
from benchmarks.synthetic_plan import write_synthetic_plan
from control import starting
from control.runtime import build_worker, start_dev_server
from deadlines.local_time import in_vietnam
from models.payloads import (
    DeliveryOutcome,
    MessageBatch,
    MessageKind,
    MessageResult,
    NotificationOutcome,
    NotificationRequest,
    SendResult,
)
from models.tables import NotificationLog, NotificationStatus
from settings import Settings, get_settings
from simulation.clock import start_time_skipping_at
from simulation.real_clock import office_window, write_calendar
from simulation.run import TIMELINE_ACTIONS, local_start
from storage.db import session_scope
from storage.notifications import as_utc


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
    # The four columns alone: the benchmark polls this five times a second through the burst,
    # and loading whole rows (their JSON details) took the CPU of the process beside it.
    with session_scope(settings.resolved_database_url()) as session:
        rows = session.exec(
            select(
                NotificationLog.status,
                NotificationLog.sent_at,
                NotificationLog.scheduled_at,
                NotificationLog.workflow_id,
            ).where(
                NotificationLog.kind == MessageKind.REMINDER.value,
                col(NotificationLog.scheduled_at) >= since.replace(tzinfo=None),
            )
        ).all()
    lateness = [
        (as_utc(sent_at) - as_utc(scheduled_at)).total_seconds()
        for status, sent_at, scheduled_at, _task in rows
        if status is NotificationStatus.SENT and sent_at is not None
    ]
    tasks = len({task for status, _s, _d, task in rows if status is NotificationStatus.SENT})
    queued = sum(1 for status, *_rest in rows if status is NotificationStatus.QUEUED)
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
    with SmtpSink(folder) as smtp:
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
        command = [sys.executable, str(ROOT / "worker.py")]
        workers = [spawn(command, env, folder, "worker")]
        try:
            await wait_for_worker(dev.client, settings.task_queue)
            # The others once the first has migrated the database: two would migrate it at once.
            workers += [
                spawn(command, env, folder, f"worker-{number}")
                for number in range(2, args.workers + 1)
            ]
            await wait_for_worker(dev.client, settings.task_queue, count=args.workers)
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
            for worker in workers:
                stop(worker)
    return RealTimeLateness(lateness, total, planned - began, window_s, total - sent_tasks)


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
