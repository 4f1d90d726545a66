"""Recorded histories of each kind of workflow replay against the current code.

A change that makes one fail would break workflows already running for months: guard it with
`workflow.patched(...)` so old histories take the old path, then record new histories with
`python scripts/record_histories.py` and keep the old ones beside them.
"""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from control.runtime import DATA_CONVERTER, WORKFLOWS

HISTORIES = sorted((Path(__file__).parent.parent / "histories").glob("*.json"))


def test_there_is_a_history_of_each_kind() -> None:
    assert {path.stem for path in HISTORIES} >= {
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


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_without_nondeterminism(path: Path) -> None:
    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=DATA_CONVERTER)
    history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
