"""Reminder slots: one row per request and offset from the deadline, sent at most once."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import UTCDateTime, utcnow
from consult.extensions import db


class ReminderSlot(db.Model):
    __tablename__ = "reminder_slots"
    __table_args__ = (
        UniqueConstraint("request_id", "offset_days"),
        # The sweep reads only the slots still to send, in due order.
        Index(
            "ix_reminder_slots_due",
            "due_at",
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    # Days relative to the deadline: -7 is a week before it, 3 is three days after.
    offset_days: Mapped[int]
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set once the slot is dealt with: a reminder stored, or skipped because the request no
    # longer needs one.
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request = relationship("Request")
