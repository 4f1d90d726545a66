from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notifications.servers import SmtpServer, ZaloApi


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def zalo() -> Iterator[ZaloApi]:
    api = ZaloApi()
    server = api.serve()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
