"""Serving the web app: alone (`scheduler.py web`), or beside the worker (`scheduler.py run`),
on the public URL's host and port unless NHACHAN_WEB_LISTEN says otherwise; and what the first
run tells a newcomer (a one-time sign-in, a sample unit link)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import uvicorn
from temporalio.client import Client

from control import accounts, links
from control.serving import listen_address
from models.tables import UnitRole
from settings import Settings
from storage.db import session_scope, upgrade_schema
from storage.overview import lead_units, unit_of_role
from storage.plans import latest_plan
from web.actions import EngineActions
from web.app import create_app
from web.context import wall_clock


def server(
    settings: Settings,
    *,
    client: Client | None = None,
    clock: Callable[[], datetime] = wall_clock,
) -> uvicorn.Server:
    """The web app's server; `client` is the engine's, when this process has one already."""
    host, port = listen_address(settings)
    app = create_app(settings, clock=clock, engine=EngineActions(settings, client))
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        # The app reads X-Forwarded-For itself, from the proxies the settings name only.
        proxy_headers=False,
        server_header=False,
    )
    return uvicorn.Server(config)


class _BesideServer(uvicorn.Server):
    """A server inside a process whose signals belong to someone else (`scheduler.py run`
    stops everything it started on Ctrl-C)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_beside(settings: Settings, client: Client) -> asyncio.Task[None]:
    """The web app served from this process's event loop, beside the worker; the engine's
    client is shared. Returns once it listens."""
    host, port = listen_address(settings)
    app = create_app(settings, engine=EngineActions(settings, client))
    web = _BesideServer(
        # No lifespan: the app has none, and `run` ending would cancel it with a traceback.
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            server_header=False,
            lifespan="off",
            proxy_headers=False,
        )
    )
    task = asyncio.create_task(web.serve())
    while not web.started:
        if task.done():
            task.result()  # a port already taken, say: its error, now
            raise RuntimeError(f"the web app did not start on {host}:{port}")
        await asyncio.sleep(0.05)
    return task


def serve_alone(settings: Settings) -> None:
    upgrade_schema(settings.resolved_database_url())
    host, port = listen_address(settings)
    print(f"nhachan web: {settings.public_url} (listening on {host}:{port}); Ctrl-C stops it.")
    for line in welcome(settings):
        print(line)
    try:
        asyncio.run(server(settings).serve())
    except KeyboardInterrupt:
        print("Stopped.")


def welcome(settings: Settings) -> list[str]:
    """What a newcomer needs to look at once: a one-time sign-in the first time (an account
    made now), and a link that opens a unit's page for the plan imported last."""
    lines: list[str] = []
    base = settings.public_url.rstrip("/")
    first = accounts.first_coordinator(settings)
    if first is not None:
        name, password = first
        lines.append(
            f"Web: sign in at {base}/login as '{name}' with the one-time password {password} "
            "(you choose your own at once; this is shown only now)."
        )
    else:
        lines.append(f"Web: {base}/ (sign in with your account).")
    with session_scope(settings.resolved_database_url()) as session:
        plan = latest_plan(session)
        leads = [] if plan is None or plan.id is None else lead_units(session, plan.id)
        # A unit's own page, not the coordinator's office (which leads tasks too).
        offices = {
            unit_of_role(session, UnitRole.COORDINATOR),
            unit_of_role(session, UnitRole.LEADERSHIP),
        }
        tasks_units = [code for code in leads if code not in offices]
    if tasks_units:
        unit = tasks_units[0]
        lines.append(
            f"A unit's own page ({unit}), as its messages link to it: "
            f"{links.unit_page_link(settings, unit)}"
        )
    return lines
