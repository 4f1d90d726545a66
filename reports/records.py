"""A plan's records by milestone, read once for a report: what `reports.as_of` rebuilds a
milestone's past state from, and the delivery a file shows as its evidence."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from models.payloads import MessageKind
from models.tables import Evidence, Plan
from reports.as_of import NO_FACTS, EvidenceFact, ExtensionFact, MilestoneFacts, rejected_by
from storage.db import session_scope
from storage.overview import MilestoneRow
from storage.report_records import (
    decisions_of_plan,
    events_recorded,
    evidence_of_plan,
    rejected_evidence_ids,
)

MilestoneId = tuple[str, str]  # (task code, milestone key)


@dataclass
class PlanRecords:
    evidence: dict[MilestoneId, list[Evidence]] = field(default_factory=dict)
    facts: dict[MilestoneId, MilestoneFacts] = field(default_factory=dict)
    # Event key -> when its first occurrence was recorded; (key, day) -> when that one was.
    first_event: dict[str, datetime] = field(default_factory=dict)
    events: dict[tuple[str, date], datetime] = field(default_factory=dict)

    def of(self, row: MilestoneRow) -> MilestoneFacts:
        """The facts of the row's milestone, with the event that started (or made) it."""
        if row.key is None:
            return NO_FACTS
        found = self.facts.get((row.task_code, row.key), NO_FACTS)
        recorded = None
        if "@" in row.key and row.event_key:
            try:
                day = date.fromisoformat(row.key.rsplit("@", 1)[1])
            except ValueError:
                day = None
            recorded = self.events.get((row.event_key, day)) if day else None
        elif row.event_key:
            recorded = self.first_event.get(row.event_key)
        return MilestoneFacts(found.evidence, found.extensions, recorded)

    def counted(self, row: MilestoneRow, as_of: datetime | None = None) -> Evidence | None:
        """The milestone's latest delivery (by `as_of`, when given) that the coordinator did
        not reject: what a file shows as its evidence."""
        if row.key is None:
            return None
        facts = self.facts.get((row.task_code, row.key), NO_FACTS)
        rejected = {e.submitted_at for e in facts.evidence if e.rejected}
        kept = [
            e
            for e in self.evidence.get((row.task_code, row.key), [])
            if e.submitted_at not in rejected and (as_of is None or e.submitted_at <= as_of)
        ]
        return kept[-1] if kept else None


def plan_records(session: Session, plan: Plan) -> PlanRecords:
    assert plan.id is not None
    records = PlanRecords()
    for code, evidence in evidence_of_plan(session, plan_id=plan.id):
        records.evidence.setdefault((code, evidence.milestone_key), []).append(evidence)
    rejected_ids = rejected_evidence_ids(
        session, [e.id for found in records.evidence.values() for e in found if e.id is not None]
    )
    rejections: dict[MilestoneId, list[datetime]] = defaultdict(list)
    extensions: dict[MilestoneId, list[ExtensionFact]] = defaultdict(list)
    for decision in decisions_of_plan(session, plan_key=plan.key):
        where = (decision.task_code, decision.milestone_key)
        if decision.kind is MessageKind.EVIDENCE_REJECTED:
            rejections[where].append(decision.at)
        elif decision.due is not None:
            extensions[where].append(
                ExtensionFact(decision.at, decision.previous_due, decision.due)
            )
    for where in set(records.evidence) | set(extensions):
        delivered = records.evidence.get(where, [])
        sent_back = rejected_by([e.submitted_at for e in delivered], rejections.get(where, ()))
        records.facts[where] = MilestoneFacts(
            evidence=tuple(
                EvidenceFact(
                    e.submitted_at, e.on_time, e.id in rejected_ids or e.submitted_at in sent_back
                )
                for e in delivered
            ),
            extensions=tuple(extensions.get(where, ())),
        )
    for key, day, recorded_at in events_recorded(session, plan=plan):
        records.events[(key, day)] = recorded_at
        records.first_event.setdefault(key, recorded_at)
    return records


def read_plan_records(database_url: str, plan: Plan) -> PlanRecords:
    with session_scope(database_url) as session:
        return plan_records(session, plan)
