"""A real SMTP server on loopback for the benchmarks: it accepts every message and counts them by
Message-ID, so that a burst is checked where the drills check it, at the server (a message
lost, or sent twice, shows there and nowhere else).

The server runs in a process of its own (`python -m benchmarks.smtp_sink`): in the benchmark's
process its answers waited for the benchmark's own polling of the log under one GIL, and a burst
measured that wait as the product's lateness (docs/BENCHMARKS.md, third session). It writes its
counts to a file when it is told to stop."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

SENDER = "nhachan@snv.binhdinh.gov.vn"
ROOT = Path(__file__).resolve().parent.parent
# How long the server may take to start listening, and to write its counts once told to stop.
START_LIMIT_S = 30.0
STOP_LIMIT_S = 30.0


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
    """`with SmtpSink(folder) as sink:` a server on a free port of 127.0.0.1, in a process of
    its own, while the block runs; its counts (`accepted`, `doubled`) once the block has ended."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._counts = folder / "smtp-sink-counts.json"
        self._log = folder / "smtp-sink.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._message_ids: Counter[str] = Counter()

    def __enter__(self) -> SmtpSink:
        self._counts.unlink(missing_ok=True)
        with self._log.open("wb") as log:  # the child keeps its own copy
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.smtp_sink",
                    "--port",
                    str(self.port),
                    "--counts",
                    str(self._counts),
                ],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_LIMIT_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self._process.kill()
                    raise RuntimeError(
                        f"the SMTP sink did not start on port {self.port} (see {self._log})"
                    ) from None
                time.sleep(0.1)

    def __exit__(self, *_exc: object) -> None:
        process = self._process
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_LIMIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if self._counts.exists():
            self._message_ids = Counter(json.loads(self._counts.read_text(encoding="utf-8")))

    def write_contacts(self, path: Path) -> Path:
        """A contacts file that sends every unit's messages to this server."""
        url = f"mailto://127.0.0.1:{self.port}/units@snv.binhdinh.gov.vn?from={SENDER}"
        path.write_text(f"default:\n  - {url}\n", encoding="utf-8")
        return path

    @property
    def accepted(self) -> int:
        """Every message the server accepted, a second copy of one included (after the block)."""
        return sum(self._message_ids.values())

    @property
    def doubled(self) -> int:
        """Messages accepted more than once, by Message-ID (after the block)."""
        return sum(1 for count in self._message_ids.values() if count > 1)


async def _serve(port: int, counts: Path) -> None:
    inbox = _Counting()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(inbox, hostname="127.0.0.1"), host="127.0.0.1", port=port
    )
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    # Written before the server closes: a client may still hold a connection open.
    counts.write_text(json.dumps(dict(inbox.message_ids)), encoding="utf-8")
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--counts", type=Path, required=True, help="where to write the counts")
    args = parser.parse_args()
    asyncio.run(_serve(args.port, args.counts))


if __name__ == "__main__":
    main()
