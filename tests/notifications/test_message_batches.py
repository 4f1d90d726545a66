"""A task's messages of one instant as one batch (`send_messages`): their log rows written and
claimed in one transaction, sent over one SMTP connection per server, their answers recorded in
one; and what a batch cut short leaves: nothing sent twice but where the log could not know,
and then under the same Message-ID and marked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import apprise.plugins.email.base as apprise_email
import pytest
from sqlalchemy import event

from models.payloads import MessageBatch, MessageResult, MessageToSend, SendResult
from notifications.channels import ChannelSender, DeliveryAttempt
from notifications.dispatch import Dispatcher
from storage.db import get_engine
from tests.notifications.conftest import Product, notification, run_activity
from tests.notifications.servers import SmtpServer
from tests.notifications.test_exactly_once import (
    MONDAY_MORNING,
    WorkerDied,
    contacts,
    expire_claims,
    row_of,
)
from workflows.notification_calls import BATCH_TIMEOUT

UNITS = ("ttlt", "van-phong")
TASKS = ("VI.2", "I.4")
_WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture(autouse=True)
def answers_recorded_at_the_batchs_end(product: Product) -> None:
    """The answers' write window as long as a batch may run (its activity's timeout): what these
    tests count and resend follows from the batch, not from how fast a loaded machine sends
    (with the default 0.2 s, a slow send split the answers into two writes)."""
    product.configure(notify_record_within=BATCH_TIMEOUT.total_seconds())


def batch() -> MessageBatch:
    """Two tasks' reminders to the two units on the SMTP server: four emails."""
    return MessageBatch(
        [
            MessageToSend(
                notification(
                    "reminder", task_code=code, recipients=UNITS, scheduled_at=MONDAY_MORNING
                )
            )
            for code in TASKS
        ]
    )


def keys(sent: MessageBatch) -> list[str]:
    return [f"{message.request.key}|{unit}" for message in sent.messages for unit in UNITS]


def send(product: Product, sent: MessageBatch) -> list[MessageResult]:
    return run_activity(product.notify.send_messages, sent, at=MONDAY_MORNING)


@contextmanager
def third_send_raises(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> Iterator[None]:
    """The batch's third send raises `error` instead of sending."""
    original = ChannelSender.send
    calls = [0]

    def send_or_raise(self: ChannelSender, *args: Any, **kwargs: Any) -> DeliveryAttempt:
        calls[0] += 1
        if calls[0] == 3:
            raise error
        return original(self, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(ChannelSender, "send", send_or_raise)
        yield


@contextmanager
def writing_transactions(product: Product) -> Iterator[list[int]]:
    """Counts the transactions that write to the database while the block runs."""
    engine = get_engine(product.database_url)
    writing: set[int] = set()
    count = [0]

    def on_execute(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(_WRITES):
            writing.add(id(connection))

    def on_commit(connection: Any) -> None:
        if id(connection) in writing:
            writing.discard(id(connection))
            count[0] += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


def test_a_batch_is_one_write_to_claim_its_rows_one_connection_and_one_write_of_answers(
    product: Product, smtp: SmtpServer
) -> None:
    contacts(product, smtp)
    sent = batch()
    with writing_transactions(product) as writes:
        results = send(product, sent)
    assert [r.result for r in results] == [SendResult.SETTLED, SendResult.SETTLED]
    assert writes == [2]
    assert len(smtp.mails) == 4
    # The four emails came over one connection, each its own message.
    assert len({mail.peer for mail in smtp.mails}) == 1
    assert len({mail.message["Message-ID"] for mail in smtp.mails}) == 4
    for key in keys(sent):
        row = row_of(product, key)
        assert row.status.value == "sent" and row.claimed_until is None and row.attempts == 1
    # The worker keeps the connection open for the next batch (a request alone is a batch too).
    later = notification(
        "reminder", task_code="II.3", recipients=UNITS, scheduled_at=MONDAY_MORNING
    )
    run_activity(product.notify.send_notification, later, at=MONDAY_MORNING)
    assert len({mail.peer for mail in smtp.mails}) == 1
    # The retry of a batch sent finds every row sent, and neither sends nor writes.
    with writing_transactions(product) as writes:
        again = run_activity(product.notify.send_messages, sent, at=MONDAY_MORNING, attempt=2)
    assert [r.result for r in again] == [SendResult.SETTLED, SendResult.SETTLED]
    assert writes == [0] and len(smtp.mails) == 6


def test_apprise_still_opens_its_smtp_connections_by_the_name_the_batch_lends_them_under(
    product: Product,
) -> None:
    # The shared connection is lent by replacing this name in apprise's email module; a release
    # that stopped looking it up there would open a connection per email again, silently.
    assert product.notify is not None  # the worker's channels are built
    lent = getattr(apprise_email, "AppriseSMTPController")  # noqa: B009
    assert lent.__module__ == "notifications.smtp_connections"
    source = apprise_email.NotifyEmail.send.__code__.co_names
    assert "AppriseSMTPController" in source


def test_a_batch_whose_attempt_dies_after_its_claim_is_retried_and_sends_each_message_once(
    product: Product, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts(product, smtp)
    sent = batch()

    def dies(*_args: object, **_kwargs: object) -> None:
        raise WorkerDied

    # The worker dies once the rows are claimed, before any email goes out.
    with monkeypatch.context() as patched:
        patched.setattr(Dispatcher, "deliver_claimed", dies)
        with pytest.raises(WorkerDied):
            send(product, sent)
    assert smtp.mails == []
    assert all(row_of(product, key).claimed_until is not None for key in keys(sent))

    # A retry while the claims last sends nothing: the messages wait for a later try.
    retried = run_activity(product.notify.send_messages, sent, at=MONDAY_MORNING, attempt=2)
    assert [r.result for r in retried] == [SendResult.RETRY, SendResult.RETRY]
    assert smtp.mails == []

    # Once the claims have run out, each message goes once.
    expire_claims(product)
    done = run_activity(product.notify.send_messages, sent, at=MONDAY_MORNING, attempt=3)
    assert [r.result for r in done] == [SendResult.SETTLED, SendResult.SETTLED]
    assert Counter(str(mail.message["Message-ID"]) for mail in smtp.mails).most_common(1)[0][1] == 1
    assert len(smtp.mails) == 4
    assert all(row_of(product, key).status.value == "sent" for key in keys(sent))


def test_a_batch_cut_after_some_sends_sends_again_only_those_under_their_message_id_marked(
    product: Product, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts(product, smtp)
    sent = batch()
    # Two emails accepted by the server, then the worker dies before their answers are logged.
    with third_send_raises(monkeypatch, WorkerDied()), pytest.raises(WorkerDied):
        send(product, sent)
    assert len(smtp.mails) == 2

    expire_claims(product)
    done = run_activity(product.notify.send_messages, sent, at=MONDAY_MORNING, attempt=2)
    assert [r.result for r in done] == [SendResult.SETTLED, SendResult.SETTLED]
    copies = Counter(str(mail.message["Message-ID"]) for mail in smtp.mails)
    assert len(copies) == 4 and sorted(copies.values()) == [1, 1, 2, 2]
    # A second copy only of what the log could not know was sent, and the log says so.
    first_two = {str(mail.message["Message-ID"]) for mail in smtp.mails[:2]}
    assert {mid for mid, count in copies.items() if count == 2} == first_two
    uncertain = [row_of(product, key).uncertain_attempts for key in keys(sent)]
    assert sorted(uncertain) == [1, 1, 1, 1]  # every claim the dead attempt held ran out


def test_one_message_refused_by_the_server_leaves_the_others_sent_and_recorded(
    product: Product, smtp: SmtpServer
) -> None:
    contacts(product, smtp, failures=3)
    smtp.inbox.refused.add("vanphong@snv.binhdinh.gov.vn")
    sent = batch()
    results = send(product, sent)
    # Each reminder reached ttlt; van-phong's two wait for a later try.
    assert [r.result for r in results] == [SendResult.RETRY, SendResult.RETRY]
    assert sorted(mail.recipients[0] for mail in smtp.mails) == ["ttlt@snv.binhdinh.gov.vn"] * 2
    for key in keys(sent):
        row = row_of(product, key)
        assert row.claimed_until is None and row.attempts == 1
        if key.endswith("|ttlt"):
            assert row.status.value == "sent"
        else:
            assert row.status.value == "queued" and "failed" in row.answer

    # The mailbox exists again: the retry sends van-phong's two only.
    smtp.inbox.refused.clear()
    later = MONDAY_MORNING + timedelta(minutes=5)
    again = run_activity(product.notify.send_messages, sent, at=later, attempt=2)
    assert [r.result for r in again] == [SendResult.SETTLED, SendResult.SETTLED]
    assert len(smtp.mails) == 4
    assert all(row_of(product, key).status.value == "sent" for key in keys(sent))


def test_a_kept_connection_the_server_closed_is_replaced_and_nothing_is_lost_or_doubled(
    product: Product, smtp: SmtpServer
) -> None:
    contacts(product, smtp)
    first = batch()
    send(product, first)
    # The mail server restarts between two batches: the connection the worker kept is dead.
    smtp.stop()
    smtp.start()
    second = MessageBatch(
        [
            MessageToSend(
                notification(
                    "reminder",
                    task_code=code,
                    recipients=UNITS,
                    scheduled_at=MONDAY_MORNING + timedelta(hours=1),
                )
            )
            for code in TASKS
        ]
    )
    results = send(product, second)
    assert [r.result for r in results] == [SendResult.SETTLED, SendResult.SETTLED]
    assert len(smtp.mails) == 8
    assert len({str(mail.message["Message-ID"]) for mail in smtp.mails}) == 8
    # The second batch came over a connection of its own, opened once.
    assert len({mail.peer for mail in smtp.mails[4:]}) == 1
    assert {mail.peer for mail in smtp.mails[4:]}.isdisjoint(mail.peer for mail in smtp.mails[:4])
    assert all(row_of(product, key).status.value == "sent" for key in keys(first) + keys(second))


def test_an_error_mid_batch_records_what_went_out_before_it_so_the_retry_sends_the_rest_once(
    product: Product, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts(product, smtp)
    sent = batch()
    with third_send_raises(monkeypatch, RuntimeError("a bug")), pytest.raises(RuntimeError):
        send(product, sent)
    assert len(smtp.mails) == 2
    statuses = [row_of(product, key).status.value for key in keys(sent)]
    assert statuses == ["sent", "sent", "queued", "queued"]

    expire_claims(product)
    done = run_activity(product.notify.send_messages, sent, at=MONDAY_MORNING, attempt=2)
    assert [r.result for r in done] == [SendResult.SETTLED, SendResult.SETTLED]
    copies = Counter(str(mail.message["Message-ID"]) for mail in smtp.mails)
    assert len(copies) == 4 and set(copies.values()) == {1}


def test_with_each_answer_recorded_as_it_comes_a_batch_cut_after_two_sends_resends_none(
    product: Product, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts(product, smtp)
    product.configure(notify_record_within=0)
    sent = batch()
    with third_send_raises(monkeypatch, WorkerDied()), pytest.raises(WorkerDied):
        send(product, sent)
    assert len(smtp.mails) == 2
    expire_claims(product)
    run_activity(product.notify.send_messages, sent, at=MONDAY_MORNING, attempt=2)
    copies = Counter(str(mail.message["Message-ID"]) for mail in smtp.mails)
    assert len(copies) == 4 and set(copies.values()) == {1}
    # The two never sent were claimed when the worker died: marked, as any expired claim is.
    assert sorted(row_of(product, key).uncertain_attempts for key in keys(sent)) == [0, 0, 1, 1]
