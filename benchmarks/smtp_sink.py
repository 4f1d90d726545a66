"""A real SMTP server on loopback for the benchmarks: it accepts every message and counts them by
Message-ID, so that a burst is checked where the drills check it, at the server (a message
lost, or sent twice, shows there and nowhere else)."""

from __future__ import annotations

import socket
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

SENDER = "nhachan@snv.binhdinh.gov.vn"


class _Counting:
    def __init__(self) -> None:
        self.message_ids: Counter[str] = Counter()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = bytes(envelope.original_content or envelope.content or b"")  # type: ignore[arg-type]
        header, _, _body = content.partition(b"\r\n\r\n")
        message_id = next(
            (
                line.split(b":", 1)[1].strip().decode("ascii", "replace")
                for line in header.split(b"\r\n")
                if line.lower().startswith(b"message-id:")
            ),
            "",
        )
        self.message_ids[message_id] += 1
        return "250 Message accepted for delivery"


class SmtpSink:
    """`with SmtpSink() as sink:` a server on a free port of 127.0.0.1 while the block runs."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._inbox = _Counting()
        self._controller = Controller(self._inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._controller.stop()

    def write_contacts(self, path: Path) -> Path:
        """A contacts file that sends every unit's messages to this server."""
        url = f"mailto://127.0.0.1:{self.port}/units@snv.binhdinh.gov.vn?from={SENDER}"
        path.write_text(f"default:\n  - {url}\n", encoding="utf-8")
        return path

    @property
    def accepted(self) -> int:
        """Every message the server accepted, a second copy of one included."""
        return sum(self._inbox.message_ids.values())

    @property
    def doubled(self) -> int:
        """Messages accepted more than once (by Message-ID)."""
        return sum(1 for count in self._inbox.message_ids.values() if count > 1)
