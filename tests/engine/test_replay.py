"""Recorded histories of each kind of workflow and each path replay against the current code.

A change that makes one fail would break workflows already running for months: put it behind a
marker (workflows/markers.py) so that older runs take the old path, then record the new
generation's histories with `python scripts/record_histories.py` beside the older ones. 1.0.0 is
the baseline (`<name>.json`, no marker taken); 1.1.0 took "local-send" (`<name>.1.1.0.json`: a
task's batch of messages by a local activity, but for what a round answering an update queued)
and "first-plan-from-the-starter" (a task's first plan from its input, not `plan_task`); 1.2.0
took "record-and-send" (`<name>.1.2.0.json`: a round's write and its messages due at once in one
local activity) and records one marker for its release, not one per change; 1.3.0 took
"units-told-once" (`<name>.1.3.0.json`: an event's units told once by the plan) and
"known-events-locally" (a task waiting on an event reads the plan's known events by a local
activity in its first workflow task).
"""

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

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
    releases = {markers.release_marker(g) for g in markers.generations()}
    for path in HISTORIES:
        assert patches(path) <= listed | releases, path.stem


def test_from_1_2_0_a_run_records_one_marker_for_its_release() -> None:
    """(The daily digest asks none: its workflow has no marker yet.)"""
    expected = {
        ".1.1.0": {"local-send", markers.FIRST_PLAN_FROM_THE_STARTER},
        ".1.2.0": {markers.release_marker("1.2.0")},
        ".1.3.0": {markers.release_marker("1.3.0")},
    }
    counted = dict.fromkeys(expected, 0)
    for path in HISTORIES:
        for suffix, taken in expected.items():
            if path.stem.endswith(suffix) and patches(path):
                assert patches(path) == taken, path.stem
                counted[suffix] += 1
    assert set(counted.values()) == {len(PATHS) - 1}


def _decoded(payloads: dict[str, Any]) -> list[Any]:
    return [json.loads(base64.b64decode(p["data"])) for p in payloads.get("payloads", [])]


def local_activity(event: dict[str, object]) -> dict[str, Any] | None:
    """What a local activity's marker recorded (its type, attempt...), or None."""
    marker = event.get("markerRecordedEventAttributes")
    if not isinstance(marker, dict) or marker.get("markerName") != "core_local_activity":
        return None
    [data] = _decoded(marker["details"]["data"])
    found: dict[str, Any] = data
    return found


def kinds(event: dict[str, object]) -> str:
    """What an event is, in a word: its attributes' name, an activity by its type (a local one
    as `local:<type>`)."""
    for name, value in event.items():
        if name.endswith("EventAttributes"):
            if name == "activityTaskScheduledEventAttributes" and isinstance(value, dict):
                return f"scheduled:{value['activityType']['name']}"
            local = local_activity(event)
            if local is not None:
                return f"local:{local['activity_type']}"
            return name.removesuffix("EventAttributes")
    return ""


# A task's batch of messages, by an activity (the baseline), a local one (marker local-send), or
# a local one that writes the round's projection first (marker record-and-send).
SENDS = {"scheduled:send_messages", "local:send_messages", "local:record_and_send"}


def batch_instants(event: dict[str, object]) -> list[datetime]:
    """The instants the messages of a `send_messages` batch were asked for: from the activity's
    input, or from the keys of a local activity's results (its marker keeps no input; a key
    ends with the instant, workflows.notification_calls.milestone_request)."""
    scheduled = event.get("activityTaskScheduledEventAttributes")
    if isinstance(scheduled, dict):
        [batch] = scheduled["input"]["payloads"]
        messages = json.loads(base64.b64decode(batch["data"]))["messages"]
        return [datetime.fromisoformat(m["request"]["scheduled_at"]) for m in messages]
    marker = event["markerRecordedEventAttributes"]
    assert isinstance(marker, dict)
    results = _decoded(marker["details"].get("result", {}))
    return [
        datetime.fromisoformat(result["key"].rsplit("/", 1)[1])
        for found in results
        for result in found
    ]


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
            elif kind in SENDS and accepted_at:
                assert all(at < accepted_at[0] for at in batch_instants(event)), name
    assert checked > 20


def sent_batches(found: list[dict[str, object]]) -> int:
    return sum(1 for event in found if kinds(event) in SENDS)


# The suffix of each generation's histories (the baseline's have none).
SUFFIXES = ["" if g == markers.BASELINE else f".{g}" for g in markers.generations()]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_held_messages_wait_on_a_timer_not_in_an_activity_retry(suffix: str) -> None:
    histories = by_name()
    for name in (
        "evidence-at-night-held-over-the-weekend",
        "decision-while-messages-are-held",
        "evidence-held-over-tet",
        "continued-with-its-messages-queued",
    ):
        found = [kinds(event) for event in histories[name + suffix]]
        # Held (by the activity's answer, or already in the queue the run was given): a timer
        # until the opening, then the send.
        assert any(
            kind == "timerFired" and SENDS & set(found[i : i + 6]) for i, kind in enumerate(found)
        ), name
    # The run that continued as new did so with messages still queued: none sent in it after
    # the evidence (they came back held), and the next run sent them.
    ended = [kinds(event) for event in histories["continues-as-new-with-messages-queued" + suffix]]
    assert ended[-1] == "workflowExecutionContinuedAsNew"


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_dead_channel_is_tried_on_timers_until_given_up(suffix: str) -> None:
    found = by_name()["dead-channel" + suffix]
    # The first run's batches: the plan's own, the request's attempts, the grant's.
    assert sent_batches(found) >= MAX_ATTEMPTS
    timers = sum(1 for event in found if kinds(event) == "timerFired")
    assert timers >= MAX_ATTEMPTS - 1


def commands_of_each_workflow_task(found: list[dict[str, object]]) -> list[list[str]]:
    """The events each completed workflow task wrote (its commands, markers, update answers)."""
    tasks: list[list[str]] = []
    current: list[str] | None = None
    for event in found:
        kind = kinds(event)
        if kind == "workflowTaskCompleted":
            current = []
            tasks.append(current)
        elif kind == "workflowTaskScheduled":
            current = None
        elif current is not None:
            current.append(kind)
    return tasks


def test_from_1_1_0_a_steps_messages_leave_in_the_workflow_task_of_its_timer() -> None:
    histories = by_name()
    # A task that only follows its schedule: every batch the baseline sent by an activity (and
    # a workflow task for its result) is a local activity of the timer's workflow task.
    before, after = histories["fixed-never-done"], histories["fixed-never-done.1.1.0"]
    assert sent_batches(before) == sent_batches(after) > 10
    assert not any(kinds(event) == "scheduled:send_messages" for event in after)
    workflow_tasks = [
        sum(1 for event in found if kinds(event) == "workflowTaskCompleted")
        for found in (before, after)
    ]
    assert workflow_tasks[1] == workflow_tasks[0] - sent_batches(before)


def test_from_1_2_0_a_steps_write_and_messages_are_one_local_activity() -> None:
    histories = by_name()
    before, after = histories["fixed-never-done.1.1.0"], histories["fixed-never-done.1.2.0"]
    assert sent_batches(before) == sent_batches(after) > 10
    local = [
        sum(1 for event in found if kinds(event).startswith("local:")) for found in (before, after)
    ]
    assert local[1] == local[0] - sent_batches(before)
    # The write comes with the batch: no workflow task writes and sends in two.
    for commands in commands_of_each_workflow_task(after):
        if "local:record_and_send" in commands:
            assert "local:record_task_state" not in commands
            assert "local:send_messages" not in commands


def test_from_1_2_0_a_task_does_not_wake_with_nothing_to_do() -> None:
    """Ongoing work waits for its year's end in one timer, not in 30-day wake-ups."""
    histories = by_name()
    before, after = histories["ongoing.1.1.0"], histories["ongoing.1.2.0"]
    timers = [
        sum(1 for event in found if kinds(event) == "timerStarted") for found in (before, after)
    ]
    assert timers[1] < timers[0]


def test_from_1_2_0_a_task_plans_a_year_ahead() -> None:
    """Its own planning asks for a year of steps, not 120 days: fewer calls over two years."""
    histories = by_name()
    name = "ongoing-task-of-several-years"
    calls = [
        sum(1 for event in histories[name + suffix] if kinds(event) == "local:schedule_milestone")
        for suffix in (".1.1.0", ".1.2.0")
    ]
    assert 0 < calls[1] < calls[0]


def told_kinds(found: list[dict[str, Any]]) -> list[str]:
    """The kinds of the messages a task's local sends settled (each result names its key)."""
    told: list[str] = []
    for event in found:
        marker = event.get("markerRecordedEventAttributes")
        if not isinstance(marker, dict) or marker.get("markerName") != "core_local_activity":
            continue
        payloads = marker["details"].get("result", {}).get("payloads", [])
        for payload in payloads:
            result = json.loads(base64.b64decode(payload["data"])) if "data" in payload else None
            if isinstance(result, list):
                told += [
                    r["key"].split("/")[3] for r in result if isinstance(r, dict) and "key" in r
                ]
    return told


def test_from_1_3_0_the_plan_tells_an_events_units_and_the_task_does_not() -> None:
    histories = by_name()
    scheduled = [
        sum(1 for event in histories[name] if kinds(event) == "scheduled:send_clocks_started")
        for name in ("plan.1.2.0", "plan.1.3.0")
    ]
    assert scheduled[0] == 0 and scheduled[1] >= 1
    name = "after-event-closed-late"
    assert "clock_started" in told_kinds(histories[name + ".1.2.0"])
    assert "clock_started" not in told_kinds(histories[name + ".1.3.0"])
    assert "reminder" in told_kinds(histories[name + ".1.3.0"])


def test_from_1_3_0_a_task_waiting_on_an_event_runs_after_one_workflow_task() -> None:
    """Its first workflow task reads the plan's known events by a local activity and goes on
    to publish its state and wait, where an older run asked an activity and waited for a
    second workflow task."""
    histories = by_name()
    checked = 0
    for name in ("after-event-closed-late", "messages-after-its-event"):
        before = commands_of_each_workflow_task(histories[f"{name}.1.2.0"])[0]
        after = commands_of_each_workflow_task(histories[f"{name}.1.3.0"])[0]
        assert "scheduled:events_for_plan" in before
        assert "local:events_for_plan" in after
        assert "timerStarted" not in before and "timerStarted" in after
        checked += 1
    assert checked == 2


@pytest.mark.parametrize("suffix", SUFFIXES[1:])
def test_from_1_1_0_no_update_is_answered_in_a_workflow_task_that_sends_locally(
    suffix: str,
) -> None:
    """The answer leaves with its workflow task: that task must not wait for a send."""
    checked = 0
    for name, found in by_name().items():
        if not name.endswith(suffix):
            continue
        for commands in commands_of_each_workflow_task(found):
            if "workflowExecutionUpdateCompleted" in commands:
                checked += 1
                assert not {"local:send_messages", "local:record_and_send"} & set(commands), name
    assert checked > 20


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_without_nondeterminism(path: Path) -> None:
    """Inside the SDK's sandbox, every workflow: the task workflow, which the worker runs
    outside it (workflows/task.py says why), is held to its rules here, where a clock read or
    I/O in its code fails the replay."""
    replayer = Replayer(
        workflows=list(WORKFLOWS),
        data_converter=DATA_CONVERTER,
        unsandboxed_workflow_runner=SandboxedWorkflowRunner(),
    )
    history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
