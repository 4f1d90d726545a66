"""An error of the engine ends a verb in one line that says what happened and whether what was
asked is recorded, never a traceback: on a real dev server, an update no worker answers (its
call times out: it may be recorded) and one for a workflow the engine does not have (refused:
nothing recorded)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import typer
from temporalio.client import Client

from commands.running import with_client
from settings import Settings, get_settings
from tests.drills.harness import DevServer

NOBODY = "nobody-polls-this-queue"
# How long the verb's update call may wait here: short, since no worker will ever answer it.
CALL_TIMEOUT = timedelta(seconds=2)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Settings]:
    server = DevServer(tmp_path / "temporal")
    server.start()
    settings = get_settings().model_copy(
        update={"temporal_address": server.address, "task_queue": NOBODY}
    )

    async def task_without_a_worker() -> None:
        client = await server.client(settings)
        await client.start_workflow("TaskWorkflow", id="plan/I.1", task_queue=NOBODY)

    try:
        asyncio.run(task_without_a_worker())
        yield settings
    finally:
        server.kill()


def said(capsys: pytest.CaptureFixture[str], action: object, settings: Settings) -> str:
    with pytest.raises(typer.Exit) as ended:
        with_client(settings, action, needs_worker=False)  # type: ignore[arg-type]
    assert ended.value.exit_code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_an_engine_error_is_one_line_saying_whether_it_was_recorded(
    engine: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    async def evidence(client: Client) -> None:
        handle = client.get_workflow_handle("plan/I.1")
        await handle.execute_update("submit_evidence", rpc_timeout=CALL_TIMEOUT)

    line = said(capsys, evidence, engine)
    assert line.startswith("error: the engine did not answer in time; what was asked may be")
    assert "see `scheduler.py history TASK` before asking again" in line

    async def unknown(client: Client) -> None:
        handle = client.get_workflow_handle("plan/IX.99")
        await handle.execute_update("submit_evidence", rpc_timeout=CALL_TIMEOUT)

    line = said(capsys, unknown, engine)
    assert line.startswith("error: the engine refused it (")
    assert line.endswith("); nothing was recorded")
