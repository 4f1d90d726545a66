"""What a reply brought, kept: its text read (document number and date, links, a request for
more time) and its files kept the one way the web's are too (type by content, the evidence
size limit, once by content hash: control/evidence_files.py), each file refused with its reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from control.evidence_files import keep_evidence_file
from deadlines.local_time import local_day
from models.tables import EvidenceFile
from replies import answers
from replies.content import ReplyContent, read_content
from replies.incoming import Incoming
from settings import Settings
from storage.files import UploadRefused


class Keeping:
    def __init__(self, settings: Settings, *, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.clock = clock

    def keep(
        self, incoming: Incoming, uploader: str
    ) -> tuple[ReplyContent, list[EvidenceFile], dict[str, object]]:
        """What the reply says and its files, kept; the details its row records."""
        content = read_content(incoming.text, today=local_day(self.clock()))
        stored, dropped = self._store_files(incoming, uploader)
        details: dict[str, object] = {
            "text": content.text[:2000],
            "document_number": content.document_number,
            "document_date": content.document_date.isoformat() if content.document_date else "",
            "links": list(content.links),
            "files": [{"sha256": f.sha256, "name": f.original_name} for f in stored],
            "dropped": dropped,
        }
        return content, stored, details

    def _store_files(
        self, incoming: Incoming, uploader: str
    ) -> tuple[list[EvidenceFile], list[str]]:
        """The attachments kept as the web keeps its uploads; each refused one with why."""
        limit = self.settings.evidence_max_bytes
        stored: list[EvidenceFile] = []
        dropped: list[str] = []
        if incoming.unreadable:
            dropped.append(answers.reason("winmail", names=", ".join(incoming.unreadable)))
        for attachment in incoming.attachments:
            name = attachment.name or "(không tên)"
            try:
                row = keep_evidence_file(
                    self.settings,
                    attachment.content,
                    name=name,
                    uploaded_by=uploader,
                    at=self.clock(),
                )
            except UploadRefused as refused:
                if refused.reason == "too_large":
                    dropped.append(
                        answers.reason(
                            "too_large",
                            name=name,
                            size=_megabytes(len(attachment.content)),
                            limit=_megabytes(limit),
                        )
                    )
                elif refused.reason == "bad_type":
                    dropped.append(answers.reason("bad_type", name=name))
                continue
            stored.append(row)
        return stored, dropped


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"
