"""A reply matched to what it answers: the signed reply address it was sent to (refused when
forged, expired, or revoked with the unit's links), else the message it quotes as answered (by
one of the units the sender speaks for), else (Zalo) what the chat chose."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime

from control.links import reply_address_revoked_at
from deadlines.local_time import local_day
from notifications.formatting import format_day, format_due
from replies import answers
from replies.incoming import ZALO, Incoming, Refusal
from replies.tokens import (
    BadReplyToken,
    ExpiredReplyToken,
    ReplySubject,
    ReplyTokens,
    read_token,
    token_of_address,
)
from settings import Settings
from storage import replies as store
from storage.db import session_scope

_OUR_ID = re.compile(r"^<(?P<digest>[0-9a-f]{32})\.nhachan@")


def _day_of(instant: datetime) -> str:
    return format_day(local_day(instant))


class Matching:
    def __init__(
        self, settings: Settings, tokens: ReplyTokens, *, clock: Callable[[], datetime]
    ) -> None:
        self.settings = settings
        self._tokens = tokens
        self.clock = clock
        self.database_url = settings.resolved_database_url()

    def match(self, incoming: Incoming, speaker: frozenset[str]) -> ReplySubject | None:
        """The milestone a reply is about: its signed address, else the message it answers,
        else (Zalo) what the chat chose or was last reminded of; None when nothing matches."""
        if incoming.chosen is not None:
            return incoming.chosen
        if incoming.channel == ZALO and not speaker:
            raise Refusal(answers.reason("unknown_chat"), answer=False)
        for address in incoming.recipients:
            token = token_of_address(address, self._tokens.address)
            if token is not None:
                return self._by_token(token)
        return self._by_answered_message(incoming, speaker)

    def _by_token(self, token: str) -> ReplySubject:
        now = self.clock()
        try:
            parts = read_token(token)
        except BadReplyToken as error:
            raise Refusal(answers.reason("forged"), answer=False) from error
        with session_scope(self.database_url) as session:
            row = store.log_row(session, parts.row_id)
            about = (
                None
                if row is None
                else ReplySubject(row.unit_code, row.plan_key, row.task_code, row.milestone_key)
            )
        if about is None:
            raise Refusal(answers.reason("forged"), answer=False)
        try:
            self._tokens.check(parts, about, now=now)
        except ExpiredReplyToken as error:
            raise Refusal(answers.reason("expired", issued=_day_of(parts.issued_at))) from error
        except BadReplyToken as error:
            raise Refusal(answers.reason("forged"), answer=False) from error
        revoked = reply_address_revoked_at(
            self.settings, about.unit_code, issued_at=parts.issued_at
        )
        if revoked is not None:
            why = answers.reason("revoked", revoked=format_due(revoked))
            raise Refusal(why, about=about)
        if not about.milestone_key:
            return ReplySubject(about.unit_code)
        return about

    def _by_answered_message(
        self, incoming: Incoming, speaker: frozenset[str]
    ) -> ReplySubject | None:
        digests = {
            found["digest"] for found in map(_OUR_ID.match, incoming.answers) if found is not None
        }
        units = sorted(speaker)
        if not digests or not units:
            return None
        since = self.clock() - self._tokens.max_age
        with session_scope(self.database_url) as session:
            for row in store.milestone_rows_of_units(session, units, since=since):
                if hashlib.sha256(row.key.encode()).hexdigest()[:32] in digests:
                    return ReplySubject(
                        row.unit_code, row.plan_key, row.task_code, row.milestone_key
                    )
        return None
