"""Many threads of one process write the SQLite file at once (the worker's activities when an
event reaches a thousand tasks): they take turns, and none is refused with "database is locked";
a transaction that fails hands the turn on; the file keeps a write-ahead log, so readers do not
wait for the writer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from models.payloads import MessageKind
from models.tables import NotificationLog, NotificationStatus
from storage import db
from storage import notifications as log
from storage.db import get_engine, session_scope, upgrade_schema

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)


def _send(url: str, number: int) -> None:
    """What one send writes: its row queued, its claim, its answer; three transactions."""
    key = f"burst/{number}|unit"
    with session_scope(url) as session:
        log.ensure_log(
            session,
            log.new_log(
                key=key,
                workflow_id=f"plan/{number}",
                plan_key="plan",
                task_code=str(number),
                milestone_key="m1",
                kind=MessageKind.CLOCK_STARTED,
                unit_code="unit",
                scheduled_at=NOW,
                details={},
                now=NOW,
            ),
        )
    with session_scope(url) as session:
        assert log.claim_log(session, key=key, now=NOW, until=NOW + timedelta(seconds=30)).taken
    with session_scope(url) as session:
        log.record_attempt(
            session,
            key=key,
            channel="outbox://",
            answer="delivered",
            delivered=True,
            give_up=False,
            now=NOW,
        )


def test_a_burst_of_writes_from_many_threads_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nhachan.db'}"
    upgrade_schema(url)
    with ThreadPoolExecutor(max_workers=24) as threads:
        list(threads.map(lambda number: _send(url, number), range(300)))
    with session_scope(url) as session:
        rows = session.exec(select(NotificationLog)).all()
    assert len(rows) == 300
    assert {row.status for row in rows} == {NotificationStatus.SENT}
    assert {row.attempts for row in rows} == {1}


def test_a_failed_transaction_hands_the_turn_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nhachan.db'}"
    upgrade_schema(url)
    _send(url, 1)
    with pytest.raises(IntegrityError), session_scope(url) as session:
        session.add(
            NotificationLog(
                key="burst/1|unit",
                workflow_id="plan/1",
                plan_key="plan",
                task_code="1",
                milestone_key="m1",
                kind=MessageKind.CLOCK_STARTED.value,
                unit_code="unit",
                scheduled_at=NOW,
                status=NotificationStatus.QUEUED,
                details={},
                created_at=NOW,
                updated_at=NOW,
            )
        )
    # Another thread writes next; it would wait for a turn never handed on, and fail.
    with ThreadPoolExecutor(max_workers=1) as other:
        other.submit(_send, url, 2).result()


class Cancelled(BaseException):
    """What Temporal raises in an activity's thread to cancel it (it is no Exception)."""


class CancelledOnceTaken:
    """The process's writer lock, except that the first time it is taken a cancellation is
    raised at once, as Temporal's lands in a thread the instant the lock's wait returns."""

    def __init__(self, lock: Any) -> None:
        self._lock = lock
        self.cancelled = False

    def acquire(self, timeout: float = -1) -> bool:
        taken = bool(self._lock.acquire(timeout=timeout))
        if taken and not self.cancelled:
            self.cancelled = True
            raise Cancelled
        return taken

    def release(self) -> None:
        self._lock.release()

    def _is_owned(self) -> bool:
        return bool(self._lock._is_owned())


def test_a_thread_cancelled_as_it_takes_its_turn_hands_the_turn_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'nhachan.db'}"
    upgrade_schema(url)
    real = db._writer_lock(url.removeprefix("sqlite:///"))
    cancelling = CancelledOnceTaken(real)
    monkeypatch.setattr(db, "_writer_lock", lambda _path: cancelling)
    get_engine.cache_clear()  # new connections, each given the lock above
    try:
        with ThreadPoolExecutor(max_workers=1) as first, pytest.raises(Cancelled):
            first.submit(_send, url, 1).result()
        assert cancelling.cancelled
        # Another thread writes next: with the turn never handed on, it waited out the busy
        # timeout and failed ("another thread of this process kept writing").
        with ThreadPoolExecutor(max_workers=1) as other:
            other.submit(_send, url, 2).result(timeout=db.SQLITE_BUSY_SECONDS / 2)
    finally:
        get_engine.cache_clear()


def test_the_file_keeps_a_write_ahead_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nhachan.db'}"
    upgrade_schema(url)
    with get_engine(url).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
