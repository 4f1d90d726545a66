"""The fault drills, done for real: worker processes killed with SIGKILL or stopped with SIGTERM,
the application database locked by another process, the SMTP server stopped and started, two workers
at once, the Temporal server killed and started again on its file. Every message is counted at
the SMTP server, by its Message-ID (derived from its log key).

What must hold: each message reaches the server once; a second copy only where the kill fell
between the server's acceptance and the log write, then with the same Message-ID and marked in
the log; no workflow fails; a dead worker's sends resume after its heartbeat timeout and one
retry interval (50 s); an outage is one alert
per unit, and what was given up on goes out once the channel is back; every timer fires after a
server restart and the projection catches up. docs/RELIABILITY.md lists them.

The drills are independent (each its own database, SMTP server, task queue and workers; one
dev server shared but the restart drill's) and run at the same time, so that the suite takes
about as long as its longest drill (a worker's death is noticed by its heartbeat timeout, 20 s,
and retried after the retry policy's first interval, 30 s). Every wait follows from those
figures, with room for a loaded machine (harness.patience). They run on SQLite files and on
PostgreSQL databases (what docker-compose deploys), both at once. Measures are printed (`-s`).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from control import operations, starting
from control.permissions import Actor
from models.statuses import MilestoneStatus
from models.tables import Milestone, NotificationLog, NotificationStatus, Task, UnitRole
from models.workflow_messages import EvidenceSubmission
from storage.db import session_scope
from tests.drills.harness import DevServer, DrillProduct, eventually, patience, worker_log
from tests.support.postgres import create_database, private_postgres
from workflows.notification_calls import NOTIFICATION_HEARTBEAT, NOTIFICATION_RETRY

pytestmark = pytest.mark.slow

BURST = 36
# What the engine takes, at least, to send again what a dead worker was sending: the heartbeat
# timeout that tells it the worker died, then the retry policy's first interval (50 s).
DEAD_WORKER_RETRIED = (NOTIFICATION_HEARTBEAT + NOTIFICATION_RETRY.initial_interval).total_seconds()
# A send that fails once more waits the retry policy's second interval as well.
SECOND_RETRY = (
    NOTIFICATION_RETRY.initial_interval * NOTIFICATION_RETRY.backoff_coefficient
).total_seconds()
# How long a drill waits for its messages before it is a failure, not a slow machine: a dead
# worker's sends retried, then once more, with room for a loaded machine.
PATIENCE = patience(DEAD_WORKER_RETRIED, SECOND_RETRY)
# How long the drill's other process holds the database: longer than the heartbeat timeout, so
# that a send waiting for it must go on telling the engine it is alive.
LOCKED_FOR = NOTIFICATION_HEARTBEAT.total_seconds() + 5


@dataclass
class Drill:
    name: str
    measures: dict[str, Any]


async def burst_finished(product: DrillProduct, handles: list[Any]) -> None:
    """Every workflow of the burst completed (none failed)."""
    results = await asyncio.wait_for(
        asyncio.gather(*(handle.result() for handle in handles)), PATIENCE
    )
    assert len(results) == len(handles)


def check_once_each(product: DrillProduct, requests: list[Any]) -> dict[str, int]:
    """Each message reached the server; a second copy only for a row marked uncertain, under the
    same Message-ID. Returns the copies beyond one."""
    copies = product.copies()
    assert set(copies) == product.expected_ids(requests)
    extra = {mid: count - 1 for mid, count in copies.items() if count > 1}
    uncertain = product.uncertain()
    for mid, more in extra.items():
        assert uncertain.get(mid, 0) >= more, f"{mid} came {more + 1} times, unmarked"
    rows = product.rows()
    assert {row.status for row in rows} == {NotificationStatus.SENT}
    return extra


# ------------------------------------------------------------------------------- the drills


async def worker_killed_mid_burst(product: DrillProduct) -> dict[str, Any]:
    client = await product.server.client(product.settings)
    worker = product.worker()
    requests = product.requests(BURST)
    handles = await product.start(client, requests)
    await eventually(
        lambda: len(product.smtp.mails) >= 8, seconds=PATIENCE, what="the burst starts"
    )
    worker.signal(signal.SIGKILL)
    worker.wait()
    killed = time.monotonic()
    before = len(product.smtp.mails)
    product.worker()
    expected = product.expected_ids(requests)
    await eventually(
        lambda: set(product.copies()) >= expected, seconds=PATIENCE, what="every message"
    )
    recovery = time.monotonic() - killed
    await burst_finished(product, handles)
    extra = check_once_each(product, requests)
    # The dead worker's sends resumed after its heartbeat timeout and one retry interval (50 s
    # on a quiet machine), not after a second retry or the activity's whole timeout.
    assert recovery < patience(DEAD_WORKER_RETRIED), f"recovery took {recovery:.0f} s"
    return {
        "messages": BURST,
        "accepted before the kill": before,
        "accepted in all": len(product.smtp.mails),
        "second copies (same Message-ID, marked uncertain)": sum(extra.values()),
        "rows marked uncertain": len(product.uncertain()),
        "kill to last message (s)": round(recovery, 1),
    }


async def worker_stopped_mid_burst(product: DrillProduct) -> dict[str, Any]:
    client = await product.server.client(product.settings)
    worker = product.worker()
    requests = product.requests(BURST)
    handles = await product.start(client, requests)
    await eventually(
        lambda: len(product.smtp.mails) >= 8, seconds=PATIENCE, what="the burst starts"
    )
    worker.signal(signal.SIGTERM)
    stopped = time.monotonic()
    assert worker.wait() == 0
    stop_took = time.monotonic() - stopped
    before = len(product.smtp.mails)
    product.worker()
    await eventually(
        lambda: len(product.smtp.mails) >= BURST, seconds=PATIENCE, what="every message"
    )
    recovery = time.monotonic() - stopped
    await burst_finished(product, handles)
    # A graceful stop finishes and logs what it sent: no copy, nothing uncertain.
    assert check_once_each(product, requests) == {}
    assert product.uncertain() == {}
    assert len(product.smtp.mails) == BURST
    return {
        "messages": BURST,
        "accepted before the stop": before,
        "accepted in all": len(product.smtp.mails),
        "graceful stop took (s)": round(stop_took, 1),
        "stop to last message (s)": round(recovery, 1),
    }


# Another process takes the application database's write lock and holds it: the SQLite file
# (an exclusive transaction), or PostgreSQL's notification log (an exclusive table lock).
SQLITE_LOCKER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""
POSTGRES_LOCKER = """
import sys, time
import psycopg
with psycopg.connect(sys.argv[1]) as connection:
    connection.execute(f"LOCK TABLE {sys.argv[3]} IN ACCESS EXCLUSIVE MODE")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def lock_database(product: DrillProduct, seconds: float) -> subprocess.Popen[bytes]:
    url = product.database_url
    if url.startswith("sqlite:///"):
        script, target = SQLITE_LOCKER, url.removeprefix("sqlite:///")
    else:
        script, target = POSTGRES_LOCKER, url.replace("postgresql+psycopg://", "postgresql://", 1)
    table = str(NotificationLog.__tablename__)
    return subprocess.Popen(
        [sys.executable, "-c", script, target, str(seconds), table], stdout=subprocess.PIPE
    )


async def database_locked_mid_burst(product: DrillProduct) -> dict[str, Any]:
    client = await product.server.client(product.settings)
    product.worker()
    requests = product.requests(BURST)
    handles = await product.start(client, requests)
    await eventually(
        lambda: len(product.smtp.mails) >= 8, seconds=PATIENCE, what="the burst starts"
    )
    locked_for = LOCKED_FOR
    locker = lock_database(product, locked_for)
    try:
        assert locker.stdout is not None
        line = await asyncio.to_thread(locker.stdout.readline)
        assert line.strip() == b"locked"
        locked = time.monotonic()
        during = len(product.smtp.mails)
        await eventually(
            lambda: len(product.smtp.mails) >= BURST,
            seconds=locked_for + PATIENCE,
            what="every message",
        )
        took = time.monotonic() - locked
        await burst_finished(product, handles)
    finally:
        locker.wait(timeout=PATIENCE)
    # Sent, then the log write waited out the lock: never sent again.
    assert check_once_each(product, requests) == {}
    assert product.uncertain() == {}
    await asyncio.sleep(1)
    assert len(product.smtp.mails) == BURST
    return {
        "messages": BURST,
        "accepted when the lock was taken": during,
        "accepted in all": len(product.smtp.mails),
        "database locked for (s)": locked_for,
        "lock to last message (s)": round(took, 1),
    }


async def smtp_outage_with_low_thresholds(product: DrillProduct) -> dict[str, Any]:
    client = await product.server.client(product.settings)
    product.worker()
    product.smtp.stop()
    missed = product.requests(12, tag="outage")
    handles = await product.start(client, missed)
    # One failure on the main channel, two in all: given up on at the second attempt (30 s).
    await burst_finished(product, handles)
    rows = product.rows()
    assert {row.status for row in rows if row.kind == "reminder"} == {NotificationStatus.FAILED}
    alerts = sorted((product.root / "coordinator").iterdir())
    # One alert per unit, not one per message.
    assert len(alerts) == 6, [alert.name for alert in alerts]

    product.smtp.start()
    back = product.requests(6, tag="back")
    handles = await product.start(client, back)
    await burst_finished(product, handles)
    await eventually(lambda: len(product.smtp.mails) >= 12, seconds=PATIENCE, what="the catch-ups")
    subjects = [str(mail.message["Subject"]) for mail in product.smtp.mails]
    caught_up = [s for s in subjects if s.startswith("[Tổng hợp hằng ngày] 2 việc")]
    # Each unit: its new message and one listing the two it missed.
    assert len(caught_up) == 6 and len(subjects) == 12
    assert {row.status for row in product.rows() if row.kind == "reminder"} == {
        NotificationStatus.SENT
    }
    await asyncio.sleep(1)
    assert len(product.smtp.mails) == 12
    return {
        "messages given up on": len(missed),
        "alerts to the coordinator": len(alerts),
        "messages once the server was back": len(subjects),
        "of which catch-ups listing what was missed": len(caught_up),
    }


async def two_workers_at_once(product: DrillProduct) -> dict[str, Any]:
    client = await product.server.client(product.settings)
    product.worker()
    product.worker()
    await product.polled(client, count=2)
    requests = product.requests(BURST)
    started = time.monotonic()
    handles = await product.start(client, requests)
    await burst_finished(product, handles)
    await asyncio.sleep(1)
    assert check_once_each(product, requests) == {}
    assert len(product.smtp.mails) == BURST
    return {
        "messages": BURST,
        "accepted": len(product.smtp.mails),
        "took (s)": round(time.monotonic() - started, 1),
    }


# A plan of one task, due at the end of tomorrow (after the drill, at any hour).
TIMER_PLAN = (
    "STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú\n"
    "I. CHỈ ĐẠO,,,,,\n"
    "1,Báo cáo nhanh,Ban Tôn giáo,,ngày {day}/{month}/{year},\n"
)


async def server_killed_and_restarted(product: DrillProduct) -> dict[str, Any]:
    server = product.server
    server.start()
    client = await server.client(product.settings)
    product.worker()
    await product.polled(client)
    plan_file = product.root / "plan.csv"
    due = product.due_day
    plan_file.write_text(
        TIMER_PLAN.format(day=due.day, month=due.month, year=due.year), encoding="utf-8"
    )
    report = await starting.start_plan(client, product.settings, plan_file, year=due.year)
    assert report.started == ["I.1"]
    requests = product.requests(6, tag="timers")
    # Timers set before the server dies, due after it is back.
    handles = await product.start(client, requests, wait_seconds=15)
    await asyncio.sleep(3)
    server.kill()
    down = time.monotonic()
    await asyncio.sleep(5)
    server.start()
    client = await server.client(product.settings)
    expected = product.expected_ids(requests)
    await eventually(
        lambda: set(product.copies()) >= expected, seconds=PATIENCE, what="every timer's message"
    )
    timers_fired = time.monotonic() - down
    handles = [client.get_workflow_handle(h.id, result_type=str) for h in handles]
    await burst_finished(product, handles)
    # The task's workflow goes on where it was: evidence closes its milestone, and its record
    # in the database (the projection) says so.
    await operations.submit_evidence(
        client,
        report.plan_key,
        "I.1",
        EvidenceSubmission(
            milestone_key="1", submitted_by="ban-ton-giao", document_number="5/BC-SNV"
        ),
        actor=Actor("ban-ton-giao", UnitRole.UNIT),
    )
    await eventually(
        lambda: task_milestone_status(product) is MilestoneStatus.DONE_ON_TIME,
        seconds=PATIENCE,
        what="the projection",
    )
    caught_up = time.monotonic() - down
    failed = [w.id async for w in client.list_workflows('ExecutionStatus = "Failed"')]
    assert failed == []
    # The task's own messages are counted too: nothing came twice.
    assert max(product.copies().values()) == 1
    return {
        "timers across the restart": len(requests),
        "messages": len(product.smtp.mails),
        "server down (s)": 5,
        "kill to every timer's message (s)": round(timers_fired, 1),
        "kill to projection caught up (s)": round(caught_up, 1),
    }


def task_milestone_status(product: DrillProduct) -> MilestoneStatus | None:
    with session_scope(product.database_url) as session:
        row = session.exec(
            select(Milestone).join(Task).where(Task.code == "I.1", Task.title == "Báo cáo nhanh")
        ).first()
        return row.status if row is not None else None


DRILLS: dict[str, Callable[[DrillProduct], Awaitable[dict[str, Any]]]] = {
    "worker_killed_mid_burst": worker_killed_mid_burst,
    "worker_stopped_mid_burst": worker_stopped_mid_burst,
    "database_locked_mid_burst": database_locked_mid_burst,
    "smtp_outage_with_low_thresholds": smtp_outage_with_low_thresholds,
    "two_workers_at_once": two_workers_at_once,
    "server_killed_and_restarted": server_killed_and_restarted,
}


@pytest.fixture(scope="module")
async def every_drill(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every drill at once on each application database, both databases at the same time: a
    SQLite file each, and a PostgreSQL database each on one server (what docker-compose
    deploys). The drills wait mostly on the engine's timeouts, so twelve take about as long as
    six."""
    with private_postgres() as server:
        databases = {
            "sqlite": dict.fromkeys(DRILLS, ""),
            "postgresql": {name: create_database(server, name) for name in DRILLS},
        }
        runs = await asyncio.gather(
            *(
                _drills(tmp_path_factory.mktemp(f"drills-{kind}"), urls)
                for kind, urls in databases.items()
            )
        )
    return dict(zip(databases, runs, strict=True))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def drills(
    request: pytest.FixtureRequest, every_drill: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The drills' outcomes on the application database of the parameter."""
    results: dict[str, Any] = every_drill[request.param]
    return results


async def _drills(root: Path, databases: dict[str, str]) -> dict[str, Any]:
    shared = DevServer(root / "temporal")
    shared.start()
    products: dict[str, DrillProduct] = {}
    for name in DRILLS:
        url = databases[name]
        if name == "server_killed_and_restarted":
            product = DrillProduct(
                name, root / name, DevServer(root / name / "temporal"), database_url=url
            )
        elif name == "smtp_outage_with_low_thresholds":
            product = DrillProduct(
                name,
                root / name,
                shared,
                main_channel_failures=1,
                max_failures=2,
                database_url=url,
            )
        else:
            product = DrillProduct(name, root / name, shared, database_url=url)
        products[name] = product
    started = time.monotonic()
    outcomes = await asyncio.gather(
        *(DRILLS[name](product) for name, product in products.items()), return_exceptions=True
    )
    took = time.monotonic() - started
    results: dict[str, Any] = {}
    for (name, product), outcome in zip(products.items(), outcomes, strict=True):
        if isinstance(outcome, BaseException):
            outcome.add_note(worker_log(product))
        results[name] = outcome
        product.close()
        product.server.kill()
    shared.kill()
    print(f"\nthe drills on {root.name} took {took:.0f} s together")
    return results


def _report(drills: dict[str, Any], name: str) -> None:
    outcome = drills[name]
    if isinstance(outcome, BaseException):
        raise outcome
    print(f"\n{name}: {outcome}")


def test_a_worker_killed_mid_burst_sends_each_message_once_and_resumes_after_one_retry(
    drills: dict[str, Any],
) -> None:
    _report(drills, "worker_killed_mid_burst")


def test_a_worker_stopped_mid_burst_finishes_what_it_sends_and_sends_nothing_twice(
    drills: dict[str, Any],
) -> None:
    _report(drills, "worker_stopped_mid_burst")


def test_a_database_locked_by_another_process_is_waited_out_not_sent_twice(
    drills: dict[str, Any],
) -> None:
    _report(drills, "database_locked_mid_burst")


def test_an_smtp_outage_is_one_alert_per_unit_and_what_was_missed_goes_out_once_back(
    drills: dict[str, Any],
) -> None:
    _report(drills, "smtp_outage_with_low_thresholds")


def test_two_workers_at_once_send_each_message_once(drills: dict[str, Any]) -> None:
    _report(drills, "two_workers_at_once")


def test_a_server_killed_and_restarted_fires_every_timer_and_the_projection_catches_up(
    drills: dict[str, Any],
) -> None:
    _report(drills, "server_killed_and_restarted")
