"""Files people upload: evidence (PDF, Word, Excel, images) and plans to import. A file's type
is read from its content (its first bytes, and for Word and Excel the parts inside the zip),
never from its name; it is stored once, under the var folder, by the SHA-256 of its content.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

# What a unit may deliver as evidence, by what the content is.
EVIDENCE_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "image/png": ".png",
    "image/jpeg": ".jpg",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A plan can be imported from these (the importer reads text, CSV, Excel and Word).
PLAN_SUFFIXES = (".txt", ".md", ".csv", ".xlsx", ".docx")


class UploadRefused(ValueError):
    """Not a file we take: `reason` is "too_large", "bad_type" or "empty"."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    media_type: str
    path: Path

    @property
    def ref(self) -> str:
        return f"sha256:{self.sha256}"


def sniff(content: bytes) -> str | None:
    """The media type the content is, among those we take; None for anything else."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"PK\x03\x04"):
        return _office_type(content)
    return None


def _office_type(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def check_size(content: bytes, limit: int) -> None:
    if not content:
        raise UploadRefused("empty")
    if len(content) > limit:
        raise UploadRefused("too_large", f"{len(content):,} > {limit:,} bytes")


def store_evidence(content: bytes, *, folder: Path, limit: int) -> StoredFile:
    """Check the file and keep it under `folder`/ab/<hash><suffix>; the same content twice is
    stored once."""
    check_size(content, limit)
    media_type = sniff(content)
    if media_type is None:
        raise UploadRefused("bad_type")
    return _store(content, folder, media_type, EVIDENCE_TYPES[media_type])


def store_plan_file(content: bytes, *, name: str, folder: Path, limit: int) -> StoredFile:
    """A plan to import: Excel and Word by content; text and CSV must be UTF-8 text."""
    check_size(content, limit)
    suffix = Path(name).suffix.lower()
    sniffed = sniff(content)
    if sniffed in (DOCX, XLSX):
        return _store(content, folder, sniffed, EVIDENCE_TYPES[sniffed])
    if suffix in (".txt", ".md", ".csv") and sniffed is None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as error:
            raise UploadRefused("bad_type", "not UTF-8 text") from error
        return _store(content, folder, "text/plain", suffix)
    raise UploadRefused("bad_type")


def _store(content: bytes, folder: Path, media_type: str, suffix: str) -> StoredFile:
    digest = hashlib.sha256(content).hexdigest()
    path = folder / digest[:2] / f"{digest}{suffix}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(content)
        partial.replace(path)
    return StoredFile(digest, len(content), media_type, path)


def stored_path(folder: Path, sha256: str) -> Path | None:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    found = sorted((folder / sha256[:2]).glob(f"{sha256}.*"))
    return next((p for p in found if not p.name.endswith(".part")), None)
