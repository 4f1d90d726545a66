"""Stand-ins for the outside world, on 127.0.0.1: a real SMTP server (aiosmtpd) that can be
taken down and brought back, and an HTTP server in the shape of the Zalo Bot API."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

# Where the ports servers listen on are picked: below the kernel's ephemeral range, which every
# outgoing connection on the machine takes its local port from. A port the kernel handed out from
# that range, free when probed, was taken a moment later on a busy machine ("address already in
# use" when `run` started its web app, in the fail-fast drills under load).
LISTEN_PORTS = range(20_000, 32_768)


def _ephemeral_ports() -> range:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    except (OSError, ValueError):
        return range(32_768, 61_000)
    return range(int(low), int(high) + 1)


def free_port() -> int:
    """A port free on 127.0.0.1 now, outside the ephemeral range (when the machine leaves room
    below it), for a server the test starts next."""
    ephemeral = _ephemeral_ports()
    candidates = [p for p in (random.choice(LISTEN_PORTS) for _ in range(50)) if p not in ephemeral]
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes
    # The client's address and port: one per SMTP connection.
    peer: Any = None


class _Inbox:
    def __init__(self) -> None:
        self.mails: list[ReceivedMail] = []
        # Recipients the server refuses (550), as a mailbox that does not exist.
        self.refused: set[str] = set()
        # Seconds the server takes to accept each message (a slow server; apprise waits 4 s
        # for an answer).
        self.delay = 0.0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=default_policy)  # type: ignore[arg-type]
        assert isinstance(message, EmailMessage)
        raw = bytes(envelope.content or b"")  # type: ignore[arg-type]
        recipients = [str(r) for r in envelope.rcpt_tos]
        self.mails.append(
            ReceivedMail(str(envelope.mail_from), recipients, message, raw, session.peer)
        )
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on a fixed loopback port; `stop()` and `start()` take it down and
    bring it back on the same port, keeping what it received."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = _Inbox()
        self._controller: Controller | None = None

    @property
    def mails(self) -> list[ReceivedMail]:
        return self.inbox.mails

    def url(self, to: str, *, sender: str = "nhachan@snv.binhdinh.gov.vn") -> str:
        return f"mailto://127.0.0.1:{self.port}/{to}?from={sender}"

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@dataclass
class ZaloRequest:
    path: str
    headers: dict[str, str]
    payload: dict[str, Any]


@dataclass
class ZaloApi:
    """The Zalo Bot API's sendMessage, as https://bot.zapps.me/docs/apis/sendMessage/ shows it,
    and its getUpdates: the updates queued by `chat_sends` are handed out once each, in order
    (long polling: an empty queue is answered after a short wait), and the photos they point to
    are served under /photos/."""

    port: int = field(default_factory=free_port)
    requests: list[ZaloRequest] = field(default_factory=list)
    # What the next answers are: 200 with ok=true, or an error status with ok=false.
    failing: bool = False
    updates: list[dict[str, Any]] = field(default_factory=list)
    photos: dict[str, bytes] = field(default_factory=dict)
    _sent: int = 0

    def chat_sends(
        self, chat_id: str, *, text: str = "", photo: bytes | None = None
    ) -> dict[str, Any]:
        """A unit's chat writes to the bot: the update getUpdates (or a webhook) delivers."""
        self._sent += 1
        message: dict[str, Any] = {
            "message_id": f"zm{self._sent}",
            "from": {"id": chat_id},
            "chat": {"id": chat_id, "chat_type": "PRIVATE"},
            "date": 1,
        }
        if photo is not None:
            name = f"p{self._sent}.jpg"
            self.photos[name] = photo
            message["photo"] = f"{self.base}/photos/{name}"
            message["caption"] = text
            event = "message.image.received"
        else:
            message["text"] = text
            event = "message.text.received"
        update = {"event_name": event, "message": message}
        self.updates.append(update)
        return update

    def sent_to(self, chat_id: str) -> list[str]:
        """The texts the bot sent to the chat."""
        return [
            str(r.payload.get("text"))
            for r in self.requests
            if r.path.endswith("/sendMessage") and str(r.payload.get("chat_id")) == chat_id
        ]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self) -> ThreadingHTTPServer:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                content = api.photos.get(self.path.rsplit("/", 1)[-1])
                if content is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                api.requests.append(ZaloRequest(self.path, dict(self.headers.items()), payload))
                if self.path.endswith("/getUpdates") and not api.failing:
                    if not api.updates:
                        time.sleep(0.2)
                    taken, api.updates[:] = list(api.updates), []
                    status, answer = 200, {"ok": True, "result": taken}
                elif api.failing:
                    status, answer = 401, {"ok": False, "error_code": 401, "description": "x"}
                else:
                    status, answer = 200, {"ok": True, "result": {"message_id": "m1"}}
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server
