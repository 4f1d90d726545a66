"""A digest due before the office opens waits for the opening on a workflow timer: the activity
refuses once (quiet hours, not retried), the workflow sleeps until the opening the calendar gives,
and the digest goes out then, once. Nothing is held in an activity's retry."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from temporalio.client import WorkflowHistory

from deadlines.local_time import local_day
from models.tables import NotificationStatus
from notifications.office_hours import next_office_opening
from simulation.clock import start_time_skipping_at
from tests.notifications.conftest import Product, notification, run_activity
from tests.notifications.test_digest_workflow import digest_rows, digest_running
from workflows.digest import DailyDigestInput

# Wednesday 01/03/2023 05:00 in Vietnam: a working day, the office not open yet.
START = datetime(2023, 2, 28, 22, 0, tzinfo=UTC)


def scheduled(history: WorkflowHistory, name: str) -> list[int]:
    return [
        event.event_id
        for event in history.events
        if event.HasField("activity_task_scheduled_event_attributes")
        and event.activity_task_scheduled_event_attributes.activity_type.name == name
    ]


async def test_a_digest_due_before_the_opening_waits_on_a_timer_and_goes_out_once(
    product: Product,
) -> None:
    product.contacts(
        f"units:\n  van-phong: {{channels: [outbox://{product.outbox('vp')}], digest: true}}\n"
    )
    opening = next_office_opening(product.settings.working_calendar, START)
    assert opening is not None and local_day(opening) == local_day(START)
    held = notification(
        "reminder", recipients=("van-phong",), scheduled_at=START, due_at=START + timedelta(days=20)
    )
    assert run_activity(product.notify.send_notification, held, at=START).per_unit == {
        "van-phong": "queued"
    }
    env = await start_time_skipping_at(START)
    async with env:
        # An hour before the opening.
        daily = DailyDigestInput(digest_time=time(6, 0), days_per_run=2)
        async with digest_running(env, product, daily) as handle:
            await env.sleep(opening + timedelta(hours=1) - START)
            history = await handle.fetch_history()
            await handle.terminate("the test is over")

    # Refused once at 06:00 (quiet hours end the attempt at once), then a timer, then the send.
    first, second = scheduled(history, "send_daily_digests")[:2]
    between = [e for e in history.events if first < e.event_id < second]
    assert any(e.HasField("timer_fired_event_attributes") for e in between)
    failed = [e for e in between if e.HasField("activity_task_failed_event_attributes")]
    [refusal] = failed
    assert refusal.activity_task_failed_event_attributes.failure.application_failure_info.type == (
        "QuietHours"
    )
    [digest] = product.outbox_files("vp")
    assert "[Tổng hợp hằng ngày]" in digest.read_text(encoding="utf-8")
    rows, held_row = digest_rows(product, held)
    assert held_row is not None and held_row.status is NotificationStatus.SENT
    [row] = rows
    assert row.status is NotificationStatus.SENT
