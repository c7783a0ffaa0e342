"""A consultation: the question put to partners, its options, appraisal and papers."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import UTCDateTime, in_list, utcnow
from consult.extensions import db

CONSULTATION_STATES = ("draft", "open", "closed")
DEFAULT_REMINDER_OFFSETS_DAYS = [-7, -2, 3]
DEFAULT_RETENTION_DAYS = 2 * 365


class Consultation(db.Model):
    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint(in_list("state", CONSULTATION_STATES), name="state"),
        CheckConstraint("retention_days > 0", name="retention_days_positive"),
        CheckConstraint("auto_close_days >= 0", name="auto_close_days_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    question: Mapped[str] = mapped_column(Text, default="")
    letter: Mapped[str] = mapped_column(Text, default="")
    signatory: Mapped[str] = mapped_column(String(300), default="")
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepts_late_replies: Mapped[bool] = mapped_column(default=False)
    # Days relative to the deadline: negative before it, positive after.
    reminder_offsets_days: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_REMINDER_OFFSETS_DAYS)
    )
    retention_days: Mapped[int] = mapped_column(default=DEFAULT_RETENTION_DAYS)
    # Close automatically this many days after the deadline (None: an officer closes it).
    auto_close_days: Mapped[int | None]
    state: Mapped[str] = mapped_column(String(10), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When every invitation of the issue had been stored (the worker stores them after
    # the officer's first few hundred): until then the send-out page says so.
    invitations_prepared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the council's response went back to the partners ("you said, we did"), and who
    # sent it (consult/consideration/).
    outcome_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When partners' personal details were erased at the end of the retention period.
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    outcome_sent_by = relationship("User", foreign_keys=[outcome_sent_by_id])
    options: Mapped[list["Option"]] = relationship(
        back_populates="consultation", order_by="Option.position"
    )
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="consultation", order_by="Criterion.position"
    )
    documents: Mapped[list["Document"]] = relationship(
        back_populates="consultation", order_by="Document.position"
    )

    @property
    def preferred_option(self):
        return next((option for option in self.options if option.is_preferred), None)

    def __repr__(self):
        return f"<Consultation {self.id} {self.reference!r}>"


class Option(db.Model):
    """One of the options put to partners. At most one per consultation is preferred."""

    __tablename__ = "options"
    __table_args__ = (
        Index(
            "uq_options_one_preferred",
            "consultation_id",
            unique=True,
            sqlite_where=text("is_preferred"),
            postgresql_where=text("is_preferred"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    is_preferred: Mapped[bool] = mapped_column(default=False)

    consultation: Mapped[Consultation] = relationship(back_populates="options")
    # Scores go with their option (the database cascades too).
    scores: Mapped[list["Score"]] = relationship(
        back_populates="option", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def total_score(self):
        """Computed from the criteria scores, never typed in."""
        return sum(score.value for score in self.scores)


class Criterion(db.Model):
    """A row of the options appraisal (Annex 1 has eight, each scored out of 5)."""

    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))

    consultation: Mapped[Consultation] = relationship(back_populates="criteria")


class Score(db.Model):
    """One cell of the appraisal: an option's score, 0 to 5, on one criterion."""

    __tablename__ = "scores"
    __table_args__ = (CheckConstraint("value BETWEEN 0 AND 5", name="value_0_to_5"),)

    option_id: Mapped[int] = mapped_column(
        ForeignKey("options.id", ondelete="CASCADE"), primary_key=True
    )
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("criteria.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[int]

    option: Mapped[Option] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class Document(db.Model):
    """A paper sent with the consultation (the report, the appraisal, a map)."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("consultation_id", "stored_file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)

    consultation: Mapped[Consultation] = relationship(back_populates="documents")
    stored_file = relationship("StoredFile")
