"""The one way a delivered evidence file is kept, whether it came from the web's form or a reply
by email or Zalo: its type read from its content, the installation's size limit, the file stored
once by its content's hash (storage/files.py), and its row added for the pages that list it."""

from __future__ import annotations

from datetime import datetime

from models.tables import EvidenceFile
from settings import Settings
from storage import access as store
from storage.db import session_scope
from storage.files import store_evidence


def keep_evidence_file(
    settings: Settings, content: bytes, *, name: str, uploaded_by: str, at: datetime
) -> EvidenceFile:
    """The file kept and its row; raises `storage.files.UploadRefused` (too large, empty, not
    a type we take) with nothing stored."""
    kept = store_evidence(
        content, folder=settings.var_dir / "evidence", limit=settings.evidence_max_bytes
    )
    with session_scope(settings.resolved_database_url()) as session:
        row = store.add_evidence_file(
            session,
            EvidenceFile(
                sha256=kept.sha256,
                size=kept.size,
                media_type=kept.media_type,
                original_name=name[:200],
                uploaded_by=uploaded_by,
                uploaded_at=at,
            ),
        )
        session.expunge(row)
        return row
