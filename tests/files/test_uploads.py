"""What a file is comes from its content; bad files are refused with a reason."""

import io
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from consult.extensions import db
from consult.files.models import StoredFile
from consult.files.services import (
    LETTER_KINDS,
    PAPER_KINDS,
    UploadError,
    clean_filename,
    sniff,
    store_upload,
)
from tests.files.samples import EXE_BYTES, docx_bytes, office_bytes, pdf_bytes, xlsx_bytes


def upload(data, name="letter.pdf", content_type="application/pdf"):
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (pdf_bytes(), "pdf"),
        (docx_bytes(), "docx"),
        (xlsx_bytes(), "xlsx"),
        (EXE_BYTES, None),
        (pdf_bytes()[:40], None),  # cut short: does not parse
        (b"%PDF-1.7 but not really a PDF", None),
        (office_bytes("other/thing.xml"), None),  # a zip that is neither Word nor Excel
        (b"", None),
    ],
)
def test_the_kind_is_read_from_the_bytes(data, kind):
    assert sniff(data) == kind


def test_a_good_pdf_is_kept_under_a_random_name_with_its_hash(app):
    stored = store_upload(upload(pdf_bytes(), name="../../Our letter.PDF"), LETTER_KINDS)
    db.session.commit()

    assert stored.content_type == "application/pdf"
    assert stored.original_filename == "Our letter.pdf"
    assert "letter" not in stored.storage_name and len(stored.sha256) == 64
    with open(f"{app.config['UPLOAD_DIR']}/{stored.storage_name}", "rb") as kept:
        assert kept.read().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (EXE_BYTES, "letter.pdf", "must be a PDF or Word file"),
        (pdf_bytes()[:40], "letter.pdf", "must be a PDF or Word file"),
        (xlsx_bytes(), "letter.docx", "must be a PDF or Word file"),
        (b"", "letter.pdf", "The selected file is empty"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_kept(app, data, name, message):
    with pytest.raises(UploadError, match=message):
        store_upload(upload(data, name=name), LETTER_KINDS)

    assert db.session.query(StoredFile).count() == 0
    assert not list(Path(app.config["UPLOAD_DIR"]).glob("*"))


def test_a_file_over_the_cap_is_refused(app):
    with pytest.raises(UploadError, match="smaller than 1MB"):
        store_upload(
            upload(pdf_bytes() + b"\0" * (1024 * 1024)), PAPER_KINDS, max_bytes=1024 * 1024
        )


@pytest.mark.parametrize(
    ("name", "kind", "clean"),
    [
        ("Letter from VAR.pdf", "pdf", "Letter from VAR.pdf"),
        ("C:\\Users\\me\\reply.docx", "docx", "reply.docx"),
        ('evil"; filename=x.exe', "pdf", "evil filenamex.pdf"),
        ("", "pdf", "file.pdf"),
        ("letter.exe", "pdf", "letter.pdf"),
    ],
)
def test_download_names_are_cleaned_and_match_the_real_type(name, kind, clean):
    assert clean_filename(name, kind) == clean
