"""`python worker.py`: the worker that runs every workflow and activity of nhachan, against the
Temporal server at NHACHAN_TEMPORAL_ADDRESS (`scheduler.py run` starts one of its own)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from control.runtime import build_worker, connect
from settings import get_settings
from storage.db import upgrade_schema


async def main() -> None:
    settings = get_settings()
    upgrade_schema(settings.resolved_database_url())
    client = await connect(settings)
    with ThreadPoolExecutor(max_workers=16) as executor:
        await build_worker(client, settings, executor=executor).run()


if __name__ == "__main__":
    asyncio.run(main())
