"""One engine for every module of this folder (the dev server, its worker, the web app and the
plan the coordinator starts through the web), for the package: the modules act on tasks of
their own in it and read back only those, so that one dev server serves them all.

The modules run in the order their names give (test_1_…, test_2_…, test_3_…): the first reads
the plan as it started, before the decisions of the second change its dates and its waiting
task; each module also runs alone."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pendulum
import pytest

from control.runtime import start_dev_server
from notifications.channels import register_outbox
from tests.notifications.servers import SmtpServer, free_port
from tests.web.engine_actions.live import (
    LOCAL_TZ,
    Live,
    csrf_in,
    due_day,
    open_settings,
    plan_text,
    planned_board,
    signed_in,
    web_app,
    web_client,
    worker_of,
)


@pytest.fixture(scope="package")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
async def live(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> AsyncIterator[Live]:
    folder = tmp_path_factory.mktemp("engine-actions")
    settings = open_settings(folder, smtp, f"127.0.0.1:{free_port()}", free_port())
    register_outbox()
    env = await start_dev_server(settings)
    async with env, worker_of(env.client, settings):
        app = web_app(settings, env.client)
        due = due_day(pendulum.now(LOCAL_TZ).date())
        yield Live(settings, env.client, smtp, app, folder, due)


@pytest.fixture(scope="package")
async def plan(live: Live) -> Live:
    """The coordinator uploads the plan file through the import page, reads its preview and
    starts it: every other test acts on this plan."""
    async with web_client(live.app, live.settings.public_url) as coordinator:
        await signed_in(coordinator)
        page = await coordinator.get("/import")
        uploaded = await coordinator.post(
            "/import",
            data={"csrf": csrf_in(page.text), "year": str(live.due.year)},
            files={"file": ("ke-hoach.csv", plan_text(live.due).encode(), "text/csv")},
        )
        assert uploaded.status_code == 200, uploaded.text
        start = re.search(r'action="(/import/[0-9a-f]+/start)"', uploaded.text)
        assert start is not None, uploaded.text[-2000:]
        started = await coordinator.post(
            start.group(1), data={"csrf": csrf_in(uploaded.text), "year": str(live.due.year)}
        )
        assert started.status_code == 200, started.text
        found = re.search(r"/plans/([\w-]+)$", str(started.url))
        assert found is not None, started.url
        live.plan_key = found.group(1)
        live.started = [uploaded, started]
        await planned_board(coordinator, live.plan_key, tasks=10)
    return live


@pytest.fixture(scope="package")
async def office(plan: Live) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """The coordinator, signed in once for the package (as a person stays signed in)."""
    async with web_client(plan.app, plan.settings.public_url) as client:
        yield client, await signed_in(client)
