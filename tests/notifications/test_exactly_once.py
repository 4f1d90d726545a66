"""Delivery as close to exactly once as the channels allow, send by send: a send whose outcome
nobody could know is sent again under the same Message-ID and marked; a send in progress is not
doubled; an outage is one alert per unit, and what the unit missed goes out once it is reached
again. (tests/drills/ does the same with real processes killed.)"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError, CancelledError
from temporalio.testing import ActivityEnvironment

import activities.notify as notify_activities
from models.statuses import MilestoneStatus
from models.tables import NotificationLog
from notifications.channels import ChannelSender, DeliveryAttempt, message_id
from notifications.dispatch import Dispatcher
from notifications.outcomes import status_text
from storage.db import session_scope
from storage.notifications import find_log, notification_history
from tests.notifications.conftest import Product, notification, run_activity
from tests.notifications.servers import SmtpServer

# Monday 24/04/2023, 09:00 in Vietnam: a working day, inside office hours.
MONDAY_MORNING = datetime(2023, 4, 24, 2, 0, tzinfo=UTC)
# Heartbeats the test waits for during one held send (its thread beats every 50 ms here).
HEARTBEATS_WHILE_SENDING = 5


class WorkerDied(BaseException):
    """The process ends: nothing after the send runs (BaseException, like a signal's exit)."""


def contacts(product: Product, smtp: SmtpServer, *, failures: int = 2) -> None:
    product.contacts(
        f"""
units:
  ttlt:
    - {smtp.url("ttlt@snv.binhdinh.gov.vn")}
  van-phong:
    - {smtp.url("vanphong@snv.binhdinh.gov.vn")}
  cchc-vtlt: [outbox://{product.outbox("coordinator")}]
  lanh-dao: [outbox://{product.outbox("leadership")}]
"""
    )
    product.configure(notify_main_channel_failures=1, notify_max_failures=failures)


def expire_claims(product: Product) -> None:
    """What the claim's end does, without waiting for it."""
    with session_scope(product.database_url) as session:
        session.execute(
            update(NotificationLog)
            .where(NotificationLog.claimed_until.is_not(None))  # type: ignore[union-attr]
            .values(claimed_until=datetime.now(UTC) - timedelta(seconds=1))
        )


def row_of(product: Product, key: str) -> NotificationLog:
    with session_scope(product.database_url) as session:
        row = find_log(session, key=key)
    assert row is not None
    return row


def test_a_send_whose_outcome_nobody_knows_goes_again_as_the_same_email_and_is_marked(
    product: Product, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts(product, smtp)
    request = notification("reminder", scheduled_at=MONDAY_MORNING)
    key = f"{request.key}|ttlt"

    def dies(*args: object, **kwargs: object) -> None:
        raise WorkerDied

    # The mail server accepts the message; the worker dies before the log says so.
    with monkeypatch.context() as patched:
        patched.setattr(Dispatcher, "_record", dies)
        with pytest.raises(WorkerDied):
            run_activity(product.notify.send_notification, request, at=MONDAY_MORNING)
    assert len(smtp.mails) == 1
    assert row_of(product, key).claimed_until is not None

    # While the claim lasts, a retry (or another worker) sends nothing.
    with pytest.raises(ApplicationError) as error:
        run_activity(product.notify.send_notification, request, at=MONDAY_MORNING, attempt=2)
    assert error.value.type == "DeliveryIncomplete"
    assert len(smtp.mails) == 1

    # Once it has run out, the retry sends again: the same message to the mail system.
    expire_claims(product)
    outcome = run_activity(product.notify.send_notification, request, at=MONDAY_MORNING, attempt=3)
    assert outcome.per_unit == {"ttlt": "sent"}
    first, second = smtp.mails
    assert first.message["Message-ID"] == second.message["Message-ID"]
    assert first.message["Message-ID"] == message_id(key, "127.0.0.1")
    row = row_of(product, key)
    assert row.uncertain_attempts == 1
    assert status_text(row) == "sent (uncertain, resent)"

    # A clean send is shown as one, with a Message-ID of its own.
    other = notification("reminder", scheduled_at=MONDAY_MORNING + timedelta(hours=1))
    run_activity(product.notify.send_notification, other, at=MONDAY_MORNING)
    assert smtp.mails[2].message["Message-ID"] == message_id(f"{other.key}|ttlt", "127.0.0.1")
    assert smtp.mails[2].message["Message-ID"] != first.message["Message-ID"]
    assert status_text(row_of(product, f"{other.key}|ttlt")) == "sent"


def test_an_outage_is_one_alert_per_unit_and_what_was_missed_goes_out_once_back(
    product: Product, smtp: SmtpServer
) -> None:
    contacts(product, smtp)
    smtp.stop()
    tasks = ("VI.2", "I.4", "I.5")
    requests = [
        notification("reminder", task_code=code, scheduled_at=MONDAY_MORNING) for code in tasks
    ]
    for attempt in (1, 2):
        for request in requests:
            try:
                run_activity(
                    product.notify.send_notification, request, at=MONDAY_MORNING, attempt=attempt
                )
            except ApplicationError as error:
                assert error.type == "DeliveryIncomplete"
    # Three messages given up on: the coordinator hears of the outage once.
    [alert] = product.outbox_files("coordinator")
    assert "Không gửi được tới Trung tâm lưu trữ lịch sử tỉnh" in alert.read_text("utf-8")
    assert "sẽ không báo lại" in alert.read_text("utf-8")
    # I.5's milestone closes meanwhile: nothing to catch up on there.
    product.milestone("I.5", "1", due_at=None, status=MilestoneStatus.DONE_ON_TIME)

    # The server is back; the next message that reaches the unit brings what it missed.
    smtp.start()
    later = MONDAY_MORNING + timedelta(hours=2)
    news = notification("reminder", task_code="II.3", scheduled_at=later)
    assert run_activity(product.notify.send_notification, news, at=later).per_unit == {
        "ttlt": "sent"
    }
    subjects = [str(mail.message["Subject"]) for mail in smtp.mails]
    assert len(subjects) == 2
    assert subjects[1].startswith("[Tổng hợp hằng ngày] 2 việc cần chú ý")
    caught_up = smtp.mails[1].message.get_body(preferencelist=("plain",))
    assert caught_up is not None
    text = caught_up.get_content()
    assert "VI.2 –" in text and "I.4 –" in text and "I.5 –" not in text
    with session_scope(product.database_url) as session:
        statuses = {
            row.task_code: row.status.value
            for row in notification_history(session, unit_code="ttlt")
            if row.kind == "reminder"
        }
    assert statuses == {"VI.2": "sent", "I.4": "sent", "I.5": "skipped", "II.3": "sent"}

    # A later outage is a new one: the coordinator is told again, once.
    smtp.stop()
    again = notification("reminder", task_code="II.4", scheduled_at=later + timedelta(hours=1))
    for attempt in (1, 2):
        with contextlib.suppress(ApplicationError):
            run_activity(product.notify.send_notification, again, at=later, attempt=attempt)
    assert len(product.outbox_files("coordinator")) == 2


def test_the_digest_run_catches_up_a_unit_nothing_else_reached(
    product: Product, smtp: SmtpServer
) -> None:
    contacts(product, smtp, failures=1)
    smtp.stop()
    request = notification("reminder", scheduled_at=MONDAY_MORNING)
    assert run_activity(product.notify.send_notification, request, at=MONDAY_MORNING).per_unit == {
        "ttlt": "failed"
    }
    smtp.start()
    tuesday = MONDAY_MORNING + timedelta(days=1)
    assert run_activity(product.notify.send_daily_digests, tuesday.date(), at=tuesday) == 1
    assert run_activity(product.notify.send_daily_digests, tuesday.date(), at=tuesday) == 0
    [mail] = smtp.mails
    assert str(mail.message["Subject"]).startswith("[Tổng hợp hằng ngày] 1 việc")
    row = row_of(product, f"{request.key}|ttlt")
    assert row.status.value == "sent" and "once the unit could be reached again" in row.answer


def test_a_send_and_its_log_write_are_not_cut_by_a_cancellation_and_keep_heartbeating(
    product: Product, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts(product, smtp)
    request = notification("reminder", scheduled_at=MONDAY_MORNING)
    monkeypatch.setattr(notify_activities, "HEARTBEAT_EVERY", timedelta(milliseconds=50))
    sending = threading.Event()
    original = ChannelSender.send

    beats: list[object] = []

    def slow_send(self: ChannelSender, *args: Any, **kwargs: Any) -> DeliveryAttempt:
        sending.set()
        # A slow channel (or a locked database, for the log write): it answers only once the
        # engine has heard from the activity several times while it waits, however slowly the
        # machine schedules the heartbeat's thread.
        waited = time.monotonic()
        while len(beats) < HEARTBEATS_WHILE_SENDING and time.monotonic() - waited < 60:
            time.sleep(0.01)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ChannelSender, "send", slow_send)
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        env.info, started_time=MONDAY_MORNING, retry_policy=RetryPolicy(maximum_attempts=8)
    )
    env.on_heartbeat = lambda *details: beats.append(details)
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(env.run, product.notify.send_notification, request)
        assert sending.wait(5)
        # The worker stops (its graceful time is over) while the message is on its way.
        env.cancel()
        with pytest.raises(CancelledError):
            running.result(timeout=10)
    # The cancellation waited for the send and its record: sent once, and the log says so.
    assert len(smtp.mails) == 1
    row = row_of(product, f"{request.key}|ttlt")
    assert row.status.value == "sent" and row.claimed_until is None
    # The heartbeat went on while the send was held (one before it, the rest from its thread).
    assert len(beats) >= HEARTBEATS_WHILE_SENDING
