"""Two agencies' plans on one engine: every task and each plan's own workflow carries its
agency's code as the NhachanAgency search attribute from the moment it starts, so that
`temporal workflow list --query 'NhachanAgency="…"'` and the Temporal UI show one agency's work.

Only the starts matter here: the dev server runs without a worker (nothing needs to run)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.client import Client

from control import starting
from control.runtime import start_dev_server
from settings import PROJECT_ROOT, Settings
from tests.support.engine import deployment_settings
from workflows import search_attributes as sa
from workflows.plan import plan_workflow_id

DATA = PROJECT_ROOT / "tests" / "engine" / "data"
QNG_FILE = DATA / "svhttdl-qng-2025-2026.txt"
QNG_PLAN = "svhttdl-quang-ngai-cdvhttdl-2025-2026-46"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return deployment_settings(
        tmp_path, task_queue="nhachan-agencies", agencies_dir=DATA / "agencies"
    )


async def _listed(client: Client, query: str, expected: int) -> list[str]:
    """The workflow ids the query lists, once visibility has caught up with the starts."""
    found: list[str] = []
    for _ in range(120):
        found = sorted([w.id async for w in client.list_workflows(query)])
        if len(found) >= expected:
            break
        await asyncio.sleep(0.5)
    return found


async def test_each_task_and_plan_starts_with_its_agency(settings: Settings) -> None:
    env = await start_dev_server(settings)
    async with env:
        client = env.client
        home = await starting.start_plan(client, settings, settings.plan_file, with_digest=False)
        other = await starting.start_plan(client, settings, QNG_FILE, with_digest=False)
        assert other.plan_key == QNG_PLAN
        assert home.plan_key.startswith("snv-binh-dinh-")

        qng = await _listed(client, f'{sa.AGENCY.name} = "svhttdl-quang-ngai"', 5)
        assert qng == sorted(
            [plan_workflow_id(QNG_PLAN), *(f"{QNG_PLAN}/{code}" for code in other.started)]
        )
        tasks_of_home = await _listed(
            client,
            f'{sa.AGENCY.name} = "snv-binh-dinh" AND {sa.TASK_CODE.name} IS NOT NULL',
            len(home.started),
        )
        assert len(tasks_of_home) == len(home.started) == 32
        assert all(workflow_id.startswith(home.plan_key + "/") for workflow_id in tasks_of_home)
