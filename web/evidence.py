"""Evidence as a unit delivers it from a form: checked (a web link, a date not in the future,
something at all), its file stored once by its content's hash, and the submission the engine
records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlparse

from control.evidence_files import keep_evidence_file
from models.tables import EvidenceFile
from models.workflow_messages import EvidenceSubmission
from settings import Settings
from storage import access as access_store
from storage.db import session_scope
from storage.files import UploadRefused, stored_path
from web.auth import AccessDenied, Visitor
from web.refusals import Refusal


@dataclass(frozen=True)
class EvidenceForm:
    document_number: str = ""
    document_date: date | None = None
    link: str = ""
    note: str = ""
    file_name: str = ""
    file_content: bytes | None = None


def upload_refusal(refused: UploadRefused) -> Refusal:
    too_large = refused.reason == "too_large"
    return Refusal(
        "too_large" if too_large else "bad_type",
        status=413 if too_large else 415,
        detail=refused.detail,
    )


def checked_evidence(
    settings: Settings, form: EvidenceForm, *, unit_code: str, now: datetime
) -> EvidenceFile | None:
    """The form's file stored (None without one), once the form holds evidence at all."""
    if form.link and urlparse(form.link).scheme not in ("http", "https"):
        raise Refusal("bad_url")
    if form.document_date is not None and form.document_date > now.date():
        raise Refusal("bad_date", detail=form.document_date.isoformat())
    stored: EvidenceFile | None = None
    if form.file_content:
        try:
            stored = keep_evidence_file(
                settings,
                form.file_content,
                name=form.file_name,
                uploaded_by=unit_code,
                at=now,
            )
        except UploadRefused as refused:
            raise upload_refusal(refused) from refused
    if not (form.document_number.strip() or form.link or stored):
        raise Refusal("empty_evidence")
    return stored


def submission(
    milestone_key: str, unit_code: str, form: EvidenceForm, stored: EvidenceFile | None
) -> EvidenceSubmission:
    return EvidenceSubmission(
        milestone_key=milestone_key,
        submitted_by=unit_code,
        document_number=form.document_number.strip(),
        document_date=form.document_date,
        link=form.link.strip(),
        file_ref=f"sha256:{stored.sha256}" if stored else "",
        note=form.note.strip(),
    )


def recorded_since(
    settings: Settings, plan_key: str, task_code: str, sent: EvidenceSubmission, after_id: int
) -> bool:
    """Whether the projection holds this submission, newer than evidence `after_id`: how an
    answer that came too late is told apart from a submission lost."""
    with session_scope(settings.resolved_database_url()) as session:
        latest = access_store.latest_evidence_of(
            session, plan_key=plan_key, task_code=task_code, milestone_key=sent.milestone_key
        )
    return (
        latest is not None
        and (latest.id or 0) > after_id
        and latest.submitted_by == sent.submitted_by
        and latest.document_number == sent.document_number
        and latest.link == sent.link
        and latest.file_ref == sent.file_ref
    )


def latest_evidence_id(settings: Settings, plan_key: str, task_code: str, key: str) -> int:
    with session_scope(settings.resolved_database_url()) as session:
        latest = access_store.latest_evidence_of(
            session, plan_key=plan_key, task_code=task_code, milestone_key=key
        )
    return latest.id or 0 if latest is not None else 0


def evidence_file_for(settings: Settings, who: Visitor, sha256: str) -> tuple[EvidenceFile, Path]:
    """A delivered file, for an account of an agency whose plan holds it (or of every agency),
    and for the unit that delivered it."""
    if who.account is None and who.unit is None:
        raise AccessDenied("not_signed_in", status=401)
    ref = f"sha256:{sha256}"
    with session_scope(settings.resolved_database_url()) as session:
        row = access_store.get_evidence_file(session, sha256)
        if who.account is not None:
            agency = who.account.agency
            allowed = not agency or agency in access_store.evidence_file_agencies(
                session, file_ref=ref
            )
        else:
            assert who.unit is not None
            allowed = access_store.evidence_submitted_by(
                session, file_ref=ref, unit_code=who.unit.code
            )
    if not allowed:
        raise Refusal("not_your_task", status=403)
    path = stored_path(settings.var_dir / "evidence", sha256)
    if row is None or path is None:
        raise Refusal("no_such_milestone", status=404)
    return row, path
