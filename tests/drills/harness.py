"""The real parts the drills put faults into, each on 127.0.0.1: the Temporal dev server from the
pip package (a process of its own, so it can be killed), `worker.py` in processes of their own,
a real SMTP server counting every message it accepts, and a SQLite database holding a plan.

Every process is started here and ended here, by its own id.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time as monotonic_time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowHandle

from control.runtime import DEV_SERVER_PRAGMAS, bundled_binary, connect
from control.serving import POLLED_WITHIN
from deadlines.local_time import local_day
from models.payloads import MessageKind, NotificationRequest
from models.tables import NotificationLog
from notifications.channels import message_id
from plan_import import read_plan
from plan_import.units import load_unit_directory
from settings import DATA_DIR, PROJECT_ROOT, Settings
from simulation.real_clock import working_days_from, write_calendar
from storage.db import session_scope, upgrade_schema
from storage.notifications import notification_history
from storage.plans import store_plan
from tests.drills.workflows import DrillSendInput
from tests.notifications.servers import SmtpServer, free_port
from workflows import search_attributes

DRILL_WORKER = PROJECT_ROOT / "tests" / "drills" / "drill_worker.py"
# The units the drills' messages go to, each with its own address on the SMTP server.
UNITS = ("ttlt", "van-phong", "phong-tcbc", "phong-ccvc", "ban-ton-giao", "ban-tdkt")

# A machine shared by several test runs (2 cores, a CPU hog beside the suite) is slower than the
# one the product's timeouts were chosen on: a drill waits for what those timeouts allow, this
# many times over, before it calls the wait a failure.
SLOW_MACHINE = 3.0


def patience(*spans: timedelta | float) -> float:
    """Seconds to wait for something the product bounds by `spans` (timeouts, intervals, in
    seconds when plain numbers), with room for a slow machine."""
    return SLOW_MACHINE * sum(
        span.total_seconds() if isinstance(span, timedelta) else span for span in spans
    )


async def eventually(check: Callable[[], bool], *, seconds: float, what: str) -> float:
    """Waits until `check()`; returns how long it took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not check():
        if loop.time() - started > seconds:
            raise AssertionError(f"{what}: not within {seconds:.0f} s")
        await asyncio.sleep(0.05)
    return loop.time() - started


class DevServer:
    """`temporal server start-dev` on its SQLite file, as `scheduler.py run` starts it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.database = root / "temporal.db"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        attributes = [
            argument
            for key in search_attributes.ALL
            for argument in ("--search-attribute", f"{key.name}={key._metadata_type}")
        ]
        self.root.mkdir(parents=True, exist_ok=True)
        log = (self.root / "temporal.log").open("ab")
        self.process = subprocess.Popen(
            [
                bundled_binary("temporal"),
                "server",
                "start-dev",
                "--headless",
                "--ip",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--db-filename",
                str(self.database),
                "--log-level",
                "error",
                *attributes,
                *DEV_SERVER_PRAGMAS,
            ],
            stdout=log,
            stderr=log,
        )

    def kill(self) -> None:
        """SIGKILL: no chance to flush or say goodbye."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    async def client(self, settings: Settings, *, within: float = 30) -> Client:
        deadline = monotonic_time.monotonic() + within
        while True:
            try:
                return await connect(settings)
            except RuntimeError:
                if monotonic_time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)


@dataclass
class WorkerProcess:
    """`worker.py` (with the drills' workflow) in a process of its own."""

    environment: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(DRILL_WORKER)],
                env={**os.environ, **self.environment},
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=PROJECT_ROOT,
            )

    def signal(self, number: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    def wait(self, seconds: float = 60) -> int:
        assert self.process is not None
        code = self.process.wait(timeout=seconds)
        self.process = None
        return code

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None


@dataclass
class DrillProduct:
    """The product as one drill runs it: a database (SQLite or PostgreSQL) holding the bundled
    plan moved to this year, contacts pointing every unit at a real SMTP server (the
    coordinator at an outbox folder), a calendar where today and the two days after it are
    working days and office hours all day, its own task queue."""

    name: str
    root: Path
    server: DevServer
    smtp: SmtpServer = field(default_factory=SmtpServer)
    main_channel_failures: int = 3
    max_failures: int = 6
    workers: list[WorkerProcess] = field(default_factory=list)
    # The present instant (the real clock's when None): the calendar is laid around it.
    now: datetime | None = None
    # The application database: a SQLite file of its own when empty, else this URL (an empty
    # PostgreSQL database, as docker-compose deploys).
    database_url: str = ""

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        now = self.now or datetime.now(UTC)
        self.today = local_day(now)
        # A day whose deadline lies ahead whenever the drill runs: tomorrow (a working day, as
        # are today and the day after it, so that a drill run across midnight is not held).
        self.due_day = self.today + timedelta(days=1)
        self.database_url = self.database_url or f"sqlite:///{self.root / 'nhachan.db'}"
        upgrade_schema(self.database_url)
        directory = load_unit_directory(DATA_DIR / "units.yaml")
        self.plan = read_plan(
            DATA_DIR / "plans" / "snv-binh-dinh-cchc-2023.txt", year=self.today.year
        )
        with session_scope(self.database_url) as session:
            store_plan(session, imported=self.plan, directory=directory)
        calendar = write_calendar(self.root / "calendar", working_days_from(now), name="drill day")
        self.smtp.start()
        lines = [
            f"  {unit}:\n    - {self.smtp.url(f'{unit}@snv.binhdinh.gov.vn')}" for unit in UNITS
        ]
        self.contacts = self.root / "contacts.yaml"
        self.contacts.write_text(
            "units:\n"
            + "\n".join(lines)
            + f"\n  cchc-vtlt:\n    - outbox://{self.root / 'coordinator'}\n",
            encoding="utf-8",
        )
        self.settings = Settings(
            database_url=self.database_url,
            var_dir=self.root / "var",
            temporal_address=self.server.address,
            task_queue=f"drill-{self.name}",
            contacts=self.contacts,
            calendar_dir=calendar,
            office_opens=time(0, 0),
            office_closes=time(23, 59, 59),
            notify_main_channel_failures=self.main_channel_failures,
            notify_max_failures=self.max_failures,
        )

    def environment(self) -> dict[str, str]:
        settings = self.settings
        return {
            "NHACHAN_DATABASE_URL": settings.resolved_database_url(),
            "NHACHAN_VAR_DIR": str(settings.var_dir),
            "NHACHAN_TEMPORAL_ADDRESS": settings.temporal_address,
            "NHACHAN_TASK_QUEUE": settings.task_queue,
            "NHACHAN_CONTACTS": str(self.contacts),
            "NHACHAN_CALENDAR_DIR": str(settings.calendar_dir),
            "NHACHAN_POLICY_FILE": str(settings.policy_file),
            "NHACHAN_OFFICE_OPENS": settings.office_opens.isoformat(),
            "NHACHAN_OFFICE_CLOSES": settings.office_closes.isoformat(),
            "NHACHAN_NOTIFY_MAIN_CHANNEL_FAILURES": str(settings.notify_main_channel_failures),
            "NHACHAN_NOTIFY_MAX_FAILURES": str(settings.notify_max_failures),
        }

    async def polled(self, client: Client, *, count: int = 1) -> None:
        """Until `count` workers have polled the drill's task queue. (The server answers for one
        partition of the queue; a worker's polls reach it sooner or later.)"""
        request = DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=self.settings.task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        )
        deadline = monotonic_time.monotonic() + patience(POLLED_WITHIN)
        seen: set[str] = set()
        while True:
            described = await client.workflow_service.describe_task_queue(request)
            seen |= {poller.identity for poller in described.pollers}
            if len(seen) >= count:
                return
            if monotonic_time.monotonic() > deadline:
                raise AssertionError(f"{count} worker(s) do not poll {self.settings.task_queue}")
            await asyncio.sleep(0.2)

    def worker(self) -> WorkerProcess:
        number = len(self.workers) + 1
        worker = WorkerProcess(self.environment(), self.root / f"worker-{number}.log")
        self.workers.append(worker)
        worker.start()
        return worker

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.smtp.stop()

    # ----------------------------------------------------------------------- the messages

    def requests(self, count: int, *, tag: str = "burst") -> list[NotificationRequest]:
        """`count` reminders, each about a task of the plan, spread over the units."""
        now = datetime.now(UTC)
        tasks = self.plan.tasks
        requests = []
        for number in range(count):
            task = tasks[number % len(tasks)]
            unit = UNITS[number % len(UNITS)]
            workflow_id = f"drill-{self.name}/{tag}/{number}"
            requests.append(
                NotificationRequest(
                    key=f"{workflow_id}/1/{MessageKind.REMINDER}/lead/{now.isoformat()}",
                    workflow_id=workflow_id,
                    kind=MessageKind.REMINDER,
                    plan_key=self.plan.key,
                    task_code=task.code,
                    task_title=task.title,
                    milestone_key="1",
                    milestone_label=task.deadline_text,
                    scheduled_at=now,
                    recipients=[unit],
                    due_at=now + timedelta(days=10),
                    evidence_hint="Văn bản có số, ngày ban hành",
                )
            )
        return requests

    async def start(
        self, client: Client, requests: list[NotificationRequest], *, wait_seconds: float = 0
    ) -> list[WorkflowHandle[object, str]]:
        return list(
            await asyncio.gather(
                *(
                    client.start_workflow(
                        "DrillSend",
                        DrillSendInput(request, wait_seconds),
                        id=request.workflow_id,
                        task_queue=self.settings.task_queue,
                        result_type=str,
                    )
                    for request in requests
                )
            )
        )

    def rows(self) -> list[NotificationLog]:
        with session_scope(self.database_url) as session:
            return notification_history(session, limit=10_000)

    def expected_ids(self, requests: list[NotificationRequest]) -> set[str]:
        return {
            message_id(f"{request.key}|{request.recipients[0]}", "127.0.0.1")
            for request in requests
        }

    def copies(self) -> Counter[str]:
        """How many times the SMTP server accepted each Message-ID."""
        return Counter(str(mail.message["Message-ID"]) for mail in self.smtp.mails)

    def uncertain(self) -> dict[str, int]:
        """Message-ID -> uncertain attempts, for the rows that had one."""
        return {
            message_id(row.key, "127.0.0.1"): row.uncertain_attempts
            for row in self.rows()
            if row.uncertain_attempts
        }


def worker_log(product: DrillProduct) -> str:
    """Every worker's output, for a failing drill's message."""
    return "\n".join(
        f"--- {worker.log.name}\n{worker.log.read_text(errors='replace')[-3000:]}"
        for worker in product.workers
        if worker.log.exists()
    )
