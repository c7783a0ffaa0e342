"""Storing uploaded files: what a file is comes from its content, never its name.

A PDF must start with %PDF- and open with pypdf; Word and Excel files are recognised by
their insides (the parts of an Office Open XML zip, or the streams of an old binary
file). Files are kept outside the web root under a random name, with their SHA-256.
"""

import hashlib
import io
import re
import secrets
import unicodedata
import zipfile
from pathlib import Path

from flask import current_app, send_file
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from consult.extensions import db
from consult.files.models import StoredFile

MAX_FILE_BYTES = 10 * 1024 * 1024

KINDS = {
    "pdf": ("application/pdf", ".pdf", "PDF"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
        "Word",
    ),
    "doc": ("application/msword", ".doc", "Word"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", "Excel"),
    "xls": ("application/vnd.ms-excel", ".xls", "Excel"),
    # A partner's reply saved from a mailbox, kept whole for officers: never sniffed, so
    # never taken as a letter or a paper, only stored as such by consult/record.
    "eml": ("message/rfc822", ".eml", "email"),
    "msg": ("application/vnd.ms-outlook", ".msg", "Outlook email"),
    # Only the annex is kept as a web page; an upload is never taken as one.
    "html": ("text/html; charset=utf-8", ".html", "web page"),
}
LETTER_KINDS = ("pdf", "docx", "doc")
PAPER_KINDS = ("pdf", "docx", "doc", "xlsx", "xls")
EMAIL_KINDS = ("eml", "msg")

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UploadError(ValueError):
    """The file cannot be taken; the message says why, for the person uploading it."""


def sniff(data):
    """ "pdf", "docx", "doc", "xlsx", "xls", or None: decided from the bytes alone."""
    if data.startswith(b"%PDF-"):
        try:
            reader = PdfReader(io.BytesIO(data))
            return "pdf" if len(reader.pages) >= 1 else None
        except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
            return None
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return None
    if data.startswith(_OLE):
        if "WordDocument".encode("utf-16-le") in data:
            return "doc"
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            return "xls"
    return None


def clean_filename(name, kind):
    """A safe name to offer on download: letters, digits, spaces, dots, dashes; the
    extension that matches what the file really is."""
    stem = Path(unicodedata.normalize("NFKC", name or "").replace("\\", "/")).name
    stem = Path(stem).stem
    stem = re.sub(r"[^\w .-]+", "", stem, flags=re.ASCII).strip(" .") or "file"
    return stem[:100] + KINDS[kind][1]


def describe(kinds):
    names = []
    for kind in kinds:
        if KINDS[kind][2] not in names:
            names.append(KINDS[kind][2])
    return " or ".join(names)


def store_upload(upload, allowed_kinds, max_bytes=MAX_FILE_BYTES):
    """Keep an uploaded file (a werkzeug FileStorage) if it is one of ``allowed_kinds``.

    Raises UploadError, with nothing kept on disk or in the database, if it is empty, too
    big, or not what it must be.
    """
    data = upload.read(max_bytes + 1)
    if not data:
        raise UploadError("The selected file is empty")
    if len(data) > max_bytes:
        raise UploadError(f"The selected file must be smaller than {max_bytes // (1024 * 1024)}MB")
    kind = sniff(data)
    if kind not in allowed_kinds:
        raise UploadError(f"The selected file must be a {describe(allowed_kinds)} file")
    return store_bytes(data, upload.filename, kind)


def store_bytes(data, filename, kind):
    """Keep ``data``, a file of a kind already known, under a random name."""
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    storage_name = secrets.token_hex(20)
    (folder / storage_name).write_bytes(data)
    stored = StoredFile(
        original_filename=clean_filename(filename, kind),
        content_type=KINDS[kind][0],
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_name=storage_name,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def kind_of(stored):
    """The kind ("pdf", "docx", …) of a stored file, from the type it was kept as."""
    return next(
        (kind for kind, (mimetype, *_) in KINDS.items() if mimetype == stored.content_type), ""
    )


def send_stored_file(stored):
    """The file as a download: attachment, its real type, a clean name, no sniffing."""
    path = stored_path(stored)
    response = send_file(
        path,
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.original_filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def stored_path(stored):
    """Where a stored file's bytes are."""
    return Path(current_app.config["UPLOAD_DIR"]) / stored.storage_name


def erase_stored_file(stored, *, now):
    """Delete a file's bytes for good; the row stays, saying when it was erased."""
    if stored.erased_at is not None:
        return False
    stored_path(stored).unlink(missing_ok=True)
    stored.erased_at = now
    return True
