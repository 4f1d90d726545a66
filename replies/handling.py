"""A reply taken in: claimed in the database before anything is done (so that a restart neither
loses nor doubles one), matched to its milestone, checked against the contacts, recorded through
the same control/ operation as the web (evidence, or an extension request), and answered.

The order is what makes a reply safe to take again: claim (`handling`), act, settle (the state
and what was done), answer (marked once sent). A reader that stops anywhere leaves the message
unread in the mailbox and its row `handling`; the next reader takes it again, and finds the
evidence it had recorded (its note names the message) instead of recording it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime

from temporalio.client import Client, WorkflowUpdateFailedError

from control import audit, operations, refusal_words
from control.links import unit_links
from control.permissions import Actor, NotPermitted
from deadlines.local_time import local_day
from models.tables import AuditEntry, EvidenceFile, ReceivedReply, ReplyState, UnitRole
from models.workflow_messages import EvidenceSubmission, ExtensionRequest, TaskSnapshot
from notifications.contacts import load_contacts
from plan_import.agency import agency_directories
from replies import answers
from replies.answering import Answering
from replies.content import ReplyContent
from replies.deciding import Senders, may_speak_for, senders_of
from replies.incoming import EMAIL, ZALO, Incoming, Refusal
from replies.keeping import Keeping
from replies.matching import Matching
from replies.reading import read_email
from replies.tokens import (
    ReplySubject,
)
from settings import Settings
from storage import replies as store
from storage.db import session_scope

logger = logging.getLogger(__name__)


class ReplyDesk:
    """Takes replies in for one installation (its settings, its engine)."""

    def __init__(
        self,
        settings: Settings,
        client: Client,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self.database_url = settings.resolved_database_url()
        self._directories = agency_directories(settings.units_file, settings.agencies_dir)
        self.senders: Senders = senders_of(load_contacts(settings.contacts, self._directories))
        self._tokens = unit_links(settings).replies
        self.answering = Answering(settings, clock=clock)
        self.keeping = Keeping(settings, clock=clock)
        self.matching = Matching(settings, self._tokens, clock=clock)

    # ------------------------------------------------------------------------- the way in

    async def take_email(self, raw: bytes) -> ReceivedReply:
        return await self.take(self._incoming_email(raw))

    def _incoming_email(self, raw: bytes) -> Incoming:
        mail = read_email(raw)
        automatic = mail.automatic
        if self._tokens.address and mail.sender == self._tokens.address.lower():
            automatic = automatic or "sent by this system's own mailbox"
        return Incoming(
            channel=EMAIL,
            message_key=mail.message_key,
            sender=mail.sender,
            subject=mail.subject,
            text=mail.text,
            attachments=mail.attachments,
            automatic=automatic,
            unreadable=mail.unreadable,
            recipients=mail.recipients,
            answers=mail.answers,
        )

    def give_up_email(self, raw: bytes) -> ReceivedReply:
        """`give_up` for a message `take_email` kept failing on (the mailbox reader says when)."""
        return self.give_up(self._incoming_email(raw))

    def give_up(self, incoming: Incoming) -> ReceivedReply:
        """A reply `take` kept failing on, settled for the coordinator to see: refused with
        what could be read of it and its files kept, so that it can be attached by hand. Never
        answered: its sender did nothing wrong."""
        reply_id, _, settled = self.claim(incoming)
        if settled:
            return self._row(reply_id)
        speaker = self._speaker(incoming)
        kept = self.keeping.keep(incoming, min(speaker) if speaker else incoming.sender)[2]
        return self._settle(reply_id, ReplyState.REFUSED, answers.reason("gave_up"), details=kept)

    def claim(self, incoming: Incoming) -> tuple[int, bool, bool]:
        """The reply's row claimed before anything is done: its id, whether this call wrote
        it, and whether it was settled before (then nothing is done again)."""
        with session_scope(self.database_url) as session:
            row, new = store.claim_reply(
                session,
                channel=incoming.channel,
                message_key=incoming.message_key,
                sender=incoming.sender,
                subject=incoming.subject,
                now=self.clock(),
            )
            assert row.id is not None
            return row.id, new, row.state is not ReplyState.HANDLING

    async def take(self, incoming: Incoming) -> ReceivedReply:
        reply_id, new, settled = self.claim(incoming)
        if settled:
            logger.info("reply %s was taken before: nothing done again", incoming.message_key)
            return self._row(reply_id)
        if incoming.automatic:
            return self._settle(reply_id, ReplyState.IGNORED, incoming.automatic)
        try:
            about = self.matching.match(incoming, self._speaker(incoming))
        except Refusal as refusal:
            row = self._settle(reply_id, ReplyState.REFUSED, refusal.reason, about=refusal.about)
            if refusal.answer and self._speaker(incoming):
                # A unit's own address, with an address gone stale: told why, and how.
                message = answers.answer("refused", reason=refusal.reason, about="")
                self.answering.send(row, incoming, message)
            self._audit(row, incoming)
            return self._row(reply_id)
        if about is None:
            speaker = self._speaker(incoming)
            # A unit's own reply kept as read, so the coordinator can attach it by hand.
            kept = self.keeping.keep(incoming, sorted(speaker)[0])[2] if speaker else {}
            row = self._settle(
                reply_id, ReplyState.UNMATCHED, answers.reason("no_milestone"), details=kept
            )
            self.answering.unmatched(row, incoming)
            return self._row(reply_id)
        directory = operations.plan_directory(self.settings, about.plan_key)
        speaker = self._speaker(incoming)
        if not may_speak_for(speaker, about.unit_code, directory.coordinator):
            why = (
                answers.reason("unknown_chat")
                if incoming.channel == ZALO
                else answers.reason("not_contact", sender=incoming.sender, unit=about.unit_code)
            )
            # What it brought is kept all the same: a unit's staff writing from an address the
            # contacts do not list is common, and the coordinator may attach it by hand.
            kept = self.keeping.keep(incoming, incoming.sender)[2]
            refused = self._settle(reply_id, ReplyState.REFUSED, why, about=about, details=kept)
            self._audit(refused, incoming)
            return refused
        actor = (
            Actor(about.unit_code, UnitRole.UNIT)
            if about.unit_code in speaker
            else Actor(directory.coordinator, UnitRole.COORDINATOR)
        )
        return await self._act(reply_id, incoming, about, actor, resumed=not new)

    def _speaker(self, incoming: Incoming) -> frozenset[str]:
        if incoming.channel == ZALO:
            return self.senders.units_of_chat(incoming.sender)
        return self.senders.units_of_email(incoming.sender)

    # ------------------------------------------------------------------------------ acting

    async def _act(
        self,
        reply_id: int,
        incoming: Incoming,
        about: ReplySubject,
        actor: Actor,
        *,
        resumed: bool,
    ) -> ReceivedReply:
        where = (about.unit_code, about.plan_key, about.task_code, about.milestone_key)
        if not about.milestone_key:
            return self._refuse(reply_id, incoming, answers.reason("no_milestone"), where)
        snapshot = await operations.task_snapshot(self.client, about.plan_key, about.task_code)
        if resumed and _recorded_before(snapshot, about.milestone_key, incoming.message_key):
            # A reader stopped after the engine recorded it and before the row was settled.
            return self._finish(reply_id, incoming, ReplyState.RECORDED, where, snapshot, {})
        today = local_day(self.clock())
        content, stored, details = self.keeping.keep(incoming, actor.who)
        dropped = [str(why) for why in details["dropped"]]  # type: ignore[attr-defined]
        try:
            if content.extension is not None:
                await operations.request_extension(
                    self.client,
                    about.plan_key,
                    about.task_code,
                    ExtensionRequest(
                        milestone_key=about.milestone_key,
                        new_due_on=content.extension.until,
                        reason=content.extension.reason or content.text[:500],
                        requested_by=about.unit_code,
                        # The unit wrote the date itself: one in the next year is meant.
                        confirmed=True,
                    ),
                    actor=actor,
                )
                details["extension_until"] = content.extension.until.isoformat()
                details["extension_reason"] = content.extension.reason
                state = ReplyState.EXTENSION_REQUESTED
            else:
                if not (content.document_number or content.links or stored):
                    why = dropped or [answers.reason("nothing")]
                    return self._refuse(reply_id, incoming, "; ".join(why), where, details)
                await operations.submit_evidence(
                    self.client,
                    about.plan_key,
                    about.task_code,
                    _submission(about, incoming, content, stored, today),
                    actor=actor,
                )
                state = ReplyState.RECORDED
        except WorkflowUpdateFailedError as error:
            refused = refusal_words.refusal(str(getattr(error.cause, "message", error.cause)))
            return self._refuse(reply_id, incoming, answers.reason("engine", why=refused), where)
        except (NotPermitted, operations.NotRecorded) as error:
            said = refusal_words.refusal(str(error))
            return self._refuse(reply_id, incoming, answers.reason("engine", why=said), where)
        return self._finish(reply_id, incoming, state, where, snapshot, details)

    # ------------------------------------------------------------------- attached by hand

    async def attach(self, reply_id: int, about: ReplySubject, *, actor: Actor) -> ReceivedReply:
        """A reply that matched nothing (or was refused) recorded as the evidence of the
        milestone the coordinator chose, from what was read of it."""
        with session_scope(self.database_url) as session:
            row = store.reply_by_id(session, reply_id)
            if row is None:
                raise LookupError(f"no received reply {reply_id}")
            session.expunge(row)
        if row.state in (ReplyState.RECORDED, ReplyState.EXTENSION_REQUESTED):
            raise ValueError(f"reply {reply_id} was recorded already ({row.task_code})")
        details = row.details
        files = list(details.get("files", []))
        links = list(details.get("links", []))
        if not (details.get("document_number") or links or files):
            raise ValueError(f"reply {reply_id} holds no document number, link or file")
        day = str(details.get("document_date") or "")
        await operations.submit_evidence(
            self.client,
            about.plan_key,
            about.task_code,
            EvidenceSubmission(
                milestone_key=about.milestone_key,
                submitted_by=about.unit_code,
                document_number=str(details.get("document_number", ""))[:200],
                document_date=date.fromisoformat(day) if day else None,
                link=links[0] if links else "",
                file_ref=f"sha256:{files[0]['sha256']}" if files else "",
                note=f"{row.channel} {row.message_key}: {str(details.get('text', ''))[:300]}",
            ),
            actor=actor,
        )
        where = (about.unit_code, about.plan_key, about.task_code, about.milestone_key)
        with session_scope(self.database_url) as session:
            settled = store.update_reply(
                session,
                reply_id,
                now=self.clock(),
                state=ReplyState.RECORDED,
                reason="",
                about=where,
                details={"attached_by": actor.who},
            )
            session.expunge(settled)
            return settled

    # -------------------------------------------------------------------------- settling

    def _row(self, reply_id: int) -> ReceivedReply:
        with session_scope(self.database_url) as session:
            row = store.reply_by_id(session, reply_id)
            assert row is not None
            session.expunge(row)
            return row

    def _settle(
        self,
        reply_id: int,
        state: ReplyState,
        reason: str,
        *,
        about: ReplySubject | None = None,
        details: dict[str, object] | None = None,
    ) -> ReceivedReply:
        where = (
            None
            if about is None
            else (about.unit_code, about.plan_key, about.task_code, about.milestone_key)
        )
        with session_scope(self.database_url) as session:
            row = store.update_reply(
                session,
                reply_id,
                now=self.clock(),
                state=state,
                reason=reason,
                about=where,
                details=dict(details or {}),
            )
            session.expunge(row)
            return row

    def _refuse(
        self,
        reply_id: int,
        incoming: Incoming,
        why: str,
        where: tuple[str, str, str, str],
        details: dict[str, object] | None = None,
    ) -> ReceivedReply:
        about = ReplySubject(*where)
        row = self._settle(reply_id, ReplyState.REFUSED, why, about=about, details=details)
        milestone = f" về nhiệm vụ {about.task_code}" if about.task_code else ""
        self.answering.send(row, incoming, answers.answer("refused", reason=why, about=milestone))
        self._audit(row, incoming)
        return self._row(reply_id)

    def _audit(self, row: ReceivedReply, incoming: Incoming) -> None:
        """The reply in the audit log beside the web's actions: the task's page lists it."""
        action = _AUDITED_ACTIONS.get(row.state)
        if action is None or not row.task_code:
            return
        audit.record(
            self.settings,
            AuditEntry(
                at=self.clock(),
                actor=row.unit_code or incoming.sender,
                actor_role=UnitRole.UNIT,
                via=incoming.channel,
                via_detail=incoming.message_key[:200],
                action=action,
                plan_key=row.plan_key,
                task_code=row.task_code,
                milestone_key=row.milestone_key,
                outcome="refused" if row.state is ReplyState.REFUSED else "done",
                message=row.reason,
                details={"reply": row.id, "sender": incoming.sender},
            ),
        )

    def _finish(
        self,
        reply_id: int,
        incoming: Incoming,
        state: ReplyState,
        where: tuple[str, str, str, str],
        snapshot: TaskSnapshot,
        details: dict[str, object],
    ) -> ReceivedReply:
        about = ReplySubject(*where)
        row = self._settle(reply_id, state, "", about=about, details=details)
        try:
            unit_name = self._directories.home.get(about.unit_code).name
        except LookupError:
            unit_name = about.unit_code
        message = self.answering.outcome(row, about, snapshot, unit_name)
        self.answering.send(row, incoming, message)
        self._audit(row, incoming)
        return self._row(reply_id)


_AUDITED_ACTIONS = {
    ReplyState.RECORDED: "submit_evidence",
    ReplyState.EXTENSION_REQUESTED: "request_extension",
    ReplyState.REFUSED: "submit_evidence",
}


def _recorded_before(snapshot: TaskSnapshot, milestone_key: str, message_key: str) -> bool:
    for milestone in snapshot.milestones:
        if milestone.key == milestone_key:
            return any(message_key in evidence.note for evidence in milestone.evidence)
    return False


def _submission(
    about: ReplySubject,
    incoming: Incoming,
    content: ReplyContent,
    stored: list[EvidenceFile],
    today: date,
) -> EvidenceSubmission:
    document_date = content.document_date
    return EvidenceSubmission(
        milestone_key=about.milestone_key,
        submitted_by=about.unit_code,
        document_number=content.document_number[:200],
        document_date=document_date if document_date is None or document_date <= today else None,
        link=content.links[0] if content.links else "",
        file_ref=f"sha256:{stored[0].sha256}" if stored else "",
        # The source: the channel and the message, which also lets a restart find it recorded.
        note=f"{incoming.channel} {incoming.message_key}: {content.text[:300]}",
    )
