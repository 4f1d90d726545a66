"""A real mail system for the reply tests, on loopback: Debian's dovecot (IMAP, with a test user
and mailbox from a passwd-file, in a temp folder, on a free port, needing no root) and an SMTP
server (aiosmtpd) that delivers mail for the product's domain into that mailbox through dovecot's
own delivery agent (dovecot-lda, what a mail server runs for local delivery) and keeps the rest
(the units' mail) for the test to read."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

DOVECOT = Path("/usr/sbin/dovecot")
LDA = Path("/usr/lib/dovecot/dovecot-lda")
USER = "nhachan"
PASSWORD = "mat-khau-thu"
DOMAIN = "so.test"
MAILBOX = f"{USER}@{DOMAIN}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Dovecot:
    """One dovecot instance of its own; `stop()` and `start()` take IMAP down and back."""

    def __init__(self, folder: Path) -> None:
        if not DOVECOT.exists() or not LDA.exists():
            raise RuntimeError("dovecot is not installed: run `make setup` (dovecot-imapd)")
        self.folder = folder
        self.port = free_port()
        self.config = folder / "dovecot.conf"
        for sub in ("run", "state", "home"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # As root dovecot keeps its own service users and refuses uid 0 for mail: the mailbox
            # belongs to `nobody`.
            mail_user, mail_group = "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
            os.chmod(folder, 0o755)
            shutil.chown(folder / "home", mail_user, mail_group)
            services = ""
        else:
            mail_user = pwd.getpwuid(os.getuid()).pw_name
            mail_group = grp.getgrgid(os.getgid()).gr_name
            services = (
                f"default_login_user = {mail_user}\ndefault_internal_user = {mail_user}\n"
                f"default_internal_group = {mail_group}\n"
            )
        (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::\n", encoding="utf-8")
        self.config.write_text(
            f"""base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
info_log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
{services}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={folder}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""",
            encoding="utf-8",
        )
        self._master: int | None = None

    @property
    def inbox_url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def start(self) -> None:
        # It goes to the background: its output goes nowhere, or run() would wait on the pipe.
        subprocess.run(
            [str(DOVECOT), "-c", str(self.config)],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        pid_file = self.folder / "run" / "master.pid"
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pid = pid_file.read_text().split()
                    if pid:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError((self.folder / "dovecot.log").read_text())
            time.sleep(0.1)
        self._master = int(pid[0])

    def stop(self) -> None:
        if self._master is None:
            return
        os.kill(self._master, 15)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(self._master, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        self._master = None

    def deliver(self, raw: bytes, sender: str) -> None:
        """Into the mailbox, as the mail server's local delivery does."""
        subprocess.run(
            [str(LDA), "-c", str(self.config), "-d", USER, "-f", sender],
            input=raw,
            check=True,
            capture_output=True,
        )


class _Relay:
    def __init__(self, dovecot: Dovecot) -> None:
        self.dovecot = dovecot
        self.outside: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = bytes(envelope.content or b"")  # type: ignore[arg-type]
        ours = [r for r in envelope.rcpt_tos if str(r).lower().endswith(f"@{DOMAIN}")]
        others = [str(r) for r in envelope.rcpt_tos if r not in ours]
        if ours:
            self.dovecot.deliver(raw, str(envelope.mail_from))
        if others:
            message = message_from_bytes(raw, policy=default_policy)
            assert isinstance(message, EmailMessage)
            self.outside.append((others, message))
        return "250 Message accepted for delivery"


class MailSystem:
    def __init__(self, dovecot: Dovecot, relay: _Relay, smtp_port: int) -> None:
        self.dovecot = dovecot
        self.smtp_port = smtp_port
        self._relay = relay

    @property
    def outside(self) -> list[tuple[list[str], EmailMessage]]:
        """What was sent to addresses outside the product's domain (the units')."""
        return self._relay.outside

    def mailto(self, to: str = "") -> str:
        """An apprise URL sending through this SMTP server from the product's mailbox."""
        target = f"/{to}" if to else ""
        return f"mailto://127.0.0.1:{self.smtp_port}{target}?from={MAILBOX}"


@contextmanager
def mail_system() -> Iterator[MailSystem]:
    folder = Path(tempfile.mkdtemp(prefix="nhachan-mail-"))
    dovecot = Dovecot(folder)
    dovecot.start()
    relay = _Relay(dovecot)
    port = free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port, data_size_limit=60_000_000)
    controller.start()
    try:
        yield MailSystem(dovecot, relay, port)
    finally:
        controller.stop()
        dovecot.stop()
        shutil.rmtree(folder, ignore_errors=True)
