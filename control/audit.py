"""The audit log of everything done through the web app, done, refused or failed."""

from __future__ import annotations

from models.tables import AuditEntry
from settings import Settings
from storage import access as store
from storage.db import session_scope


def record(settings: Settings, entry: AuditEntry) -> None:
    with session_scope(settings.resolved_database_url()) as session:
        store.record_audit(session, entry)
