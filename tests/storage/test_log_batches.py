"""A batch's rows of the notification log are read, written, claimed and recorded together
(storage/notifications.py): each keeps what the row-by-row functions promise, on SQLite and
against what another worker wrote or holds meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from models.payloads import MessageKind
from models.tables import NotificationLog, NotificationStatus
from storage import notifications as log
from storage.db import session_scope, upgrade_schema

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
CLAIM = timedelta(seconds=30)


@pytest.fixture
def url(tmp_path: Path) -> str:
    database = f"sqlite:///{tmp_path / 'nhachan.db'}"
    upgrade_schema(database)
    return database


def _row(key: str) -> NotificationLog:
    return log.new_log(
        key=key,
        workflow_id="plan/1",
        plan_key="plan",
        task_code="1",
        milestone_key="m1",
        kind=MessageKind.REMINDER,
        unit_code=key.rpartition("|")[2],
        scheduled_at=NOW,
        details={"note": key},
        now=NOW,
    )


def test_a_key_written_by_another_worker_meanwhile_is_read_not_written_again(url: str) -> None:
    with session_scope(url) as session:
        log.add_logs(session, [_row("r|b")])
    # This worker read no row for either key before the other wrote "r|b".
    with session_scope(url) as session:
        rows = log.add_logs(session, [_row("r|a"), _row("r|b"), _row("r|c")])
        assert [row.key for row in rows] == ["r|a", "r|b", "r|c"]
        assert all(row.id is not None for row in rows)
    with session_scope(url) as session:
        found = log.find_logs(session, keys=["r|a", "r|b", "r|c", "r|missing"])
    assert sorted(found) == ["r|a", "r|b", "r|c"]
    assert all(row.status is NotificationStatus.QUEUED for row in found.values())


def test_claims_of_a_batch_take_free_rows_refuse_held_ones_and_mark_expired_ones(
    url: str,
) -> None:
    keys = ["r|free", "r|held", "r|expired", "r|sent"]
    with session_scope(url) as session:
        log.add_logs(session, [_row(key) for key in keys])
    with session_scope(url) as session:
        assert log.claim_log(session, key="r|held", now=NOW, until=NOW + CLAIM).taken
        earlier = NOW - 2 * CLAIM
        assert log.claim_log(session, key="r|expired", now=earlier, until=earlier + CLAIM).taken
        assert log.claim_log(session, key="r|sent", now=NOW, until=NOW + CLAIM).taken
        log.record_attempt(
            session,
            key="r|sent",
            channel="outbox://",
            answer="delivered",
            delivered=True,
            give_up=False,
            now=NOW,
        )
    with session_scope(url) as session:
        claims = log.claim_logs(session, keys=keys, now=NOW, until=NOW + CLAIM)
    assert claims == {
        "r|free": log.Claim.TAKEN,
        "r|held": log.Claim.REFUSED,
        "r|expired": log.Claim.TAKEN_AFTER_UNKNOWN,
        "r|sent": log.Claim.REFUSED,
    }
    with session_scope(url) as session:
        rows = log.find_logs(session, keys=keys)
    assert rows["r|expired"].uncertain_attempts == 1
    assert rows["r|free"].uncertain_attempts == 0
    assert rows["r|free"].claimed_until == NOW + CLAIM


def test_a_batch_of_answers_is_recorded_as_each_would_be(url: str) -> None:
    keys = ["r|sent", "r|again", "r|given-up"]
    with session_scope(url) as session:
        log.add_logs(session, [_row(key) for key in keys])
        log.claim_logs(session, keys=keys, now=NOW, until=NOW + CLAIM)
    later = NOW + timedelta(seconds=1)
    with session_scope(url) as session:
        rows = log.record_attempts(
            session,
            [
                log.Attempt("r|sent", "mailto://", "delivered", True, False, later),
                log.Attempt("r|again", "mailto://", "refused", False, False, later),
                log.Attempt("r|given-up", "mailto://", "refused", False, True, later),
            ],
        )
        assert [row.key for row in rows] == keys
    with session_scope(url) as session:
        found = log.find_logs(session, keys=keys)
    assert [found[key].status for key in keys] == [
        NotificationStatus.SENT,
        NotificationStatus.QUEUED,
        NotificationStatus.FAILED,
    ]
    assert found["r|sent"].sent_at == later
    assert found["r|again"].sent_at is None
    assert all(found[key].attempts == 1 and found[key].claimed_until is None for key in keys)
