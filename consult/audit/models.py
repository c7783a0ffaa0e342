"""Audit events: who did what and when. Rows are only ever added, and each is chained to
the one before by a SHA-256 hash, so an edited or deleted row is found."""

from datetime import datetime

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, event
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
    # Set as the transaction commits: the event's place in the chain, the hash of the
    # event before it, and its own hash over its content and that one.
    sequence: Mapped[int | None] = mapped_column(unique=True)
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    user = relationship("User")


class AuditChainHead(db.Model):
    """The chain's last link: one row, locked while a transaction adds to the chain."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))


# On PostgreSQL the database itself refuses to delete an event or change a sealed one.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'audit events are never deleted';
  END IF;
  IF OLD.hash IS NOT NULL THEN
    RAISE EXCEPTION 'a sealed audit event is never changed';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
"""

event.listen(
    AuditEvent.__table__,
    "after_create",
    DDL(APPEND_ONLY_FUNCTION).execute_if(dialect="postgresql"),
)
event.listen(
    AuditEvent.__table__,
    "after_create",
    DDL(APPEND_ONLY_TRIGGER).execute_if(dialect="postgresql"),
)
