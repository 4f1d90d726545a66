"""Running the engine until told to stop: `worker.py` (a worker against a standing server) and
`scheduler.py run` (the dev server, a worker and a plan on this machine).

Both stop on SIGTERM and SIGINT alike: the worker stops taking work and gives what it is doing
(a message half sent) `GRACEFUL_SHUTDOWN` to finish and be logged; `run` then stops the dev
server it started. `run` also ends, with one line saying so, when its dev server stops answering,
and refuses to start on a port another program holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest, GetSystemInfoRequest
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from control.preflight import EngineUnavailable
from control.runtime import activity_threads, build_worker, connect, start_dev_server
from models.workflow_ids import DAILY_DIGEST_WORKFLOW_ID
from settings import Settings

# How often `run` asks its dev server whether it is alive, and how many silences end `run`.
HEALTH_EVERY = timedelta(seconds=2)
HEALTH_MISSES = 3
# A worker that stops waits this long, at most, for its own shutdown once the server is gone.
SHUTDOWN_WAIT = timedelta(seconds=45)
# A live worker's long polls reach the server at least this often (each lasts about a minute);
# the server lists a poller for minutes after its worker died.
POLLED_WITHIN = timedelta(seconds=90)
# How long a verb waits for a worker to answer before saying it does not.
WORKER_ANSWERS_WITHIN = timedelta(seconds=8)


class PortTaken(EngineUnavailable):
    """A port `run` needs is held by another program."""


def listen_address(settings: Settings) -> tuple[str, int]:
    """Where the web app listens: NHACHAN_WEB_LISTEN, else the public URL's host and port."""
    if settings.web_listen:
        host, _, port = settings.web_listen.rpartition(":")
        return host or "127.0.0.1", int(port)
    url = urlparse(settings.public_url)
    default_port = 443 if url.scheme == "https" else 80
    host = url.hostname or "127.0.0.1"
    if host not in ("127.0.0.1", "localhost", "0.0.0.0", "::1"):
        # Behind a proxy that owns the public name: listen on loopback.
        host = "127.0.0.1"
    return host, url.port or default_port


def check_ports_free(settings: Settings) -> None:
    """The dev server's port, its UI's port and the web app's are free; else `PortTaken` naming
    the port and the setting that chose it (often a server an earlier `run` left behind)."""
    host, _, port = settings.temporal_address.rpartition(":")
    host = host or "127.0.0.1"
    web_host, web_port = listen_address(settings)
    web_setting = "NHACHAN_WEB_LISTEN" if settings.web_listen else "NHACHAN_PUBLIC_URL"
    for address, number, setting in (
        (host, int(port), "NHACHAN_TEMPORAL_ADDRESS"),
        (host, settings.temporal_ui_port, "NHACHAN_TEMPORAL_UI_PORT"),
        (web_host, web_port, web_setting),
    ):
        with socket.socket() as probe:
            # A port whose last connection is closing is free to listen on again.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((address, number))
            except OSError as error:
                raise PortTaken(
                    f"port {number} on {address} ({setting}) is taken ({error.strerror}): another "
                    "program listens there, perhaps a Temporal server an earlier run left "
                    f"behind; stop it, or set {setting} to a free port"
                ) from None


def stop_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT (Ctrl-C), for the running loop to end on."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    return stop


async def server_stopped(client: Client) -> None:
    """Returns once the server has not answered `HEALTH_MISSES` checks in a row."""
    missed = 0
    while missed < HEALTH_MISSES:
        await asyncio.sleep(HEALTH_EVERY.total_seconds())
        try:
            await client.workflow_service.get_system_info(
                GetSystemInfoRequest(), timeout=HEALTH_EVERY
            )
            missed = 0
        except (RPCError, RuntimeError):
            missed += 1


async def require_worker(client: Client, settings: Settings) -> None:
    """Raises `EngineUnavailable` unless a worker serves the task queue, asking nothing that
    records anything: a verb that needs the worker says so in seconds, and what it would have
    asked is not left with the server to be applied whenever a worker comes back.

    The server lists a worker's polls for minutes after it died; a worker that stopped polling
    is not there, and one that polled lately must answer a query (the built-in stack trace of
    the daily digest workflow, which every started plan has) within `WORKER_ANSWERS_WITHIN`."""
    where = f"task queue {settings.task_queue!r} at {settings.temporal_address}"
    start = "start `scheduler.py run` (or `worker.py`); nothing was recorded"
    described = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=settings.task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        ),
        timeout=WORKER_ANSWERS_WITHIN,
    )
    now = datetime.now(UTC)
    polled = [
        poller.last_access_time.ToDatetime(tzinfo=UTC)
        for poller in described.pollers
        if poller.HasField("last_access_time")
    ]
    if not any(now - instant < POLLED_WITHIN for instant in polled):
        raise EngineUnavailable(f"no worker serves the {where}: {start}")
    handle = client.get_workflow_handle(DAILY_DIGEST_WORKFLOW_ID)
    try:
        await handle.query("__stack_trace", rpc_timeout=WORKER_ANSWERS_WITHIN)
    except WorkflowQueryFailedError:
        return
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return  # no plan started yet: the polls are all there is to go by
        raise EngineUnavailable(
            f"the worker of the {where} does not answer (it may have just stopped): {start}"
        ) from None


async def run_worker(settings: Settings, *, extra_workflows: Sequence[type] = ()) -> None:
    """`worker.py`: the worker until SIGTERM or SIGINT, then a graceful stop. A server that goes
    away and comes back is waited for (the worker polls again)."""
    client = await connect(settings)
    stop = stop_signals()
    with ThreadPoolExecutor(max_workers=activity_threads(settings)) as executor:
        worker = build_worker(client, settings, executor=executor, extra_workflows=extra_workflows)
        runs = asyncio.create_task(worker.run())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({runs, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not runs.done():
            await worker.shutdown()
        await runs


async def serve_locally(
    settings: Settings, start: Callable[[Client], Coroutine[Any, Any, None]]
) -> None:
    """`run`: the dev server on its file under var/, the worker, then `start` (the plan); until
    SIGTERM or SIGINT, which stop the worker gracefully and then the dev server. A dev server
    that dies ends this with `EngineUnavailable`; so does one that cannot start."""
    stop = stop_signals()
    try:
        env = await start_dev_server(settings)
    except RuntimeError as error:
        raise EngineUnavailable(
            f"the Temporal dev server did not start on {settings.temporal_address}: "
            f"{_first_line(error)}"
        ) from None
    async with env:
        with ThreadPoolExecutor(max_workers=activity_threads(settings)) as executor:
            worker = build_worker(env.client, settings, executor=executor)
            runs = asyncio.create_task(worker.run())
            watch = asyncio.create_task(server_stopped(env.client))
            stopping = asyncio.create_task(stop.wait())
            starting = asyncio.create_task(start(env.client))
            ends: set[asyncio.Task[Any]] = {runs, watch, stopping}
            await asyncio.wait({starting, *ends}, return_when=asyncio.FIRST_COMPLETED)
            if starting.done() and not starting.cancelled() and starting.exception() is None:
                await asyncio.wait(ends, return_when=asyncio.FIRST_COMPLETED)
            died = watch.done()
            for task in (watch, stopping, starting):
                task.cancel()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(worker.shutdown(), SHUTDOWN_WAIT.total_seconds())
            if not died:
                for task in (starting, runs):
                    if task.done() and not task.cancelled() and task.exception() is not None:
                        raise task.exception()  # type: ignore[misc]
    if died:
        raise EngineUnavailable(
            f"the Temporal dev server at {settings.temporal_address} stopped answering; the "
            f"worker is stopped too. Its state is in {settings.var_dir}: run again to go on"
        )


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
