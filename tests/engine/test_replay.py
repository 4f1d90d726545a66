"""Recorded histories of each kind of workflow replay against the current code.

A change that makes one fail would break workflows already running for months: guard it with
`workflow.patched(...)` so old histories take the old path, then record new histories with
`python scripts/record_histories.py` (a new generation, beside the old ones).
"""

import base64
import json
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from control.runtime import DATA_CONVERTER, WORKFLOWS
from workflows.plan import (
    CONCURRENT_ROUTING,
    EVENT_CORRECTIONS,
    LATE_YEAR_SUMMARY,
    YEARLY_SUMMARIES,
)
from workflows.task import (
    LOCAL_PLANNING,
    LOCAL_PUBLISH,
    RECORD_BEFORE_TELLING,
    REJECT_EVIDENCE,
    SAFE_HANDLERS,
)

HISTORIES = sorted((Path(__file__).parent.parent / "histories").glob("*.json"))
KINDS = {
    "fixed-closed-on-time",
    "fixed-never-done",
    "after-event-closed-late",
    "compound",
    "periodic-report",
    "recurring-event",
    "ongoing",
    "plan",
    "daily-digest",
}
# Before the safe-message-handler pattern (no marker): the handlers as they were.
FIRST_GENERATION = KINDS
# After it: the same kinds, and a small plan that receives every message.
SECOND_GENERATION = {f"{kind}.v2" for kind in KINDS} | {
    "messages-extension-reassign-carry-over.v2",
    "messages-event-corrected-evidence.v2",
    "messages-cancel.v2",
    "messages-recurring.v2",
    "messages-late-start.v2",
    "messages-after-its-event.v2",
    "messages-plan.v2",
    "plan-started-after-its-year.v2",
    "task-started-after-its-year.v2",
}
# After the tasks computed their dates in the worker (local activities) and the plan routed
# an event to its tasks together: the same again.
THIRD_GENERATION = {name.replace(".v2", ".v3") for name in SECOND_GENERATION}
# After the tasks wrote the projection as a local activity: the year, every message and the
# evidence rejected (`record_histories.py the_year every_message evidence_rejected`).
FOURTH_GENERATION = {f"{kind}.v4" for kind in KINDS} | {
    "messages-extension-reassign-carry-over.v4",
    "messages-event-corrected-evidence.v4",
    "messages-cancel.v4",
    "messages-recurring.v4",
    "messages-late-start.v4",
    "messages-after-its-event.v4",
    "messages-plan.v4",
    "evidence-rejected.v4",
}
# After the tasks wrote the projection before telling of a clock an event started: every run
# of the script (`record_histories.py`).
FIFTH_GENERATION = {name.replace(".v4", ".v5") for name in FOURTH_GENERATION} | {
    "plan-started-after-its-year.v5",
    "task-started-after-its-year.v5",
    "plan-of-several-years.v5",
    "yearly-task-of-several-years.v5",
    "ongoing-task-of-several-years.v5",
}


def generation(name: str) -> int:
    """1 for the first generation's files (no suffix), N for `<kind>.vN`."""
    _, dot, suffix = name.rpartition(".v")
    return int(suffix) if dot and suffix.isdigit() else 1


def events(path: Path) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))["events"]
    return found


def test_there_is_a_history_of_each_kind_in_each_generation() -> None:
    assert {path.stem for path in HISTORIES} >= (
        FIRST_GENERATION
        | SECOND_GENERATION
        | THIRD_GENERATION
        | FOURTH_GENERATION
        | FIFTH_GENERATION
    )


def test_every_update_and_signal_of_every_workflow_is_in_a_recorded_history() -> None:
    handled: set[str] = set()
    for path in HISTORIES:
        for event in events(path):
            accepted = event.get("workflowExecutionUpdateAcceptedEventAttributes")
            if isinstance(accepted, dict):
                handled.add(accepted["acceptedRequest"]["input"]["name"])
            signaled = event.get("workflowExecutionSignaledEventAttributes")
            if isinstance(signaled, dict):
                handled.add(signaled["signalName"])
    expected: set[str] = set()
    for cls in WORKFLOWS:
        definition = workflow._Definition.must_from_class(cls)
        expected |= {name for name in definition.updates if name}
        expected |= {name for name in definition.signals if name}
    assert expected - handled == set(), "record a history that exercises them"


def patches(path: Path) -> set[str]:
    """The `workflow.patched` markers a history recorded."""
    found: set[str] = set()
    for event in events(path):
        marker = event.get("markerRecordedEventAttributes")
        if isinstance(marker, dict):
            for payload in marker["details"].get("patch-data", {}).get("payloads", []):
                found.add(json.loads(base64.b64decode(payload["data"]))["id"])
    return found


def test_the_second_generation_takes_the_new_paths() -> None:
    marked = {path.stem: patches(path) for path in HISTORIES}
    plans = {"daily-digest.v2", "plan.v2", "messages-plan.v2", "plan-started-after-its-year.v2"}
    for name in sorted(SECOND_GENERATION - plans):
        assert SAFE_HANDLERS in marked[name], name
    assert EVENT_CORRECTIONS in marked["messages-plan.v2"]
    assert LATE_YEAR_SUMMARY in marked["plan-started-after-its-year.v2"]
    for name in sorted(FIRST_GENERATION):
        assert not marked[name] & {SAFE_HANDLERS, EVENT_CORRECTIONS, LATE_YEAR_SUMMARY}, name


def test_a_plan_of_several_years_takes_its_own_path_and_no_other_plan_does() -> None:
    # Recorded by `scripts/record_histories.py several_years`: a plan of 2025–2026 that sends a
    # summary at the end of each year and ends after the last.
    marked = {path.stem: patches(path) for path in HISTORIES}
    several = {"plan-of-several-years.v2", "plan-of-several-years.v5"}
    for name in several:
        assert YEARLY_SUMMARIES in marked[name], name
    for name in {"ongoing-task-of-several-years.v2", "yearly-task-of-several-years.v2"}:
        assert SAFE_HANDLERS in marked[name], name
    others = set(marked) - several
    assert all(YEARLY_SUMMARIES not in marked[name] for name in others)


def test_the_third_generation_computes_dates_in_the_worker_and_routes_together() -> None:
    marked = {path.stem: patches(path) for path in HISTORIES}
    plans = {"daily-digest", "plan", "messages-plan", "plan-started-after-its-year"}
    for name in sorted(THIRD_GENERATION - {f"{plan}.v3" for plan in plans}):
        assert {SAFE_HANDLERS, LOCAL_PLANNING} <= marked[name], name
    assert CONCURRENT_ROUTING in marked["messages-plan.v3"]
    for name in sorted(FIRST_GENERATION | SECOND_GENERATION):
        assert not marked[name] & {LOCAL_PLANNING, CONCURRENT_ROUTING}, name


def test_the_fourth_generation_writes_the_projection_in_the_worker() -> None:
    marked = {path.stem: patches(path) for path in HISTORIES}
    plans = {"daily-digest.v4", "plan.v4", "messages-plan.v4"}
    for name in sorted(FOURTH_GENERATION - plans):
        assert {SAFE_HANDLERS, LOCAL_PLANNING, LOCAL_PUBLISH} <= marked[name], name
    older = {name for name in marked if generation(name) < 4}
    assert all(LOCAL_PUBLISH not in marked[name] for name in older)


def commands(path: Path) -> list[str]:
    """The activities a history ran, in order, local ones included; a notification as
    `send_notification:<kind>`."""
    found: list[str] = []
    for event in events(path):
        marker = event.get("markerRecordedEventAttributes")
        if isinstance(marker, dict) and marker["markerName"] == "core_local_activity":
            [data] = marker["details"]["data"]["payloads"]
            found.append(json.loads(base64.b64decode(data["data"]))["activity_type"])
        scheduled = event.get("activityTaskScheduledEventAttributes")
        if isinstance(scheduled, dict):
            name = scheduled["activityType"]["name"]
            if name == "send_notification":
                [request] = scheduled["input"]["payloads"]
                name += ":" + json.loads(base64.b64decode(request["data"]))["kind"]
            found.append(name)
    return found


def before_clock_started(path: Path) -> list[str]:
    """What ran just before each clock-started message of a history."""
    ran = commands(path)
    return [ran[i - 1] for i, name in enumerate(ran) if name == "send_notification:clock_started"]


def test_the_fifth_generation_writes_the_projection_before_telling_of_a_clock() -> None:
    marked = {path.stem: patches(path) for path in HISTORIES}
    plans = {
        "daily-digest.v5",
        "plan.v5",
        "messages-plan.v5",
        "plan-started-after-its-year.v5",
        "plan-of-several-years.v5",
    }
    taken = {SAFE_HANDLERS, LOCAL_PLANNING, LOCAL_PUBLISH, RECORD_BEFORE_TELLING}
    for name in sorted(FIFTH_GENERATION - plans):
        assert taken <= marked[name], name
    older = {name for name in marked if generation(name) < 5}
    assert all(RECORD_BEFORE_TELLING not in marked[name] for name in older)
    # Every path an event takes (started, corrected, recurring, known at the task's start):
    # the projection is written, then the lead units are told; before, they were told first.
    told = {path.stem: before_clock_started(path) for path in HISTORIES}
    with_events = {
        "after-event-closed-late",
        "recurring-event",
        "messages-event-corrected-evidence",
        "messages-recurring",
        "messages-after-its-event",
    }
    for kind in sorted(with_events):
        assert told[f"{kind}.v5"] and set(told[f"{kind}.v5"]) == {"record_task_state"}, kind
        assert "record_task_state" not in told[f"{kind}.v4"], kind


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_without_nondeterminism(path: Path) -> None:
    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=DATA_CONVERTER)
    history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


def test_a_rejection_of_evidence_takes_its_path_in_both_generations() -> None:
    # Recorded by `scripts/record_histories.py evidence_rejected` (and, before the safe
    # handlers, by the web app's branch): delivered, rejected, delivered again, the review window.
    marked = {path.stem: patches(path) for path in HISTORIES}
    assert REJECT_EVIDENCE in marked["evidence-rejected"]
    assert SAFE_HANDLERS not in marked["evidence-rejected"]
    assert {REJECT_EVIDENCE, SAFE_HANDLERS} <= marked["evidence-rejected.v2"]
