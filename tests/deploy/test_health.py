"""The containers' health checks: a worker is healthy while Temporal hears it poll from this
host; the web app while it answers."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from control.health import answers, main, worker_polls
from control.runtime import build_worker, start_dev_server
from settings import Settings
from storage.db import upgrade_schema


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_worker_is_healthy_while_it_polls(tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path,
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_port=free_port(),
        task_queue="nhachan-health",
    )
    upgrade_schema(settings.resolved_database_url())
    async with await start_dev_server(settings) as server:
        client = server.client
        assert not await worker_polls(client, settings.task_queue)
        with ThreadPoolExecutor(max_workers=2) as executor:
            async with build_worker(client, settings, executor=executor):
                for _ in range(50):
                    if await worker_polls(client, settings.task_queue):
                        break
                    await asyncio.sleep(0.2)
                else:
                    pytest.fail("the running worker was never seen polling")
                assert not await worker_polls(client, settings.task_queue, host="another-host")


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = {"/": 200, "/login-first": 303, "/broken": 500}.get(self.path, 404)
        self.send_response(status)
        if status == 303:
            self.send_header("Location", "/missing")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_web_app_is_healthy_while_it_answers(site: str) -> None:
    assert answers(f"{site}/")
    assert answers(f"{site}/login-first")  # a page behind a login still answers
    assert not answers(f"{site}/broken")
    assert not answers(f"http://127.0.0.1:{free_port()}/")
    assert main(["http", f"{site}/"]) == 0
    assert main(["http", f"{site}/broken"]) == 1
    assert main(["bogus"]) == 2
