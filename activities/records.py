"""Activities that write the engine's record to the database and read it back."""

from __future__ import annotations

from temporalio import activity

from models.workflow_messages import EventOccurrence, EventRecord, EvidenceRecord, TaskSnapshot
from storage import progress
from storage.db import session_scope


class RecordActivities:
    def __init__(self, *, database_url: str) -> None:
        self._database_url = database_url

    @activity.defn(name="record_task_state")
    def record_task_state(self, snapshot: TaskSnapshot) -> None:
        with session_scope(self._database_url) as session:
            progress.save_task_snapshot(session, snapshot=snapshot)

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
