"""The time-skipping test server, started at a chosen instant.

The test server begins at the machine's clock and only skips forward, so to run a plan of 2023
it is started under libfaketime (a Debian package: `scripts/setup-system.sh` installs it),
which sets the clock the server starts from. Everything else (workers, activities) runs on
the real clock and takes its time from the server.
"""

from __future__ import annotations

import glob
import os
import shlex
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from control.runtime import DATA_CONVERTER, bundled_binary, quiet_runtime
from workflows import search_attributes

FAKETIME_LIBRARY_PATTERNS = (
    "/usr/lib/*/faketime/libfaketimeMT.so.1",
    "/usr/lib/faketime/libfaketimeMT.so.1",
)


class MissingFaketime(RuntimeError):
    pass


def faketime_library() -> str:
    for pattern in FAKETIME_LIBRARY_PATTERNS:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    raise MissingFaketime(
        "libfaketime is not installed: run `make setup` (scripts/setup-system.sh installs the "
        "Debian package libfaketime)"
    )


def _launcher(start: datetime, folder: Path) -> Path:
    """A one-line wrapper that starts the bundled test server with its clock at `start`."""
    utc = start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    script = folder / "temporal-test-server-at"
    script.write_text(
        "#!/bin/sh\n"
        f"export LD_PRELOAD={shlex.quote(faketime_library())}\n"
        "export TZ=UTC\n"
        # '@' starts the clock at that instant and lets it run on from there.
        f"export FAKETIME={shlex.quote('@' + utc)}\n"
        "export FAKETIME_DONT_RESET=1\n"
        f'exec {shlex.quote(bundled_binary("temporal-test-server"))} "$@"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


async def start_time_skipping_at(start: datetime) -> WorkflowEnvironment:
    """A time-skipping environment whose clock begins at `start` (an aware datetime)."""
    if start.tzinfo is None:
        raise ValueError("the start instant must carry its time zone")
    folder = Path(tempfile.mkdtemp(prefix="nhachan-clock-"))
    launcher = _launcher(start, folder)
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=DATA_CONVERTER,
        runtime=quiet_runtime(),
        test_server_existing_path=os.fspath(launcher),
    )
    # The test server, like any server, refuses search attributes it was not told about.
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
                for key in search_attributes.ALL
            },
        )
    )
    return env
