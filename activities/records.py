"""Activities that write the engine's record to the database and read it back."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from temporalio import activity

from models.workflow_messages import EventOccurrence, EventRecord, EvidenceRecord, TaskSnapshot
from storage import progress
from storage.db import session_scope


@dataclass
class _Pending:
    snapshot: TaskSnapshot
    done: bool = False
    error: Exception | None = None


class SnapshotWriter:
    """Writes the snapshots that arrive together in one transaction: while one commits, the
    activities that come meanwhile wait, and the first of them writes them all at once. A plan
    of thousands of tasks that plan themselves together makes one commit per batch instead of
    one each; a snapshot that fails is written alone, so that only its own activity fails."""

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._changed = threading.Condition()
        self._pending: list[_Pending] = []
        self._writing = False

    def save(self, snapshot: TaskSnapshot) -> None:
        mine = _Pending(snapshot)
        with self._changed:
            self._pending.append(mine)
            while self._writing and not mine.done:
                self._changed.wait()
            if not mine.done:
                self._writing = True
                batch, self._pending = self._pending, []
        if not mine.done:
            try:
                self._write(batch)
            finally:
                with self._changed:
                    self._writing = False
                    self._changed.notify_all()
        if mine.error is not None:
            raise mine.error

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with session_scope(self._database_url) as session:
                progress.save_task_snapshots(session, [pending.snapshot for pending in batch])
        except Exception:
            if len(batch) == 1:
                raise
            for pending in batch:
                try:
                    self._write([pending])
                except Exception as error:  # its own activity fails, and is retried
                    pending.error = error
        for pending in batch:
            pending.done = True


class RecordActivities:
    def __init__(self, *, database_url: str) -> None:
        self._database_url = database_url
        # Shared with `record_and_send` (activities/record_and_send.py): one batching writer.
        self.snapshots = SnapshotWriter(database_url)

    @activity.defn(name="record_task_state")
    def record_task_state(self, snapshot: TaskSnapshot) -> None:
        self.snapshots.save(snapshot)

    @activity.defn(name="record_evidence")
    def record_evidence(self, record: EvidenceRecord) -> None:
        with session_scope(self._database_url) as session:
            progress.save_evidence(session, record=record)

    @activity.defn(name="record_event")
    def record_event(self, record: EventRecord) -> None:
        with session_scope(self._database_url) as session:
            progress.save_event(session, record=record)

    @activity.defn(name="events_for_plan")
    def events_for_plan(self, plan_key: str) -> list[EventOccurrence]:
        with session_scope(self._database_url) as session:
            return progress.list_events(session, plan_key=plan_key)

    def all(self) -> list[object]:
        return [
            self.record_task_state,
            self.record_evidence,
            self.record_event,
            self.events_for_plan,
        ]
