"""Messages: every email the system sends, stored before it is sent (the outbox and log)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import Email, UTCDateTime, in_list, utcnow
from consult.extensions import db

MESSAGE_KINDS = (
    "invitation",
    "reminder",
    "acknowledgement",
    "digest",
    "link_resent",
    "deadline_changed",
    "account",
    "outcome",
)
# The kinds that carry a partner's invitation: the first, and a link sent again.
INVITATION_KINDS = ("invitation", "link_resent")
# "cancelled": never sent, because it was no longer wanted (the request was withdrawn).
MESSAGE_STATES = ("queued", "sending", "sent", "failed", "cancelled")
# Stands in for the token in stored bodies; the real one goes in only as the mail is sent.
LINK_PLACEHOLDER = "LINK-WITHHELD"


class Message(db.Model):
    """One email to one address.

    ``purpose`` is unique: it names why the message exists (for example
    ``invitation:link:12``), so issuing twice or a retried task can never store a second
    message for the same purpose.
    """

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(in_list("kind", MESSAGE_KINDS), name="kind"),
        CheckConstraint(in_list("status", MESSAGE_STATES), name="status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The sweep looks only at mail still to send.
        Index(
            "ix_messages_due",
            "next_attempt_at",
            sqlite_where=text("status = 'queued'"),
            postgresql_where=text("status = 'queued'"),
        ),
        Index("ix_messages_consultation_id_status", "consultation_id", "status"),
        # Finds messages a lost task left in "sending".
        Index(
            "ix_messages_sending",
            "sending_started_at",
            sqlite_where=text("status = 'sending'"),
            postgresql_where=text("status = 'sending'"),
        ),
        # Finds messages sent by a worker that stopped before recording it.
        Index(
            "ix_messages_sent_unrecorded",
            "sent_at",
            sqlite_where=text("status = 'sent' AND sent_recorded_at IS NULL"),
            postgresql_where=text("status = 'sent' AND sent_recorded_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    recipient_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("recipient_links.id"), index=True
    )
    link_token_id: Mapped[int | None] = mapped_column(ForeignKey("link_tokens.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    to_address: Mapped[str] = mapped_column(Email)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # A partner's secret token is never stored in the clear: bodies hold LINK_PLACEHOLDER
    # and the token waits here, encrypted, until the message is sent or fails; then it is
    # wiped. So the correspondence log shows every message without live links.
    sealed_link: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a delivery task was last asked for, so the sweep does not ask again too soon.
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sending_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the sending was recorded beyond the message (its audit event, the request's
    # status): a moment after ``sent_at``, for a batch at a time.
    sent_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A non-delivery report came back for it (it is then "failed", with the reason).
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request = relationship("Request")
    link_token = relationship("LinkToken")

    def __repr__(self):
        return f"<Message {self.id} {self.kind} {self.status}>"


class SendAllowance(db.Model):
    """The mail send rate as a token bucket, shared by every worker (one row).

    Each dispatch adds MAIL_SEND_RATE_PER_MINUTE / 60 tokens per second since the last
    refill, up to one minute's worth, and spends one per message it hands to a worker.
    """

    __tablename__ = "send_allowance"

    id: Mapped[int] = mapped_column(primary_key=True)
    tokens: Mapped[float] = mapped_column(Float, default=0.0)
    refilled_at: Mapped[datetime] = mapped_column(UTCDateTime)
