"""The addresses messages point to, all under the `public_url` setting, and the signed links
that open a unit's own page from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeSerializer

from replies.tokens import ReplyTokens


def _part(value: str) -> str:
    return quote(value, safe="")


def plan_link(public_url: str, plan_key: str) -> str:
    """The plan's overview: where it stands, what is overdue."""
    return f"{public_url.rstrip('/')}/plans/{_part(plan_key)}"


def evidence_link(public_url: str, plan_key: str, task_code: str, milestone_key: str) -> str:
    """Where the lead unit sends the evidence (minh chứng) of one milestone."""
    task = task_link(public_url, plan_key, task_code)
    return f"{task}/milestones/{_part(milestone_key)}/evidence"


def task_link(public_url: str, plan_key: str, task_code: str) -> str:
    """The task's page, where the coordinator (signed in) answers what a unit asked."""
    return f"{plan_link(public_url, plan_key)}/tasks/{_part(task_code)}"


def event_link(public_url: str, plan_key: str, event_key: str) -> str:
    """The plan's events page with the event chosen, where the coordinator records it."""
    return f"{plan_link(public_url, plan_key)}/events?key={_part(event_key)}"


class InvalidLink(ValueError):
    """Not a link this product signed (or signed with another key)."""


class ExpiredLink(InvalidLink):
    """A link this product signed, too old to open anything now."""


@dataclass(frozen=True)
class UnitLinkClaim:
    """What a unit's signed link says: whose it is, and when it was issued."""

    unit_code: str
    issued_at: datetime


class UnitLinks:
    """Signed links that let a unit open its own page and act on its own milestones without an
    account: every message carries one for the unit it goes to. A link expires `max_age` after
    it was issued; revoking a unit's links (the web app's business) refuses every link issued
    before the revocation."""

    def __init__(self, secret: str, *, max_age: timedelta, reply_address: str = "") -> None:
        self._serializer = URLSafeSerializer(secret, salt="nhachan.unit-link")
        self.max_age = max_age
        # The way back by email: the reply address every email carries, signed with the same
        # key and expiring after the same time as the link.
        self.replies = ReplyTokens(secret, max_age=max_age, address=reply_address)

    @staticmethod
    def issue_instant(at: datetime) -> datetime:
        """The issue instant a link made at `at` carries (whole milliseconds): what a
        revocation that must spare this link compares against."""
        return datetime.fromtimestamp(int(at.timestamp() * 1000) / 1000, tz=UTC)

    def token(self, unit_code: str, *, issued_at: datetime | None = None) -> str:
        issued = issued_at or datetime.now(UTC)
        return self._serializer.dumps({"u": unit_code, "i": int(issued.timestamp() * 1000)})

    def signed(self, url: str, unit_code: str, *, issued_at: datetime | None = None) -> str:
        """`url` opened as `unit_code`: the token rides in its query."""
        return f"{url}?t={self.token(unit_code, issued_at=issued_at)}"

    def read(self, token: str, *, now: datetime) -> UnitLinkClaim:
        try:
            payload = self._serializer.loads(token)
            claim = UnitLinkClaim(
                unit_code=str(payload["u"]),
                issued_at=datetime.fromtimestamp(int(payload["i"]) / 1000, tz=UTC),
            )
        except (BadSignature, KeyError, TypeError, ValueError) as error:
            raise InvalidLink("this link is not one of ours, or it was cut short") from error
        if now - claim.issued_at > self.max_age:
            raise ExpiredLink(
                f"this link was issued on {claim.issued_at:%d/%m/%Y} and has expired: "
                "ask the coordinator to send the unit a new one"
            )
        return claim
