"""`python -m control.health worker` or `python -m control.health http URL`: a container's health
check (the Dockerfile's and docker-compose.yml's), exit status 0 when healthy, 1 when not.

- worker: the worker of this host polls its task queue for both workflow and activity tasks.
  Temporal lists the pollers it heard from lately, each named `<pid>@<host>` (the SDK's
  default identity), so a worker that lost the server, or hangs, drops off the list.
- http URL: the web app answers at URL; any status below 500 is an answer.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import urllib.error
import urllib.request

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from control.runtime import connect
from settings import get_settings

POLLED_KINDS = (
    TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
)


async def worker_polls(client: Client, task_queue: str, host: str | None = None) -> bool:
    """Whether a worker of `host` (this one by default) polls `task_queue` for both kinds."""
    suffix = f"@{host or socket.gethostname()}"
    for kind in POLLED_KINDS:
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=task_queue),
                task_queue_type=kind,
            )
        )
        if not any(poller.identity.endswith(suffix) for poller in response.pollers):
            return False
    return True


def answers(url: str, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status) < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (urllib.error.URLError, OSError):
        return False


async def _worker_healthy() -> bool:
    settings = get_settings()
    try:
        client = await connect(settings)
        return await worker_polls(client, settings.task_queue)
    except RuntimeError:  # the server cannot be reached
        return False


def main(arguments: list[str]) -> int:
    match arguments:
        case ["worker"]:
            healthy = asyncio.run(_worker_healthy())
        case ["http", url]:
            healthy = answers(url)
        case _:
            print(__doc__, file=sys.stderr)
            return 2
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
