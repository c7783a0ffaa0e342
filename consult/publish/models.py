"""Annexes built for the committee: each build is a row, its file a stored file; and the
officer's check of each partner's letter before it is published."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import UTCDateTime, in_list, utcnow
from consult.extensions import db

# The HTML is the same document as the PDF, for a council to put on its website as a page.
ANNEX_FORMATS = {"pdf": "PDF", "docx": "Word", "html": "web page (HTML)"}
ANNEX_EXTENSIONS = {"pdf": "pdf", "docx": "docx", "html": "html"}
BUILD_STATES = ("queued", "building", "done", "failed")


class AnnexBuild(db.Model):
    __tablename__ = "annex_builds"
    __table_args__ = (
        CheckConstraint(in_list("format", tuple(ANNEX_FORMATS)), name="format"),
        CheckConstraint(in_list("status", BUILD_STATES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    format: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    stored_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who published the file built, and when (its SHA-256 is the stored file's).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    consultation = relationship("Consultation")
    stored_file = relationship("StoredFile")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])

    @property
    def format_name(self):
        return ANNEX_FORMATS[self.format]

    def __repr__(self):
        return f"<AnnexBuild {self.id} {self.format} {self.status}>"


class LetterCheck(db.Model):
    """What an officer decided for one partner's letter before publishing: more words to
    take out, pages to leave out, or the whole letter left out."""

    __tablename__ = "letter_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    # One word or phrase a line.
    words: Mapped[str] = mapped_column(Text, default="")
    # Page numbers counted from 1, separated by commas.
    left_out_pages: Mapped[str] = mapped_column(String(500), default="")
    left_out: Mapped[bool] = mapped_column(Boolean, default=False)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    stored_file = relationship("StoredFile")
    checked_by = relationship("User")

    @property
    def word_list(self):
        return [line.strip() for line in self.words.splitlines() if line.strip()]

    @property
    def page_numbers(self):
        return sorted({int(part) for part in self.left_out_pages.split(",") if part.isdigit()})
