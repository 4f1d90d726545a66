"""A plan with a refused cell starts once the coordinator corrects the cell in place (the
`start --set` and web path): nothing starts without the correction; with it every task starts
and the stored task keeps the document's text and the correction.

Only the starts matter here: the dev server runs without a worker (nothing needs to run)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from control import starting
from control.runtime import start_dev_server
from models.tables import Task
from plan_import import parse_corrections
from settings import Settings
from storage.db import session_scope
from tests.engine.test_agency_search_attribute import settings
from workflows.task import task_workflow_id

__all__ = ["settings"]  # the fixture: a dev server of its own, a database of its own


async def test_a_refused_cell_corrected_in_place_starts(settings: Settings, tmp_path: Path) -> None:
    text = settings.plan_file.read_text(encoding="utf-8")
    row = "Văn phòng Sở\tCác đơn vị thuộc, trực thuộc Sở\tSau khi UBND tỉnh ban hành"
    path = tmp_path / "ke-hoach.txt"
    path.write_text(
        text.replace(row, row.replace("Sau khi UBND tỉnh ban hành", "Quý V")), encoding="utf-8"
    )
    at = datetime(2023, 1, 5, 1, 0, tzinfo=UTC)
    fix = parse_corrections(["I.2:deadline=Quý IV"], by="dieuphoi", at=at)
    env = await start_dev_server(settings)
    async with env:
        with pytest.raises(starting.PlanNotStartable, match=r"\(I\.2\)"):
            await starting.start_plan(env.client, settings, path, year=2023, with_digest=False)
        report = await starting.start_plan(
            env.client, settings, path, year=2023, with_digest=False, corrections=fix
        )
        assert len(report.started) == 32
        handle = env.client.get_workflow_handle(task_workflow_id(report.plan_key, "I.2"))
        assert (await handle.describe()).id == task_workflow_id(report.plan_key, "I.2")
    with session_scope(settings.resolved_database_url()) as session:
        task = session.exec(select(Task).where(Task.code == "I.2")).one()
        assert task.deadline_text == "Quý IV"
        assert task.corrections == [
            {
                "field": "deadline",
                "original": "Quý V",
                "corrected": "Quý IV",
                "by": "dieuphoi",
                "at": "2023-01-05T01:00:00+00:00",
            }
        ]
