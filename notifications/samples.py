"""`notify-test`: one sample of each kind on every channel of a unit, each logged, none retried,
for an operator to see which channels work. Samples say they are samples."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from deadlines.local_time import local_day, local_instant
from models.payloads import MessageKind
from notifications.channels import DeliveryAttempt, describe_channel
from notifications.dispatch import Dispatcher
from notifications.formatting import format_day, format_due
from notifications.kinds import TASKS_KINDS
from notifications.links import evidence_link, plan_link, task_link
from notifications.messages import (
    DecisionLine,
    DeliveryFailureLine,
    EvidenceLine,
    ExtensionLine,
    MessageContext,
    MilestoneLine,
    YearTally,
)
from storage import notifications as log
from storage.db import session_scope

# The workflow id the samples are logged under: no workflow sends them.
SAMPLE_WORKFLOW_ID = "notify-test"
# The made-up plan of the samples sent before any plan is imported.
SAMPLE_PLAN_KEY = "mau"


@dataclass(frozen=True)
class SampleDelivery:
    """One sample message on one channel."""

    kind: MessageKind
    subject: str
    attempt: DeliveryAttempt


@dataclass(frozen=True)
class SampleFacts:
    """What every sample of one unit is made of: a task the unit leads (a real one once a
    plan is imported) and the names and channels a message would show."""

    unit_code: str
    unit_name: str
    coordinator_name: str
    plan_key: str
    plan_title: str
    line: MilestoneLine
    overdue: list[MilestoneLine]
    tally: YearTally
    year_lines: list[MilestoneLine]
    channels: list[str]
    max_failures: int
    public_url: str


def sample_context(kind: MessageKind, facts: SampleFacts, *, now: datetime) -> MessageContext:
    """The sample of `kind`, as the unit would read it. Pure: no database, no channel."""
    line = facts.line
    today = format_day(local_day(now))
    return MessageContext(
        kind=kind,
        recipient_name=facts.unit_name,
        plan_title=facts.plan_title,
        day_text=today,
        milestone=line,
        milestones=(
            facts.year_lines
            if kind is MessageKind.YEAR_SUMMARY
            else [line]
            if kind in TASKS_KINDS
            else facts.overdue
        ),
        tally=facts.tally,
        evidence=EvidenceLine(
            document_number="01/KH-SNV",
            document_date_text=f"{local_day(now):%d/%m/%Y}",
            submitted_by=facts.unit_name,
            on_time=True,
        ),
        failure=DeliveryFailureLine(
            unit_code=facts.unit_code,
            unit_name=facts.unit_name,
            original_kind=MessageKind.REMINDER,
            original_subject=f"[Nhắc hạn] {line.task_code}",
            channels=facts.channels,
            failures=facts.max_failures,
            last_answer="(mẫu)",
        ),
        extension=ExtensionLine(
            requested_by_name=facts.unit_name,
            new_due_text=line.due_text or today,
            reason="(mẫu)",
            answer_link=task_link(facts.public_url, facts.plan_key, line.task_code),
        ),
        decision=DecisionLine(
            by_name=facts.coordinator_name,
            reason="(mẫu)",
            previous_due_text=line.due_text,
            asked_text=today,
            previous_lead_names=[facts.unit_name],
            lead_names=[facts.unit_name],
            event_day_text=today,
        ),
        overview_link=plan_link(facts.public_url, facts.plan_key),
        sample=True,
    )


def made_up_line(
    public_url: str, unit_name: str, *, due_text: str, working_days_left: int | None
) -> MilestoneLine:
    """The one milestone of the made-up plan the samples show before any plan is imported."""
    return MilestoneLine(
        task_code="I.1",
        task_title="Nhiệm vụ mẫu để kiểm tra kênh nhận thông báo",
        milestone_key="1",
        milestone_label="Mốc mẫu",
        due_text=due_text,
        working_days_left=working_days_left,
        evidence_hint="",
        evidence_link=evidence_link(public_url, SAMPLE_PLAN_KEY, "I.1", "1"),
        lead_unit_names=[unit_name],
    )


class Samples:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatch = dispatcher

    def send(
        self, unit_code: str, kinds: Iterable[MessageKind], *, now: datetime
    ) -> list[SampleDelivery]:
        dispatch = self._dispatch
        lines = dispatch.lines
        contacts = dispatch.contacts.for_unit(unit_code)
        plan_key, plan_title, line, overdue = self._sample_lines(unit_code, now)
        if plan_key == SAMPLE_PLAN_KEY:
            year = sample_tally(now), [line]
        else:
            with session_scope(dispatch.database_url) as session:
                year = lines.year_summary(session, plan_key, now)
        facts = SampleFacts(
            unit_code=unit_code,
            unit_name=lines.unit_name(unit_code),
            coordinator_name=lines.unit_name(dispatch.directory.coordinator),
            plan_key=plan_key,
            plan_title=plan_title,
            line=line,
            overdue=overdue,
            tally=year[0],
            year_lines=year[1],
            channels=[describe_channel(url) for url in contacts.channels],
            max_failures=dispatch.rules.max_failures,
            public_url=lines.public_url,
        )
        results: list[SampleDelivery] = []
        stamp = dispatch.clock().strftime("%Y%m%dT%H%M%S.%f")
        for kind in kinds:
            context = sample_context(kind, facts, now=now)
            message = dispatch.render(context)
            for position, channel in enumerate(contacts.channels, start=1):
                key = f"sample/{stamp}/{kind.value}/{position}|{unit_code}"
                with session_scope(dispatch.database_url) as session:
                    log.ensure_log(
                        session,
                        log.new_log(
                            key=key,
                            workflow_id=SAMPLE_WORKFLOW_ID,
                            plan_key=plan_key,
                            task_code=line.task_code,
                            milestone_key=line.milestone_key,
                            kind=kind,
                            unit_code=unit_code,
                            scheduled_at=now,
                            details={"sample": True},
                            now=dispatch.clock(),
                        ),
                    )
                attempt = dispatch.send_recorded(key, channel, message, give_up_on_failure=True)
                results.append(SampleDelivery(kind, message.subject, attempt))
        return results

    def _sample_lines(
        self, unit_code: str, now: datetime
    ) -> tuple[str, str, MilestoneLine, list[MilestoneLine]]:
        """A real task the unit leads when a plan has been imported; a made-up one before."""
        lines = self._dispatch.lines
        due = local_instant(local_day(now) + timedelta(days=7), time(17, 0))
        with session_scope(self._dispatch.database_url) as session:
            found = log.latest_task_of_unit(session, unit_code=unit_code)
            if found is None:
                line = made_up_line(
                    lines.public_url,
                    lines.unit_name(unit_code),
                    due_text=format_due(due),
                    working_days_left=lines.working_days_left(now, due),
                )
                return SAMPLE_PLAN_KEY, "Kế hoạch mẫu", line, [line]
            plan, task = found
            assert task.id is not None
            milestones = log.milestones_of_task(session, task_id=task.id)
            overdue = [
                lines.stored_line(plan.key, t, m, now)
                for t, m in log.overdue_milestones(session, plan_key=plan.key)
            ]
        first = milestones[0] if milestones else None
        milestone_key = first.key if first is not None else "1"
        due_at = first.due_at if first is not None and first.due_at is not None else due
        line = MilestoneLine(
            task_code=task.code,
            task_title=task.title,
            milestone_key=milestone_key,
            milestone_label=(first.label or first.text)
            if first is not None
            else task.deadline_text,
            due_text=format_due(due_at),
            working_days_left=lines.working_days_left(now, due_at),
            evidence_hint="",
            evidence_link=evidence_link(lines.public_url, plan.key, task.code, milestone_key),
            lead_unit_names=[lines.unit_name(code) for code in task.lead_units],
        )
        return plan.key, log.titled(plan), line, overdue or [line]


def sample_tally(now: datetime) -> YearTally:
    """The tally of the made-up plan: its one milestone in progress."""
    return YearTally(
        year=local_day(now).year,
        tasks=1,
        milestones=1,
        done_on_time=0,
        done_late=0,
        overdue=0,
        in_progress=1,
        waiting_event=0,
        ended=0,
        cancelled=0,
    )
