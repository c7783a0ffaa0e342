"""Annexes built for the committee: each build is a row, its file a stored file."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import UTCDateTime, in_list, utcnow
from consult.extensions import db

ANNEX_FORMATS = {"pdf": "PDF", "docx": "Word"}
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

    consultation = relationship("Consultation")
    stored_file = relationship("StoredFile")
    requested_by = relationship("User")

    @property
    def format_name(self):
        return ANNEX_FORMATS[self.format]

    def __repr__(self):
        return f"<AnnexBuild {self.id} {self.format} {self.status}>"
