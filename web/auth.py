"""Who is asking: the session in a signed cookie (an account signed in, a unit that opened its
link, or nobody yet), its CSRF token, and the limits on how often one may try.

The cookie is signed, HttpOnly, SameSite=Lax, and Secure when the public URL is https; it
holds names and instants only, never a password, and the session's own id. Every request checks
again what the session claims: the session was not signed out of (the server keeps the ids of
the sessions ended, so a copy of the cookie is worth nothing after), the account still exists
and its password did not change since, the unit's link has not expired and was not revoked.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from control import accounts, links
from models.tables import UnitRole
from notifications.links import InvalidLink, UnitLinkClaim
from settings import Settings

COOKIE = "nhachan_session"
# An account's session lasts a working day; a unit's lasts as long as its link, at most this.
SESSION_SECONDS = 12 * 3600
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"


class AccessDenied(Exception):
    """The visitor may not see or do this; `status` 401 (sign in) or 403 (not yours)."""

    def __init__(self, message: str, *, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class SignedInAccount:
    name: str
    role: UnitRole
    must_change_password: bool
    # The agency whose plans the account reads and acts on; "" for every agency's.
    agency: str = ""


@dataclass(frozen=True)
class LinkUnit:
    code: str
    issued_at: datetime


@dataclass
class Visitor:
    """Who is asking, as far as the session (or an API bearer link) shows."""

    csrf: str
    account: SignedInAccount | None = None
    unit: LinkUnit | None = None
    # True when the unit came from an `Authorization: Bearer` link: no cookie, so no CSRF.
    bearer: bool = False
    address: str = ""

    @property
    def is_coordinator(self) -> bool:
        return self.account is not None and self.account.role is UnitRole.COORDINATOR

    @property
    def can_read_plans(self) -> bool:
        return self.account is not None

    @property
    def name(self) -> str:
        if self.account is not None:
            return self.account.name
        return self.unit.code if self.unit is not None else ""


@dataclass
class Session:
    """The cookie's content: `s` the session's id, `c` the CSRF token, `a`/`at` an account and
    when it signed in (ms), `u`/`ui` a unit and when its link was issued (ms)."""

    data: dict[str, Any] = field(default_factory=dict)
    changed: bool = False

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            if value is None:
                self.data.pop(name, None)
            else:
                self.data[name] = value
        self.changed = True


def _milliseconds(instant: datetime) -> int:
    return int(instant.timestamp() * 1000)


class Sessions:
    def __init__(self, settings: Settings) -> None:
        self._serializer = URLSafeTimedSerializer(
            settings.resolved_secret_key(), salt="nhachan.session"
        )
        self._secure = settings.public_url.startswith("https://")
        self._settings = settings

    def load(self, request: Request) -> Session:
        raw = request.cookies.get(COOKIE)
        data: dict[str, Any] = {}
        if raw:
            try:
                loaded = self._serializer.loads(raw, max_age=SESSION_SECONDS)
                if isinstance(loaded, dict):
                    data = loaded
            except BadSignature:
                data = {}
        sid = data.get("s")
        if not isinstance(sid, str) or accounts.session_ended(self._settings, sid):
            data = {}
        session = Session(data)
        if not data:
            session.set(s=secrets.token_urlsafe(24), c=secrets.token_urlsafe(24))
        return session

    def save(self, session: Session, response: Response) -> None:
        response.set_cookie(
            COOKIE,
            self._serializer.dumps(session.data),
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="lax",
            secure=self._secure,
            path="/",
        )

    # ----------------------------------------------------------------------------- who

    def visitor(self, session: Session, *, now: datetime, address: str) -> Visitor:
        visitor = Visitor(csrf=str(session.data["c"]), address=address)
        name = session.data.get("a")
        if isinstance(name, str):
            account = accounts.find_account(self._settings, name)
            started = session.data.get("at")
            if (
                account is not None
                and not account.disabled
                and isinstance(started, int)
                and started >= _milliseconds(account.password_changed_at) - 1000
            ):
                visitor.account = SignedInAccount(
                    account.name,
                    account.role,
                    account.must_change_password,
                    agency=account.agency_code,
                )
            else:
                session.set(a=None, at=None)
        unit = session.data.get("u")
        issued = session.data.get("ui")
        if isinstance(unit, str) and isinstance(issued, int):
            claim = UnitLinkClaim(unit, datetime.fromtimestamp(issued / 1000, tz=UTC))
            try:
                self.check_claim(claim, now=now)
                visitor.unit = LinkUnit(claim.unit_code, claim.issued_at)
            except InvalidLink:
                session.set(u=None, ui=None)
        return visitor

    def check_claim(self, claim: UnitLinkClaim, *, now: datetime) -> None:
        if now - claim.issued_at > links.unit_links(self._settings).max_age:
            raise InvalidLink("the unit's link has expired")
        links.check_unit_claim(self._settings, claim)

    def sign_in(self, session: Session, name: str) -> None:
        # A new token at every sign-in: one read before it is worth nothing after it. The
        # instant is the wall clock's, as the account's password change is.
        session.set(
            a=name,
            at=_milliseconds(datetime.now(UTC)),
            c=secrets.token_urlsafe(24),
            # A new session id too: an id planted before the sign-in is worth nothing after.
            s=secrets.token_urlsafe(24),
        )

    def sign_out(self, session: Session) -> None:
        """Ends the session on the server (its id is kept as ended) and starts a new one."""
        accounts.end_session(
            self._settings, str(session.data.get("s", "")), lasts=timedelta(seconds=SESSION_SECONDS)
        )
        session.data.clear()
        session.set(s=secrets.token_urlsafe(24), c=secrets.token_urlsafe(24))

    def open_link(self, session: Session, claim: UnitLinkClaim) -> None:
        session.set(u=claim.unit_code, ui=_milliseconds(claim.issued_at))


def csrf_matches(visitor: Visitor, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(visitor.csrf, presented)


class RateLimiter:
    """At most `limit` tries per key in any `window` seconds (sliding), in this process. Every
    use counts (`allow`), or only the failures (`blocked` before, `failed` after)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._tries: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        tries = self._tries.setdefault(key, deque())
        while tries and now - tries[0] > self.window:
            tries.popleft()
        if len(tries) >= self.limit:
            return False
        tries.append(now)
        if len(self._tries) > 10_000:
            self._forget(now)
        return True

    def blocked(self, key: str) -> bool:
        now = time.monotonic()
        tries = self._tries.get(key)
        while tries and now - tries[0] > self.window:
            tries.popleft()
        return tries is not None and len(tries) >= self.limit

    def failed(self, key: str) -> None:
        now = time.monotonic()
        self._tries.setdefault(key, deque()).append(now)
        if len(self._tries) > 10_000:
            self._forget(now)

    def _forget(self, now: float) -> None:
        for key in [k for k, v in self._tries.items() if not v or now - v[-1] > self.window]:
            del self._tries[key]
