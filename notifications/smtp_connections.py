"""SMTP connections kept open between the emails of a burst, for apprise's email plugin.

Each unit's message is its own (its own body, Message-ID and Reply-To), so it is its own apprise
notification, and apprise opens a connection for each (it shares one only among the targets of
one notification): on this machine a burst of 2,000 reminders spent a seventh of the worker's
CPU building the SSL context apprise makes for every connection (`ssl.create_default_context`,
even for plain SMTP), besides each connection's greeting, EHLO, STARTTLS and login.

So while a `SmtpConnections.lending()` block runs, apprise's plugin is lent a connection in
place of opening its own: apprise's own `AppriseSMTPController`, built from the settings the
plugin read from the contact's URL (the URL stays the one source of a server's settings), opened
once and kept by the worker between sends, one send at a time. A connection unused for
`KEEP_IDLE` is closed at the next lending's end; one is checked (NOOP) before it is lent again,
and one whose send failed is closed. Nothing is sent twice by this: a send that fails on a lent
connection is answered as failed, as on a fresh one. Outside a block apprise opens its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import apprise.plugins.email.base as apprise_email
from apprise.plugins.email.smtp import SMTP_EXCEPTIONS, AppriseSMTPController

# How long an idle connection is kept for the next send: well inside the idle timeout of mail
# servers (Postfix's smtpd_timeout is 300 s), long enough to span a burst's activities.
KEEP_IDLE = 15.0

_Key = tuple[Any, ...]


class SmtpConnections:
    """The open connections of one sender (the worker's), by server and login."""

    def __init__(self) -> None:
        self._idle: dict[_Key, list[tuple[AppriseSMTPController, float]]] = {}
        self._lock = threading.Lock()
        _use_lent_connections()

    @contextmanager
    def lending(self) -> Iterator[None]:
        token = _LENDER.set(self)
        try:
            yield
        finally:
            _LENDER.reset(token)
            self._close_idle()

    def lend(self, settings: dict[str, Any]) -> _LentConnection:
        return _LentConnection(self, tuple(sorted(settings.items())), settings)

    def take(self, key: _Key, settings: dict[str, Any]) -> AppriseSMTPController:
        while True:
            with self._lock:
                idle = self._idle.get(key)
                if not idle:
                    break
                connection, since = idle.pop()
            if time.monotonic() - since < KEEP_IDLE and _still_open(connection):
                return connection
            _close(connection)
        return AppriseSMTPController(**settings).__enter__()

    def give_back(self, key: _Key, connection: AppriseSMTPController, *, usable: bool) -> None:
        if not usable:
            _close(connection)
            return
        with self._lock:
            self._idle.setdefault(key, []).append((connection, time.monotonic()))

    def _close_idle(self) -> None:
        stale: list[AppriseSMTPController] = []
        now = time.monotonic()
        with self._lock:
            for key, idle in self._idle.items():
                stale += [c for c, since in idle if now - since >= KEEP_IDLE]
                self._idle[key] = [(c, since) for c, since in idle if now - since < KEEP_IDLE]
        for connection in stale:
            _close(connection)


def _still_open(connection: AppriseSMTPController) -> bool:
    # The controller keeps its smtplib session as `_socket` (apprise 2.3); a NOOP is one round
    # trip, against a new connection's five and its SSL context.
    session = getattr(connection, "_socket", None)
    if session is None:
        return False
    try:
        code, _answer = session.noop()
    except SMTP_EXCEPTIONS:
        return False
    return bool(code == 250)


def _close(connection: AppriseSMTPController) -> None:
    connection.__exit__(None, None, None)


class _LentConnection:
    """What apprise's email plugin opens in place of a connection of its own (`with ... as
    smtp:`): an open connection to the server, given back at the block's end, or closed if the
    block failed. One send holds it at a time: a send apprise stopped waiting for keeps it, and
    the next send takes another."""

    def __init__(self, lender: SmtpConnections, key: _Key, settings: dict[str, Any]) -> None:
        self._lender = lender
        self._key = key
        self._settings = settings
        self._connection: AppriseSMTPController | None = None

    def __enter__(self) -> AppriseSMTPController:
        self._connection = self._lender.take(self._key, self._settings)
        return self._connection

    def __exit__(self, exc_type: object, *_rest: object) -> None:
        if self._connection is not None:
            self._lender.give_back(self._key, self._connection, usable=exc_type is None)
            self._connection = None


_LENDER: ContextVar[SmtpConnections | None] = ContextVar("nhachan_smtp_lender", default=None)


def _smtp_connection(**settings: Any) -> AppriseSMTPController | _LentConnection:
    lender = _LENDER.get()
    if lender is None:
        return AppriseSMTPController(**settings)
    return lender.lend(settings)


def _use_lent_connections() -> None:
    """apprise's email plugin opens `AppriseSMTPController(...)` by its name in its module for
    each notification, and offers no way to hand it an open one; that name is pointed here once
    per process, as `make_msgid` is (notifications.channels). Outside a `lending()` block it is
    apprise's own. `tests/notifications/test_message_batches.py` notices if an apprise release
    stops opening its connections by that name."""
    if getattr(apprise_email, "AppriseSMTPController", None) is not _smtp_connection:
        setattr(apprise_email, "AppriseSMTPController", _smtp_connection)  # noqa: B010
