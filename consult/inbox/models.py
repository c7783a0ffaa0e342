"""Emails that arrived in the council's reply mailbox, and how far the mailbox is read."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
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

# "waiting": stored, not yet read; "reply", "bounce", "auto_reply": what it turned out to be.
ARRIVAL_KINDS = ("waiting", "reply", "bounce", "auto_reply")
# How it was matched to a request: the thread it answers, the sender's address, the
# sender's organisation's email domain, or an officer; None: not matched.
MATCHES = ("thread", "sender", "domain", "officer")


class Arrival(db.Model):
    """One email as it arrived, kept whole (for officers only) before anything is done
    with it.

    Unique on the mailbox's UID (within its UIDVALIDITY) and on its Message-ID, so a
    message read twice, or copied into the mailbox twice, is stored once.
    """

    __tablename__ = "arrivals"
    __table_args__ = (
        CheckConstraint(in_list("kind", ARRIVAL_KINDS), name="kind"),
        UniqueConstraint("mailbox", "uid_validity", "uid", name="uq_arrivals_mailbox_uid"),
        Index(
            "uq_arrivals_message_id",
            "message_id",
            unique=True,
            sqlite_where=text("message_id <> ''"),
            postgresql_where=text("message_id <> ''"),
        ),
        Index("ix_arrivals_consultation_id", "consultation_id"),
        # The officer's list of what matched nothing, and the filing of what waits.
        Index(
            "ix_arrivals_unmatched",
            "received_at",
            sqlite_where=text("request_id IS NULL AND dismissed_at IS NULL"),
            postgresql_where=text("request_id IS NULL AND dismissed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(320))  # "imap:replies@council.example/INBOX"
    uid_validity: Mapped[int] = mapped_column(BigInteger, default=0)
    uid: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[str] = mapped_column(String(998), default="")
    raw_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(12), default="waiting")
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    sender_address: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    words: Mapped[str] = mapped_column(Text, default="")  # the sender's own, quote removed
    # [{"file_id": 3, "filename": "Response.pdf", "kind": "pdf"}]: attachments typed by
    # their content; those of no kind Consult keeps are named only.
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    # A bounce: [{"address", "permanent", "status", "reason"}].
    failures: Mapped[list] = mapped_column(JSON, default=list)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    answers_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    matched_by: Mapped[str | None] = mapped_column(String(10))
    matched_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    problem: Mapped[str] = mapped_column(Text, default="")  # why it could not be read

    raw_file = relationship("StoredFile", foreign_keys=[raw_file_id])
    request = relationship("Request", foreign_keys=[request_id])
    contact = relationship("Contact", foreign_keys=[contact_id])

    @property
    def letter_files(self):
        return [a for a in self.attachments if a.get("file_id")]


class MailboxPosition(db.Model):
    """How far a mailbox folder has been read: every message up to ``last_uid`` (within
    ``uid_validity``) is stored. Saved in the same commit as the messages it covers."""

    __tablename__ = "mailbox_positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(320), unique=True)
    uid_validity: Mapped[int] = mapped_column(BigInteger, default=0)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A reader at work holds the mailbox until then (renewed with each batch), so beat's
    # next poll does not read the same messages beside it; a stopped reader's hold runs out.
    reading_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
