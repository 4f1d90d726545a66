"""The signed reply address every email carries: `<mailbox>+<token>@<domain>`.

The token names the log row the email was sent for (its id) and when it was issued, with an
HMAC over those and what the row is about (unit, plan, task, milestone): a token cannot be
moved to another milestone or unit, and it expires like the unit's link. It is short and in
lowercase letters and digits, since an address's local part is limited (64 characters) and some
mail systems lowercase it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_TOKEN = re.compile(r"^(?P<row>[0-9a-z]{1,12})-(?P<issued>[0-9a-z]{1,10})-(?P<mac>[a-z2-7]{16})$")
_PLUS_ADDRESS = re.compile(r"^(?P<box>[^+@\s]+)\+(?P<token>[^@\s]+)@(?P<domain>[^@\s]+)$")


class BadReplyToken(ValueError):
    """Not a token this product signed, or one signed for something else."""


class ExpiredReplyToken(BadReplyToken):
    """A token this product signed, too old to record anything now."""


@dataclass(frozen=True)
class ReplySubject:
    """What an email was about: the unit it went to and its milestone ("" when none)."""

    unit_code: str
    plan_key: str = ""
    task_code: str = ""
    milestone_key: str = ""


@dataclass(frozen=True)
class TokenParts:
    row_id: int
    issued_at: datetime
    mac: str


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text


class ReplyTokens:
    """Signs and reads reply tokens with the installation's secret key."""

    def __init__(self, secret: str, *, max_age: timedelta, address: str) -> None:
        if address and not re.fullmatch(r"[^+@\s]+@[^@\s]+", address):
            raise ValueError(
                f"the reply address {address!r} is not a mailbox address "
                "(like nhachan@so.example.gov.vn, without '+')"
            )
        self._key = hashlib.sha256(f"nhachan.reply|{secret}".encode()).digest()
        self.max_age = max_age
        self.address = address

    def _mac(self, row_id: int, issued: int, about: ReplySubject) -> str:
        text = "|".join(
            (
                str(row_id),
                str(issued),
                about.unit_code,
                about.plan_key,
                about.task_code,
                about.milestone_key,
            )
        )
        digest = hmac.new(self._key, text.encode(), hashlib.sha256).digest()
        return base64.b32encode(digest[:10]).decode().lower()

    def token(self, row_id: int, about: ReplySubject, *, issued_at: datetime) -> str:
        issued = int(issued_at.timestamp()) // 60
        return f"{_base36(row_id)}-{_base36(issued)}-{self._mac(row_id, issued, about)}"

    def reply_to(self, row_id: int, about: ReplySubject, *, issued_at: datetime) -> str:
        """The address replies to the log row `row_id` go to; "" when no mailbox is set."""
        if not self.address:
            return ""
        box, domain = self.address.split("@", 1)
        return f"{box}+{self.token(row_id, about, issued_at=issued_at)}@{domain}"

    def check(self, parts: TokenParts, about: ReplySubject, *, now: datetime) -> None:
        """Raises unless `parts` were signed for `about`, and not too long ago."""
        issued = int(parts.issued_at.timestamp()) // 60
        if not hmac.compare_digest(parts.mac, self._mac(parts.row_id, issued, about)):
            raise BadReplyToken("the reply address was not signed by this system for this message")
        if now - parts.issued_at > self.max_age:
            raise ExpiredReplyToken(
                f"the reply address was issued on {parts.issued_at:%d/%m/%Y} and has expired"
            )


def read_token(token: str) -> TokenParts:
    """The parts of a token as written; whether they are signed is `ReplyTokens.check`'s."""
    found = _TOKEN.match(token.strip().lower())
    if found is None:
        raise BadReplyToken(f"{token[:40]!r} is not a reply token")
    return TokenParts(
        row_id=int(found["row"], 36),
        issued_at=datetime.fromtimestamp(int(found["issued"], 36) * 60, tz=UTC),
        mac=found["mac"],
    )


def token_of_address(address: str, mailbox: str) -> str | None:
    """The token in `address` when it is `mailbox` with a `+token`; None otherwise."""
    found = _PLUS_ADDRESS.match(address.strip().lower())
    if found is None or not mailbox:
        return None
    box, domain = mailbox.lower().split("@", 1)
    if found["box"] != box or found["domain"] != domain:
        return None
    return found["token"]
