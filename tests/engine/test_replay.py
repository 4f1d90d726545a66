"""Recorded histories of each kind of workflow and each path replay against the current code.

A change that makes one fail would break workflows already running for months: put it behind a
marker (workflows/markers.py) so that older runs take the old path, then record the new
generation's histories with `python scripts/record_histories.py` beside the older ones. 1.0.0 is
the baseline: every history here is of it, and none took a marker.
"""

import base64
import json
from datetime import datetime
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from control.runtime import DATA_CONVERTER, WORKFLOWS
from workflows import markers
from workflows.outbox import MAX_ATTEMPTS

HISTORIES = sorted((Path(__file__).parent.parent / "histories").glob("*.json"))
# One per kind of workflow and per path (scripts/record_histories.py says how each is made).
PATHS = {
    # the year of the seed plan
    "fixed-closed-on-time",
    "fixed-never-done",
    "after-event-closed-late",
    "compound",
    "periodic-report",
    "recurring-event",
    "ongoing",
    "plan",
    "daily-digest",
    # every update and signal
    "messages-extension-reassign-carry-over",
    "messages-event-corrected-evidence",
    "messages-cancel",
    "messages-recurring",
    "messages-late-start",
    "messages-after-its-event",
    "messages-plan",
    "evidence-rejected",
    # started late, and over several years
    "plan-started-after-its-year",
    "task-started-after-its-year",
    "plan-of-several-years",
    "yearly-task-of-several-years",
    "ongoing-task-of-several-years",
    # record first, tell later
    "plan-started-on-a-saturday",
    "evidence-at-night-held-over-the-weekend",
    "decision-while-messages-are-held",
    "continues-as-new-with-messages-queued",
    "continued-with-its-messages-queued",
    "evidence-held-over-tet",
    "dead-channel",
}


def events(path: Path) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))["events"]
    return found


def by_name() -> dict[str, list[dict[str, object]]]:
    return {path.stem: events(path) for path in HISTORIES}


def test_there_is_a_history_of_each_path_of_the_current_generation() -> None:
    suffix = (
        "" if markers.generations()[-1] == markers.BASELINE else f".{markers.generations()[-1]}"
    )
    assert {path.stem for path in HISTORIES} >= {f"{name}{suffix}" for name in PATHS}


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


def test_the_baseline_takes_no_marker_and_later_generations_only_listed_ones() -> None:
    listed = {marker.name for marker in markers.LIVE}
    for path in HISTORIES:
        assert patches(path) <= listed, path.stem


def kinds(event: dict[str, object]) -> str:
    """What an event is, in a word: its attributes' name, an activity by its type."""
    for name, value in event.items():
        if name.endswith("EventAttributes"):
            if name == "activityTaskScheduledEventAttributes" and isinstance(value, dict):
                return f"scheduled:{value['activityType']['name']}"
            return name.removesuffix("EventAttributes")
    return ""


def batch_instants(event: dict[str, object]) -> list[datetime]:
    """The instants the messages of a `send_messages` batch were asked for."""
    scheduled = event["activityTaskScheduledEventAttributes"]
    assert isinstance(scheduled, dict)
    [batch] = scheduled["input"]["payloads"]
    messages = json.loads(base64.b64decode(batch["data"]))["messages"]
    return [datetime.fromisoformat(m["request"]["scheduled_at"]) for m in messages]


def test_an_update_is_answered_before_any_message_it_causes_is_sent() -> None:
    """Record first, tell later: between an update's acceptance and its answer the workflow
    records (activities, local activities) and may send what earlier steps and decisions asked
    for, but nothing this update decided."""
    checked = 0
    for name, found in by_name().items():
        accepted_at: list[datetime] = []
        for event in found:
            kind = kinds(event)
            if kind == "workflowExecutionUpdateAccepted":
                accepted_at.append(datetime.fromisoformat(str(event["eventTime"])))
            elif kind == "workflowExecutionUpdateCompleted" and accepted_at:
                accepted_at.pop(0)
                checked += 1
            elif kind == "scheduled:send_messages" and accepted_at:
                assert all(at < accepted_at[0] for at in batch_instants(event)), name
    assert checked > 20


def sent_batches(found: list[dict[str, object]]) -> int:
    return sum(1 for event in found if kinds(event) == "scheduled:send_messages")


def test_held_messages_wait_on_a_timer_not_in_an_activity_retry() -> None:
    histories = by_name()
    for name in (
        "evidence-at-night-held-over-the-weekend",
        "decision-while-messages-are-held",
        "evidence-held-over-tet",
        "continued-with-its-messages-queued",
    ):
        found = [kinds(event) for event in histories[name]]
        # Held (by the activity's answer, or already in the queue the run was given): a timer
        # until the opening, then the send.
        assert any(
            kind == "timerFired" and "scheduled:send_messages" in found[i : i + 6]
            for i, kind in enumerate(found)
        ), name
    # The run that continued as new did so with messages still queued: none sent in it after
    # the evidence (they came back held), and the next run sent them.
    ended = [kinds(event) for event in histories["continues-as-new-with-messages-queued"]]
    assert ended[-1] == "workflowExecutionContinuedAsNew"


def test_a_dead_channel_is_tried_on_timers_until_given_up() -> None:
    found = by_name()["dead-channel"]
    # The first run's batches: the plan's own, the request's attempts, the grant's.
    assert sent_batches(found) >= MAX_ATTEMPTS
    timers = sum(1 for event in found if kinds(event) == "timerFired")
    assert timers >= MAX_ATTEMPTS - 1


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_without_nondeterminism(path: Path) -> None:
    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=DATA_CONVERTER)
    history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
