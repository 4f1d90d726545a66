"""Who may use the web app and what they did there: accounts, the audit log, revoked unit
links, evidence files and the coordinator's reviews of evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from models.tables import (
    Account,
    Agency,
    AuditEntry,
    EndedSession,
    Evidence,
    EvidenceFile,
    EvidenceReview,
    Plan,
    Task,
    Unit,
    UnitLinkRevocation,
    UnitRole,
)


class AccountExists(ValueError):
    pass


# ----------------------------------------------------------------------------- accounts


def get_account(session: Session, name: str) -> Account | None:
    return session.exec(select(Account).where(Account.name == name)).first()


def count_accounts(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Account)).one())


def add_account(
    session: Session,
    *,
    name: str,
    role: UnitRole,
    password_hash: str,
    must_change_password: bool,
    now: datetime,
    agency_code: str = "",
) -> Account:
    if get_account(session, name) is not None:
        raise AccountExists(f"an account named {name!r} exists already")
    account = Account(
        name=name,
        role=role,
        agency_code=agency_code,
        password_hash=password_hash,
        must_change_password=must_change_password,
        created_at=now,
        password_changed_at=now,
    )
    session.add(account)
    session.flush()
    return account


def set_password(session: Session, account: Account, *, password_hash: str, now: datetime) -> None:
    account.password_hash = password_hash
    account.must_change_password = False
    account.password_changed_at = now
    session.add(account)


# ----------------------------------------------------------------------------- the audit log


def record_audit(session: Session, entry: AuditEntry) -> None:
    session.add(entry)


def audit_of_task(session: Session, *, plan_key: str, task_code: str) -> list[AuditEntry]:
    return list(
        session.exec(
            select(AuditEntry)
            .where(AuditEntry.plan_key == plan_key, AuditEntry.task_code == task_code)
            .order_by(col(AuditEntry.at), col(AuditEntry.id))
        )
    )


def audit_of_actions(
    session: Session, *, plan_key: str, actions: tuple[str, ...], task_code: str | None = None
) -> list[AuditEntry]:
    """The entries of these actions that were done (not refused), oldest first."""
    query = select(AuditEntry).where(
        AuditEntry.plan_key == plan_key,
        col(AuditEntry.action).in_(actions),
        AuditEntry.outcome == "done",
    )
    if task_code is not None:
        query = query.where(AuditEntry.task_code == task_code)
    return list(session.exec(query.order_by(col(AuditEntry.at), col(AuditEntry.id))))


def recent_audit(session: Session, *, limit: int = 50) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)))


# ----------------------------------------------------------------------------- sessions


def end_session(
    session: Session, session_id: str, *, at: datetime, forget_before: datetime
) -> None:
    for old in session.exec(select(EndedSession).where(EndedSession.ended_at < forget_before)):
        session.delete(old)
    if session.get(EndedSession, session_id) is None:
        session.add(EndedSession(session_id=session_id, ended_at=at))


def session_ended(session: Session, session_id: str) -> bool:
    return session.get(EndedSession, session_id) is not None


# ----------------------------------------------------------------------------- unit links


def links_revoked_before(session: Session, unit_code: str) -> datetime | None:
    row = session.exec(
        select(UnitLinkRevocation).where(UnitLinkRevocation.unit_code == unit_code)
    ).first()
    return row.revoked_before if row is not None else None


def unit_exists(session: Session, unit_code: str) -> bool:
    return session.exec(select(Unit.id).where(Unit.code == unit_code)).first() is not None


def revoke_unit_links(session: Session, *, unit_code: str, before: datetime, by: str) -> None:
    row = session.exec(
        select(UnitLinkRevocation).where(UnitLinkRevocation.unit_code == unit_code)
    ).first() or UnitLinkRevocation(unit_code=unit_code, revoked_before=before)
    row.revoked_before = before
    row.revoked_by = by
    session.add(row)


# ----------------------------------------------------------------------------- evidence


def get_evidence_file(session: Session, sha256: str) -> EvidenceFile | None:
    return session.exec(select(EvidenceFile).where(EvidenceFile.sha256 == sha256)).first()


def add_evidence_file(session: Session, row: EvidenceFile) -> EvidenceFile:
    """The file's row; one already stored under the same hash is kept as it is."""
    existing = get_evidence_file(session, row.sha256)
    if existing is not None:
        return existing
    session.add(row)
    session.flush()
    return row


def evidence_of_task(session: Session, *, plan_key: str, task_code: str) -> list[Evidence]:
    return list(
        session.exec(
            select(Evidence)
            .join(Task)
            .join(Plan)
            .where(Plan.key == plan_key, Task.code == task_code)
            .order_by(col(Evidence.submitted_at), col(Evidence.id))
        )
    )


def latest_evidence_of(
    session: Session, *, plan_key: str, task_code: str, milestone_key: str
) -> Evidence | None:
    return session.exec(
        select(Evidence)
        .join(Task)
        .join(Plan)
        .where(
            Plan.key == plan_key,
            Task.code == task_code,
            Evidence.milestone_key == milestone_key,
        )
        .order_by(col(Evidence.submitted_at).desc(), col(Evidence.id).desc())
    ).first()


def evidence_submitted_by(session: Session, *, file_ref: str, unit_code: str) -> bool:
    row = session.exec(
        select(Evidence.id).where(Evidence.file_ref == file_ref, Evidence.submitted_by == unit_code)
    ).first()
    return row is not None


def evidence_file_agencies(session: Session, *, file_ref: str) -> set[str]:
    """The codes of the agencies whose plans' evidence holds this file."""
    rows = session.exec(
        select(Agency.code)
        .join(Plan, col(Plan.agency_id) == col(Agency.id))
        .join(Task, col(Task.plan_id) == col(Plan.id))
        .join(Evidence, col(Evidence.task_id) == col(Task.id))
        .where(Evidence.file_ref == file_ref)
    )
    return set(rows)


def add_review(session: Session, review: EvidenceReview) -> None:
    session.add(review)


def reviews_of(session: Session, evidence_ids: list[int]) -> dict[int, list[EvidenceReview]]:
    if not evidence_ids:
        return {}
    rows = session.exec(
        select(EvidenceReview)
        .where(col(EvidenceReview.evidence_id).in_(evidence_ids))
        .order_by(col(EvidenceReview.at), col(EvidenceReview.id))
    )
    found: dict[int, list[EvidenceReview]] = {}
    for row in rows:
        found.setdefault(row.evidence_id, []).append(row)
    return found


def audit_details(entry: AuditEntry) -> dict[str, Any]:
    return dict(entry.details or {})
