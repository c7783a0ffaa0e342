"""Audit events: who did what and when. Rows are only ever added."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import UTCDateTime, utcnow
from consult.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_consultation_id", "consultation_id"),
        Index("ix_audit_events_request_id", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(60))
    # The actor: a signed-in user, a partner's link, or the system (both empty).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recipient_link_id: Mapped[int | None] = mapped_column(ForeignKey("recipient_links.id"))
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    user = relationship("User")
